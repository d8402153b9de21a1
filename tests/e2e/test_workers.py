"""`idp serve --workers N`: any worker's `/metrics` counts the requests of all of them
(prometheus-client's multiprocess mode), and each request's log line has its own id."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.fixtures import server_env
from tests.servers import free_port

pytestmark = pytest.mark.e2e
REQUESTS = 40


def test_metrics_count_the_requests_of_every_worker(backend, tmp_path, smtp_inbox):
    if not backend.is_real:
        pytest.skip("several workers need PostgreSQL and Redis")
    port = free_port()
    env = server_env(
        backend,
        tmp_path,
        backend.fresh_database_url(tmp_path),
        f"http://localhost:{port}",
        smtp_inbox[0],
    )
    env["IDP_LOG_LEVEL"] = "info"  # the access lines say which worker served
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "idp", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process, tmp_path)
        ids = set()
        for _ in range(REQUESTS):  # a new connection each time: the kernel spreads them
            ids.add(httpx.get(url + "/healthz", timeout=10).headers.get("x-request-id"))
        text = httpx.get(url + "/metrics", timeout=10).text
    finally:
        process.terminate()
        process.wait(timeout=30)
    counted = re.search(
        r'^idp_http_requests_total\{method="GET",route="/healthz",status="200"\} ([\d.]+)$',
        text,
        flags=re.M,
    )
    assert counted is not None, text[:2000]
    assert float(counted.group(1)) == REQUESTS
    assert len(ids) == REQUESTS
    served_by = {
        line["process"]
        for line in map(json.loads, (tmp_path / "serve.log").read_text().splitlines())
        if line.get("route") == "/healthz"  # every line is JSON, the workers' too
    }
    assert len(served_by) == 2  # both workers served some: the sum is not one worker's


def _wait_ready(url, process, folder) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (folder / "serve.log").read_text()[-3000:]
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError((folder / "serve.log").read_text()[-3000:])

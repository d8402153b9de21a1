"""The benchmarks still run and print their figures (a smoke run on tiny inputs; the
figures themselves are never asserted: performance is read, not tested)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import ServerUnavailable, find_postgres_bin

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's packages (and tests/servers.py)
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_decision_benchmark_prints_a_line_per_case():
    out = _run("bench/decisions.py", "300")
    assert re.search(r"^decide: allowed .* calls/s .* p99", out, flags=re.M), out
    assert re.search(r"^delegation_allows \(introspect\) .* calls/s", out, flags=re.M), out


def test_token_benchmark_prints_latency_and_throughput():
    out = _run("bench/token_endpoint.py", "20", "2")
    assert re.search(r"^POST /token \(client creds\) +p50 .* ms", out, flags=re.M), out
    assert re.search(r"^POST /introspect +\d+ req/s with 2 clients$", out, flags=re.M), out


def test_legacy_import_benchmark_prints_rows_per_second():
    try:
        find_postgres_bin("initdb")
    except ServerUnavailable as missing:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(missing))
    out = _run("bench/legacy_import.py", "2000")
    assert re.search(r"^first import: +2,000 rows in .* rows/s .*new 2,000", out, flags=re.M), out
    assert re.search(r"^re-import: +2,000 rows .* unchanged 2,000", out, flags=re.M), out

"""A clean `pip install` of the wheel (no extras) runs `idp serve` (issue 10 must-show 1).

The wheel is built from this checkout, installed with its declared dependencies only into
a fresh virtual environment (no system site-packages), and served from a folder outside
the checkout, so nothing the tests installed can hide a missing dependency. One
environment per test session (installing takes about a minute).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
INSTALL_SECONDS = 600


def _clean_env(home: Path) -> dict[str, str]:
    keep = (
        "PATH",
        "LANG",
        "PIP_FIND_LINKS",
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "SSL_CERT_FILE",
    )
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("PIP_")}
    env["HOME"] = str(home)
    return env


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `idp` script of a fresh virtual environment holding only the wheel and its deps."""
    folder = tmp_path_factory.mktemp("package")
    env = _clean_env(folder)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(folder)],
        check=True,
        env=env,
        cwd=folder,
        timeout=INSTALL_SECONDS,
    )
    (wheel,) = folder.glob("passerelle-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True, timeout=120)
    pip = folder / "venv" / "bin" / "pip"
    subprocess.run(
        [str(pip), "install", "-q", str(wheel)],
        check=True,
        env=env,
        cwd=folder,
        timeout=INSTALL_SECONDS,
    )
    return folder / "venv" / "bin" / "idp"


@pytest.fixture
def served(installed: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**_clean_env(tmp_path), "IDP_DATA_DIR": str(tmp_path / "data")}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(installed), "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=15)
    log.close()


def _get(url: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_the_installed_wheel_serves_discovery_and_is_ready(served):
    discovery = _get(served + "/.well-known/openid-configuration")
    assert discovery.status_code == 200
    assert discovery.json()["issuer"] == "http://127.0.0.1:8000"
    assert _get(served + "/readyz").json()["status"] == "ready"

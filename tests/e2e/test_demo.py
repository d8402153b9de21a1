"""`idp demo` as a newcomer runs it: a subprocess on free ports that advertises its own
port as issuer, starts three sample portals one can sign in at, and stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from idp.demo.seed import APPLICANT, DEMO_PASSWORD
from tests.e2e.servers import browser_client, idp_env, new_port
from tests.idp.flows import follow_to_redirect_uri, sign_in
from tests.sample_portal.journeys import text_of

pytestmark = pytest.mark.e2e
START_SECONDS = 60


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    port: int
    portal_ports: tuple[int, ...]
    output: Path

    @property
    def issuer(self) -> str:
        return f"http://localhost:{self.port}"

    def portal(self, index: int) -> str:
        return f"http://127.0.0.1:{self.portal_ports[index]}"

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_until_up(demo: Demo) -> None:
    deadline = time.monotonic() + START_SECONDS
    urls = [f"{demo.issuer}/.well-known/openid-configuration"]
    urls += [demo.portal(i) + "/" for i in range(3)]
    while not all(_answers(url) for url in urls):
        if demo.process.poll() is not None or time.monotonic() > deadline:
            demo.stop()
            raise RuntimeError(f"idp demo did not start: {demo.output.read_text()[-3000:]}")
        time.sleep(0.3)


def start_demo(folder: Path) -> Demo:
    port, *portal_ports = (new_port() for _ in range(4))
    output = folder / "demo.out"
    with output.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "idp", "demo", "--port", str(port),
             "--portal-ports", ",".join(map(str, portal_ports))],
            env=idp_env(data_dir=str(folder / "idp"), outbox_poll_seconds="0.2"),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the test can see every child
        )  # fmt: skip
    running = Demo(process, port, tuple(portal_ports), output)
    _wait_until_up(running)
    return running


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = start_demo(tmp_path_factory.mktemp("demo"))
    yield running
    running.stop()


def test_discovery_advertises_the_port_the_demo_was_given(demo):
    metadata = httpx.get(f"{demo.issuer}/.well-known/openid-configuration").json()
    assert metadata["issuer"] == demo.issuer
    assert metadata["authorization_endpoint"] == f"{demo.issuer}/authorize"


def test_the_guide_names_the_people_and_the_portal_urls(demo):
    printed = demo.output.read_text()
    assert APPLICANT.email in printed
    assert f"{demo.issuer}/account/household" in printed
    assert all(demo.portal(i) in printed for i in range(3))


def test_one_signs_in_at_a_sample_portal_through_passerelle(demo):
    with browser_client(demo.issuer) as browser:
        start = browser.get(f"{demo.portal(0)}/login")
        assert start.headers["location"].startswith(f"{demo.issuer}/authorize?")
        asked = browser.get(start.headers["location"])
        assert asked.headers["location"].startswith("/login")
        signed = sign_in(browser, asked.headers["location"], APPLICANT.email, DEMO_PASSWORD)
        back = follow_to_redirect_uri(browser, signed)  # first party: no consent page
        assert back.headers["location"].startswith(f"{demo.portal(0)}/callback?")
        browser.get(back.headers["location"])
        home = browser.get(f"{demo.portal(0)}/")
        mine = browser.get(f"{demo.portal(0)}/applications")
    assert text_of(home.text, "signed-in").startswith("Signed in as")
    # The names the IRCC Portal's profile gives its codes (PORTAL_PROFILE), not the codes.
    assert '<td>Study permit <span lang="fr">/ Permis d’études</span></td>' in mine.text
    assert '<td>In review <span lang="fr">/ En cours d’examen</span></td>' in mine.text


def test_stopping_the_demo_stops_its_portals_and_leaves_no_process(tmp_path):
    demo = start_demo(tmp_path)
    assert demo.stop() == 0
    assert not any(_answers(demo.portal(i) + "/") for i in range(3))
    deadline = time.monotonic() + 10
    while True:  # the whole process group is gone: no orphaned portal
        try:
            os.killpg(demo.process.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a process of the demo is still running"
        time.sleep(0.2)

"""The demo portals as processes: `python -m sample_portal`, one per portal, with the demo.

Each portal is a separate relying party configured by its `PORTAL_*` environment (see
`sample_portal/config.py`), logging to a file in the data folder. The portals stay in the
demo's process group, so Ctrl-C in a terminal reaches them all; `stop` ends any still
running when the demo stops, and on Linux each portal also asks the kernel to end it if
the demo process dies without stopping it (`PR_SET_PDEATHSIG`), so none is orphaned.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from idp.demo.portals import DemoPortal

STOP_TIMEOUT_SECONDS = 10
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def busy_ports(host: str, ports: tuple[int, ...]) -> list[int]:
    """The ports something already listens on at `host` (a portal could not start there)."""
    busy = []
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                busy.append(port)
    return busy


def portal_environment(portal: DemoPortal, issuer: str, host: str) -> dict[str, str]:
    """The sample portal's settings for this demo portal; nothing of the provider's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "PORTAL_"))}
    env.update(
        PORTAL_ISSUER=issuer,
        PORTAL_CLIENT_ID=portal.client_id,
        PORTAL_CLIENT_SECRET=portal.client_secret,
        PORTAL_NAME=portal.name,
        PORTAL_BASE_URL=portal.base_url,
        PORTAL_PORT=str(portal.port),
        PORTAL_HOST=host,
        PORTAL_API_SCOPE=portal.api_scope,
        PORTAL_SAMPLE_APPLICATIONS="false",  # the demo seeded each person's applications
        PORTAL_PROFILE=str(portal.profile_file),
    )
    return env


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None

    def ask_for_sigterm_when_the_demo_dies() -> None:  # runs in the child, before exec
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return ask_for_sigterm_when_the_demo_dies


@dataclass
class PortalProcesses:
    processes: list[subprocess.Popen[bytes]]
    logs: list[IO[bytes]]

    def stop(self) -> None:
        """Ask every portal to stop, wait for each, and kill any that does not."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


def start_portals(
    portals: list[DemoPortal], *, issuer: str, host: str, log_dir: Path
) -> PortalProcesses:
    log_dir.mkdir(parents=True, exist_ok=True)
    started = PortalProcesses([], [])
    try:
        for portal in portals:
            log = (log_dir / f"{portal.profile.slug}.log").open("ab")
            started.logs.append(log)
            started.processes.append(
                subprocess.Popen(  # our own interpreter and module, no shell
                    [sys.executable, "-m", "sample_portal"],
                    env=portal_environment(portal, issuer, host),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent(),  # no threads yet
                )
            )
    except OSError:
        started.stop()
        raise
    return started

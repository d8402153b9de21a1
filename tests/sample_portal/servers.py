"""A real Passerelle and a real sample portal on loopback, each in its own process.

The provider runs on its embedded defaults (SQLite file, in-process store) with the
outbox dispatcher on, so back-channel logout tokens and delegation events reach the
portal within about a second, as they would in production. The portal is registered
with the `idp clients create --json` command, as a portal team would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from tests.conftest import TEST_MASTER_KEY
from tests.e2e.servers import IdpProcess, idp_env, new_port

PORTAL_API_SCOPES = "openid profile email applications:write delegations:read"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def start_provider(folder: Path) -> IdpProcess:
    port = new_port()
    env = idp_env(
        issuer=f"http://localhost:{port}",
        data_dir=str(folder / "idp"),
        master_key=TEST_MASTER_KEY.to_b64url(),
        outbox_dispatcher="true",
        outbox_poll_seconds="0.2",
        log_level="warning",
    )
    return IdpProcess(env, port).start(folder)


def register_portal(provider: IdpProcess, name: str, base_url: str) -> dict[str, object]:
    """`idp clients create` with every option a portal using all of Passerelle needs."""
    return provider.cli(
        "clients",
        "create",
        "--name",
        name,
        "--redirect-uri",
        f"{base_url}/callback",
        "--post-logout-redirect-uri",
        f"{base_url}/signed-out",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "client_credentials",
        "--grant-type",
        TOKEN_EXCHANGE,
        "--scope",
        PORTAL_API_SCOPES,
        "--backchannel-logout-uri",
        f"{base_url}/backchannel-logout",
        "--events-uri",
        f"{base_url}/events",
    )


@dataclass
class PortalProcess:
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    _log_handle: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self, folder: Path) -> PortalProcess:
        self.log = folder / f"portal-{self.port}.log"
        self._log_handle = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sample_portal"],
            env=self.env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sample portal exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"sample portal did not answer: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._log_handle is not None:
            self._log_handle.close()


def portal_env(provider: IdpProcess, registration: dict[str, object], port: int, name: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "PORTAL_"))}
    env.update(
        PORTAL_ISSUER=provider.url,
        PORTAL_CLIENT_ID=str(registration["client_id"]),
        PORTAL_CLIENT_SECRET=str(registration["client_secret"]),
        PORTAL_NAME=name,
        PORTAL_BASE_URL=f"http://localhost:{port}",
        PORTAL_PORT=str(port),
    )
    return env

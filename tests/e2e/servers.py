"""Real `idp serve` processes on loopback, and a cookie jar that treats loopback as secure.

Browsers treat http://127.0.0.1 as a secure context and send `Secure` cookies there;
Python's cookie jar does not, so the test "browser" gets a policy that does the same.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from adapters import DevMailbox
from tests.mail import Inbox
from tests.password_hashing import TEST_PASSWORD_HASHING
from tests.servers import free_port


def browser_client(base_url: str) -> httpx.Client:
    """An httpx client whose cookies behave like a browser's on loopback.

    httpx copies its jar into a default-policy jar for each request, so a custom policy
    does not survive; the request hook sends the stored cookies itself instead.
    """
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)

    def send_cookies(request: httpx.Request) -> None:
        host = request.url.host
        domains = (host, f".{host}", f"{host}.local")
        pairs = [f"{c.name}={c.value}" for c in client.cookies.jar if c.domain in domains]
        if pairs:
            request.headers["Cookie"] = "; ".join(pairs)

    client.event_hooks["request"] = [send_cookies]
    return client


@dataclass
class IdpProcess:
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)
    inbox: Inbox | None = None  # the SMTP server it mails to; None: the dev mailbox
    _log_handle: object = None

    @property
    def url(self) -> str:
        # localhost, not 127.0.0.1: Chromium keeps Secure cookies on http://localhost only.
        return f"http://localhost:{self.port}"

    def start(self, log_dir: Path) -> IdpProcess:
        self.log = log_dir / f"idp-{self.port}.log"
        handle = self.log.open("wb")
        self._log_handle = handle
        self.process = subprocess.Popen(
            [sys.executable, "-m", "idp", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"idp serve exited: {self.log.read_text()[-3000:]}")
            try:
                if (
                    httpx.get(self.url + "/.well-known/openid-configuration", timeout=2).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"idp serve did not answer: {self.log.read_text()[-3000:]}")

    def mail_texts(self, to: str) -> list[str]:
        """Plain texts of the messages mailed to `to`, newest first."""
        if self.inbox is not None:
            found = [m.get_body(preferencelist=("plain",)) for m in self.inbox.to(to)]
            return [body.get_content() for body in reversed(found) if body is not None]
        mailbox = DevMailbox(Path(self.env["IDP_DATA_DIR"]) / "mailbox")
        return [message.text for message in mailbox.messages(to=to)]

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._log_handle is not None:
            self._log_handle.close()  # type: ignore[attr-defined]

    def cli(self, *args: str) -> dict[str, object]:
        result = subprocess.run(
            [sys.executable, "-m", "idp", *args, "--json"],
            env=self.env,
            capture_output=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr.decode() + result.stdout.decode()
        data: dict[str, object] = json.loads(result.stdout)
        return data


def idp_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(TEST_PASSWORD_HASHING)
    env.update({f"IDP_{k.upper()}": v for k, v in settings.items()})
    return env


def new_port() -> int:
    return free_port()


def read_http_response(sock: socket.socket) -> tuple[int, dict[str, str]]:
    """Read one HTTP/1.1 response (status, lower-cased headers) from a kept-alive socket;
    fails if the server closed the connection instead. One request at a time: bytes past
    this response are not kept."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return int(lines[0].split()[1]), headers

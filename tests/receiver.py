"""A tiny real HTTP server that records what portals would receive (logout tokens, SETs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers import free_port


@dataclass
class Received:
    bodies: list[tuple[str, str, bytes]] = field(default_factory=list)  # path, content type, body
    status: int = 200
    delay_seconds: float = 0.0  # a slow portal
    # A portal that trickles its answer a byte at a time, this long apart, from `trickle_from`
    # ("status": the status line on; "body": the body, after prompt headers).
    trickle_seconds: float = 0.0
    trickle_from: str = "status"
    # Every request as (monotonic arrival time, status answered, body).
    answered: list[tuple[float, int, bytes]] = field(default_factory=list)

    def accepted(self) -> list[bytes]:
        """Bodies the portal answered with a 2xx, in arrival order."""
        return [body for _, status, body in self.answered if 200 <= status < 300]


@contextmanager
def receiver() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's hook name
            arrived, status = time.monotonic(), received.status
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            received.bodies.append((self.path, self.headers.get("Content-Type", ""), body))
            received.answered.append((arrived, status, body))
            time.sleep(received.delay_seconds)
            if received.trickle_seconds:
                self._trickle(status)
                return
            self.send_response(status)
            self.end_headers()

        def _trickle(self, status: int) -> None:
            body = b"accepted, slowly"
            head = f"HTTP/1.1 {status} OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            if received.trickle_from == "body":
                self.wfile.write(head)
                head = b""
            try:
                for byte in head + body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(received.trickle_seconds)
            except OSError:
                pass  # the client gave up: what this portal is for

        def log_message(self, *args: object) -> None:
            """Quiet."""

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        server.shutdown()
        server.server_close()

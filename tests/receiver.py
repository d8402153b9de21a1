"""A tiny real HTTP server that records what portals would receive (logout tokens, SETs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers import free_port


@dataclass
class Received:
    bodies: list[tuple[str, str, bytes]] = field(default_factory=list)  # path, content type, body
    status: int = 200


@contextmanager
def receiver() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's hook name
            length = int(self.headers.get("Content-Length", "0"))
            received.bodies.append(
                (self.path, self.headers.get("Content-Type", ""), self.rfile.read(length))
            )
            self.send_response(received.status)
            self.end_headers()

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

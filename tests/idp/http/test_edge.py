"""Layers wrapped around the app run before FastAPI's own handling and its middlewares, so
a document answered there (discovery, JWKS) pays for none of them."""

from __future__ import annotations

from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from idp.http.edge import EdgeFastAPI


class Noting:
    """A layer that notes its name (and whether FastAPI has taken the request: Starlette
    puts itself in the scope as `app`), then answers `answers` itself or passes it on."""

    def __init__(self, app: ASGIApp, *, name: str, seen: list[str], answers: str = "") -> None:
        self.app, self.name, self.seen, self.answers = app, name, seen, answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(self.name + (" (in FastAPI)" if "app" in scope else ""))
            if scope["path"] == self.answers:
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await send({"type": "http.response.body", "body": b"from the edge"})
                return
        await self.app(scope, receive, send)


def _app(seen: list[str]) -> EdgeFastAPI:
    app = EdgeFastAPI()

    @app.get("/routed")
    async def routed() -> dict[str, str]:
        seen.append("route")
        return {}

    app.add_middleware(Noting, name="inside FastAPI", seen=seen)
    app.wrap(Noting, name="documents", seen=seen, answers="/document")
    app.wrap(Noting, name="request log", seen=seen)
    return app


def test_wrapped_layers_run_outside_fastapi_the_last_wrapped_first():
    seen: list[str] = []
    with TestClient(_app(seen)) as client:
        assert client.get("/routed").status_code == 200
    assert seen == ["request log", "documents", "inside FastAPI (in FastAPI)", "route"]


def test_a_request_answered_at_the_edge_never_enters_fastapi():
    seen: list[str] = []
    with TestClient(_app(seen)) as client:
        answer = client.get("/document")
    assert answer.text == "from the edge"
    assert seen == ["request log", "documents"]

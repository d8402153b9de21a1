"""HEAD (RFC 9110 section 9.3.2): the GET answer without its content, where GET is safe.

`HeadAsGet` runs a `HEAD` of a path in `HEAD_PATHS` as the `GET` it asks about and drops
the body on the way out, so status and headers (`Content-Length` included) are the GET's.
Only paths whose GET changes nothing are listed. The others keep the router's answer,
405 with an `Allow` header (section 15.5.6), because their GET acts: `/authorize` and
`/authorize/resume` keep pending requests and issue codes, `/logout` ends a session,
`/account/step-up` and `/account/security/totp` start a step-up or a TOTP enrolment (a
HEAD replacing the secret being shown), and a HEAD sent by a link checker must not do
any of that. Discovery, the JWKS (`documents.py`) and `/static` answer HEAD themselves.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_PATHS = frozenset(
    {
        "/",
        "/account",
        "/account/applications",
        "/account/dashboard",
        "/account/portals",
        "/account/sessions",
        "/api/docs",
        "/healthz",
        "/help",
        "/login",
        "/readyz",
        "/recover",
        "/register",
        "/userinfo",
    }
)


class HeadAsGet:
    def __init__(self, app: ASGIApp, *, paths: frozenset[str] = HEAD_PATHS) -> None:
        self.app = app
        self._paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"] not in self._paths:
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)

"""Strict security headers on every response (OWASP secure headers project).

The CSP allows only our own origin (no inline script or style), framing is refused
(clickjacking of the consent page), and HSTS is sent when the issuer is https. A page
that must frame others (front-channel logout) sets its own policy, built here by
`content_security_policy` from the same base plus `frame-src`; the middleware then keeps it.
So does a page whose form may end in a redirect to a native app's private-use URI scheme
(RFC 8252 §7.1): browsers check `form-action` on every redirect after a form submission,
so that page's policy adds exactly that scheme (`form_action_schemes`), and no other page's.
Every answer of the portal API (`/api/`), errors included, is `Cache-Control: no-store`
(with HTTP/1.0's `Pragma: no-cache`, as the token and userinfo answers): it names
applicants and their applications, which no shared or browser cache may keep.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_ACTION = "form-action 'self' http: https:"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"{FORM_ACTION}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# A scheme-source (CSP3 §2.3.1) as `idp.clients.native_apps` allows them: never a keyword,
# a space or a semicolon that would change the policy.
SCHEME_SOURCE = re.compile(r"[a-z][a-z0-9-]*(\.[a-z0-9-]+)+:")

CSP_HEADER = b"content-security-policy"


def content_security_policy(
    *, frame_sources: Sequence[str] = (), form_action_schemes: Sequence[str] = ()
) -> str:
    """The service's policy, allowing frames from exactly `frame_sources` and forms to end
    on exactly `form_action_schemes` (private-use schemes, `com.example.app:`) as well."""
    policy = CONTENT_SECURITY_POLICY
    for scheme in form_action_schemes:
        if not SCHEME_SOURCE.fullmatch(scheme):
            raise ValueError(f"not a private-use scheme source: {scheme!r}")
    if form_action_schemes:
        sources = " ".join(dict.fromkeys(form_action_schemes))
        policy = policy.replace(FORM_ACTION, f"{FORM_ACTION} {sources}")
    if frame_sources:
        policy = f"{policy}; frame-src {' '.join(frame_sources)}"
    return policy


def security_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (CSP_HEADER, CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own_policy = any(name.lower() == CSP_HEADER for name, _ in headers)
                extra = [h for h in self.headers if not (own_policy and h[0] == CSP_HEADER)]
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


NO_STORE_HEADERS = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]


class ApiNoStore:
    """`Cache-Control: no-store` on every answer under `prefix`, replacing any other."""

    def __init__(self, app: ASGIApp, *, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                replaced = {name for name, _ in NO_STORE_HEADERS}
                headers = [h for h in message.get("headers", []) if h[0].lower() not in replaced]
                message["headers"] = headers + NO_STORE_HEADERS
            await send(message)

        await self.app(scope, receive, send_no_store)

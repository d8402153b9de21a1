"""CSRF protection for every HTML form: the double-submit token pattern.

A random token lives in an HttpOnly, Secure, SameSite=Lax cookie and is echoed in each
form as a hidden field; a POST whose field does not match the cookie is refused
(OWASP CSRF cheat sheet, "Signed double-submit cookie" without the need for a server
secret because the cookie cannot be read or written cross-site). SameSite=Lax is the
second wall. The OAuth endpoints authenticate clients, not cookies, and are exempt.

A third wall does not trust the cookie alone: a cookie can be planted by a sibling host of
the same site (`Domain=` on a parent domain), and SameSite does not stop a same-site
sender. So a form, an upload or a passkey call is also refused when the browser says it
came from another origin (OWASP CSRF cheat sheet, "Verifying origin with standard
headers"): `Sec-Fetch-Site` other than `same-origin` or `none` (typed or bookmarked), or an
`Origin` that is neither this request's host nor the issuer's. Our pages send
`Referrer-Policy: no-referrer`, so browsers send `Origin: null` on their own forms; `null`
and a missing header leave the decision to the token.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idp.errors import CsrfRejected
from idp.http.cookies import cookie_names, stale_cookie_deletions
from idp.http.params import Params, read_form

CSRF_FIELD = "csrf_token"


# Endpoints machines call (client-authenticated, bearer or JSON): no page, no form, so no
# CSRF token is minted for them (a random token costs a system call on the event loop).
MACHINE_PATHS = frozenset({"/token", "/introspect", "/revoke", "/par", "/userinfo"})
MACHINE_PREFIXES = ("/api/applications", "/api/decisions", "/api/openapi.json")


def _is_machine_path(path: str) -> bool:
    return path in MACHINE_PATHS or path.startswith(MACHINE_PREFIXES)


class CsrfCookieMiddleware:
    """Makes sure every browser has a CSRF token and exposes it as `request.state.csrf_token`
    (empty on the machine endpoints, `MACHINE_PATHS`, which serve no form). A browser
    handed a new token is also told to drop the plain-named cookies of an earlier version
    (`idp.http.cookies`)."""

    def __init__(self, app: ASGIApp, *, secure: bool = True) -> None:
        self.app = app
        self.secure = secure
        self.names = cookie_names(secure=secure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _is_machine_path(scope.get("path", "")):
            scope.setdefault("state", {})["csrf_token"] = ""
            await self.app(scope, receive, send)
            return
        token = read_cookie(scope, self.names.csrf)
        issued = False
        if not token or len(token) != 43:
            token = secrets.token_urlsafe(32)
            issued = True
        scope.setdefault("state", {})["csrf_token"] = token

        async def send_with_cookie(message: Message) -> None:
            # Only a page carries a form: JSON answers (tokens, APIs) get no cookie.
            if issued and message["type"] == "http.response.start" and _is_html(message):
                attributes = "Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", f"{self.names.csrf}={token}; {attributes}".encode()))
                for deletion in stale_cookie_deletions(sent_cookies(scope), self.names):
                    headers.append((b"set-cookie", deletion.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _is_html(message: Message) -> bool:
    return any(
        key == b"content-type" and value.startswith(b"text/html")
        for key, value in message.get("headers", [])
    )


def read_cookie(scope: Scope, name: str) -> str | None:
    return sent_cookies(scope).get(name)


def sent_cookies(scope: Scope) -> dict[str, str]:
    """The cookies of the request, by name (the first header naming one wins)."""
    cookies: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:  # a malformed cookie header counts as no cookie
                continue
            for name, morsel in jar.items():
                cookies.setdefault(name, morsel.value)
    return cookies


SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})


def _origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].lower()}"


def refuse_cross_origin(request: Request) -> None:
    """Raise `CsrfRejected` when the browser says the request came from another origin."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in SAME_ORIGIN_FETCHES:
        raise CsrfRejected(f"the form was sent from another site (Sec-Fetch-Site: {fetch_site})")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    own = {_origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")}
    settings = getattr(request.app.state, "settings", None)
    if settings is not None:
        own.add(_origin_of(settings.issuer))
    if _origin_of(origin) not in own:
        raise CsrfRejected("the form was sent from another origin")


def is_valid_csrf(expected: str | None, submitted: str | None) -> bool:
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


async def checked_form(request: Request) -> Params:
    """The form body of a page's POST, once it came from this origin and its CSRF token
    matched this browser's cookie. A form that cannot be read (too long a field, not UTF-8)
    raises `InvalidParameters`, which names the field and the limit on the error page."""
    refuse_cross_origin(request)
    form = await read_form(request)
    if not is_valid_csrf(getattr(request.state, "csrf_token", None), form.get(CSRF_FIELD)):
        raise CsrfRejected()
    return form.without(CSRF_FIELD)


CsrfForm = Annotated[Params, Depends(checked_form)]
# For a POST whose form carries nothing but the token: `dependencies=CSRF_CHECKED`.
CSRF_CHECKED = [Depends(checked_form)]

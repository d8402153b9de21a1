"""The names of the cookies Passerelle sets for its own host, in one place.

With `Secure` cookies (`IDP_COOKIE_SECURE`, on by default) every name carries the
`__Host-` prefix (RFC 6265bis §4.1.3.2): the browser then keeps the cookie only if this
very host set it over a secure channel with `Secure`, `Path=/` and no `Domain`, so a
sibling subdomain cannot plant or overwrite it (cookie tossing; OWASP session management
cheat sheet, "Cookies"). Browsers refuse a `__Host-` cookie without `Secure`, so plain-http
development (`IDP_COOKIE_SECURE=false`) keeps the plain names. Every cookie is set with
`Path=/` and without `Domain`, as the prefix demands.

A browser that still holds the plain cookies of an earlier version is told to drop them
when it is handed its first prefixed one (the CSRF cookie, on its first page): their
values mean nothing any more, the person signs in again.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

HOST_PREFIX = "__Host-"


@dataclass(frozen=True, slots=True)
class CookieNames:
    """The name of each cookie of ours."""

    session: str  # the browser's sign-in session
    pending: str  # a sign-in waiting for its second factor
    csrf: str  # the double-submit CSRF token
    locale: str  # the language the person chose
    device: str  # a browser that signed in before (`idp.authn.device_cookies`)

    def all(self) -> tuple[str, ...]:
        return tuple(astuple(self))


PLAIN_NAMES = CookieNames(
    session="idp_session",
    pending="idp_signin",
    csrf="idp_csrf",
    locale="idp_lang",
    device="idp_device",
)
HOST_NAMES = CookieNames(*(HOST_PREFIX + name for name in PLAIN_NAMES.all()))


def cookie_names(*, secure: bool) -> CookieNames:
    """The names for `Secure` cookies (prefixed) or for plain-http development (plain)."""
    return HOST_NAMES if secure else PLAIN_NAMES


def stale_cookie_deletions(sent: dict[str, str], names: CookieNames) -> list[str]:
    """`Set-Cookie` values deleting the plain-named cookies of an earlier version that this
    browser `sent`, once its cookies are prefixed (none when the names are the plain ones)."""
    if names == PLAIN_NAMES:
        return []
    return [
        f'{name}=""; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure'
        for name in PLAIN_NAMES.all()
        if name in sent
    ]

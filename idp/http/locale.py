"""Language of each request (English or French) and the message catalogues.

Priority: an explicit `lang` query parameter (the language switch on every page), OIDC
`ui_locales` (first supported tag; `fr-CA` counts as `fr`), the `idp_lang` cookie, the
browser's Accept-Language (q-values honoured), then the configured default. The first
three are the person's (or their portal's) choice, `request.state.locale_chosen`; the
last two are guesses, which a page may replace by a better one (an invitation's language,
an account's at sign-in). Catalogues are compiled from the `.po` files in memory at
start: no `.mo` file to forget.

The middleware never reads the database: a person signing in without a choice gets their
account's language in the `idp_lang` cookie once, at sign-in (`idp.authn.web`).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qsl

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idp.http.cookies import cookie_names

SUPPORTED_LOCALES = ("en", "fr")
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600


def _base(tag: str) -> str | None:
    base = tag.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED_LOCALES else None


def _quality(params: list[str]) -> float:
    """RFC 9110 §12.4.2 weight: 0 to 1, default 1; an unreadable weight excludes the tag."""
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0  # NaN fails both comparisons
    return 1.0


def _from_accept_language(header: str) -> str | None:
    ranked: list[tuple[float, int, str]] = []
    # A bounded number of entries: the header is attacker-controlled and parsed per request.
    for index, part in enumerate(header.split(",")[:20]):
        tag, *params = part.split(";")
        base = _base(tag)
        quality = _quality(params)
        if base and quality > 0:
            ranked.append((-quality, index, base))
    return min(ranked)[2] if ranked else None


def negotiate_locale(
    *,
    lang_param: str | None,
    ui_locales: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str,
) -> str:
    """The first supported language among the sources, by priority; never raises."""
    return chosen_locale(lang_param=lang_param, ui_locales=ui_locales, cookie=cookie) or (
        _from_accept_language(accept_language or "") or default
    )


def chosen_locale(
    *, lang_param: str | None, ui_locales: str | None, cookie: str | None
) -> str | None:
    """The language the person (`lang`, the cookie) or their portal (`ui_locales`) chose;
    None when nobody chose and only the browser's header or the default would decide."""
    if lang_param and _base(lang_param) and len(lang_param) <= 16:
        return _base(lang_param)
    if ui_locales:
        for tag in ui_locales.split()[:10]:
            base = _base(tag)
            if base:
                return base
    if cookie and cookie in SUPPORTED_LOCALES:
        return cookie
    return None


def locale_cookie(locale: str, *, secure: bool) -> str:
    """The `Set-Cookie` value remembering `locale` for a year (the language switch's)."""
    name = cookie_names(secure=secure).locale
    return f"{name}={locale}; Path=/; Max-Age={LOCALE_COOKIE_MAX_AGE}; SameSite=Lax; Secure"


def _query_values(scope: Scope) -> dict[str, str]:
    raw = scope.get("query_string", b"")
    try:
        pairs = parse_qsl(
            raw.decode("latin-1"), keep_blank_values=False, errors="replace", max_num_fields=200
        )
    except ValueError:
        return {}
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return values


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    header = _header(scope, b"cookie") or ""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class LocaleMiddleware:
    """Sets `request.state.locale` and `request.state.locale_chosen`; remembers an
    explicit `?lang=` in a cookie."""

    def __init__(self, app: ASGIApp, *, default_locale: str = "en", secure: bool = True) -> None:
        self.app = app
        self.default_locale = default_locale
        self.secure = secure
        self.cookie_name = cookie_names(secure=secure).locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = _query_values(scope)
        chosen = chosen_locale(
            lang_param=query.get("lang"),
            ui_locales=query.get("ui_locales"),
            cookie=_cookie(scope, self.cookie_name),
        )
        locale = chosen or negotiate_locale(
            lang_param=None,
            ui_locales=None,
            cookie=None,
            accept_language=_header(scope, b"accept-language"),
            default=self.default_locale,
        )
        state = scope.setdefault("state", {})
        state["locale"] = locale
        state["locale_chosen"] = chosen is not None
        remember = query.get("lang") is not None and _base(query.get("lang") or "") is not None

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = locale_cookie(locale, secure=self.secure).encode()
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def load_translations(locale_dir: Path) -> dict[str, Translations]:
    """Compile each catalogue in memory; English falls back to the msgids themselves."""
    catalogues: dict[str, Translations] = {}
    for locale in SUPPORTED_LOCALES:
        po = locale_dir / locale / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            catalogues[locale] = Translations()
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        catalogues[locale] = Translations(fp=buffer)
    return catalogues


def prefer_ui_locales(state: object, query_lang: str | None, ui_locales: str | None) -> None:
    """Honour the `ui_locales` of a pending authorization request on later pages of it.

    The sign-in and consent pages are reached by redirects that no longer carry the
    portal's `ui_locales`; an explicit `lang` choice by the person still wins.
    """
    if query_lang or not ui_locales:
        return
    for tag in ui_locales.split()[:10]:
        base = _base(tag)
        if base:
            state.locale = base  # type: ignore[attr-defined]
            return

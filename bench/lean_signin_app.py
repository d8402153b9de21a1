"""The lean sign-in shape served by uvicorn (`lean_signin_app:create_app`, `--factory`):
the six handlers side by side, no framework, no ORM, no `idp` import. What each request
does is listed in `lean_signin.py`'s docstring."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flows import REDIRECT_URI
from harness import ROOT
from lean_signin_db import HASH, Db, digest
from lean_signin_http import Request, answer, body_of, html, redirect

CLIENT_ID, SECRET = "lean-portal", "lean-portal-secret-0123456789abcdef"  # bench only
ISSUER = "http://127.0.0.1"


def create_app() -> Any:  # noqa: C901, PLR0915  # the six handlers side by side, on purpose
    """The ASGI app uvicorn serves (`--factory`); LEAN_DB names the SQLite file."""
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError
    from babel.support import Translations
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from joserfc import jwt
    from joserfc.jwk import ECKey, RSAKey

    db = Db(os.environ["LEAN_DB"])
    pool = ThreadPoolExecutor(max_workers=8)
    hasher = PasswordHasher(**HASH)
    es256 = ECKey.generate_key("P-256", parameters={"kid": "es"})
    rs256 = RSAKey.generate_key(2048, parameters={"kid": "rs"})
    env = Environment(
        loader=FileSystemLoader(ROOT / "idp" / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    catalogue = Translations.load(str(ROOT / "idp" / "locale"), ["en"], "messages")
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    login_page, consent_page = (
        env.get_template("authn/login.html"),
        env.get_template("oauth/consent.html"),
    )
    interactions: dict[str, dict[str, str]] = {}
    codes: dict[str, dict[str, Any]] = {}

    def page_values(path: str, csrf: str) -> dict[str, Any]:
        return {
            "locale": "en",
            "other_locale": "fr",
            "switch_url": f"{path}?lang=fr",
            "csrf_token": csrf,
            "request": None,
        }

    def authorize(query: dict[str, str]) -> tuple[int, str]:
        if query.get("client_id") != CLIENT_ID or query.get("redirect_uri") != REDIRECT_URI:
            return 400, ""
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            return 400, ""
        interaction = secrets.token_urlsafe(24)
        interactions[interaction] = query
        return 303, f"/login?interaction={interaction}"

    def check_password(email: str, password: str) -> str | None:
        conn = db.connection()
        row = conn.execute(
            "SELECT id, password_hash FROM accounts WHERE email = ? AND status = 'active'",
            (email,),
        ).fetchone()
        if row is None:
            return None
        try:
            hasher.verify(row[1], password)
        except VerificationError:
            return None
        cookie, now = secrets.token_urlsafe(32), time.time()
        conn.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, '[]')",
            (secrets.token_urlsafe(16), row[0], digest(cookie), now, now + 43200),
        )
        return cookie

    def signed_in(cookie: str) -> tuple[str, str, float] | None:
        return (
            db.connection()
            .execute(  # type: ignore[no-any-return]
                "SELECT s.sid, a.id, s.auth_time FROM sessions s JOIN accounts a ON a.id = "
                "s.account_id WHERE s.cookie_digest = ? AND s.expires_at > ? AND a.status = "
                "'active'",
                (digest(cookie), time.time()),
            )
            .fetchone()
        )

    def consent(cookie: str, scope: str) -> tuple[str, str, float] | None:
        conn = db.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            found = signed_in(cookie)
            if found is not None:
                sid, account_id, _ = found
                conn.execute(
                    "INSERT INTO consents VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                    "scope = excluded.scope, granted_at = excluded.granted_at",
                    (account_id, CLIENT_ID, scope, time.time()),
                )
                clients = json.loads(
                    conn.execute(
                        "SELECT client_ids FROM sessions WHERE sid = ?", (sid,)
                    ).fetchone()[0]
                )
                if CLIENT_ID not in clients:
                    conn.execute(
                        "UPDATE sessions SET client_ids = ? WHERE sid = ?",
                        (json.dumps([*clients, CLIENT_ID]), sid),
                    )
            conn.execute("COMMIT")
            return found
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def issue(issued: dict[str, Any]) -> bytes:
        conn = db.connection()
        now = time.time()
        grant_id, refresh = secrets.token_hex(16), secrets.token_urlsafe(32)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO grants VALUES (?, ?, ?, ?, ?, ?)",
            (grant_id, CLIENT_ID, issued["account_id"], issued["scope"], issued["sid"], now),
        )
        conn.execute(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?)",
            (digest(refresh), grant_id, CLIENT_ID, issued["scope"], now, now + 2592000),
        )
        subject, email, name = conn.execute(
            "SELECT subject, email, name FROM accounts WHERE id = ?", (issued["account_id"],)
        ).fetchone()
        conn.execute("COMMIT")
        base = {"iss": ISSUER, "sub": subject, "iat": int(now), "exp": int(now) + 300}
        access = jwt.encode(
            {"alg": "ES256", "kid": "es", "typ": "at+jwt"},
            {
                **base,
                "aud": CLIENT_ID,
                "client_id": CLIENT_ID,
                "scope": issued["scope"],
                "jti": secrets.token_urlsafe(16),
            },
            es256,
        )
        id_token = jwt.encode(
            {"alg": "RS256", "kid": "rs"},
            {
                **base,
                "aud": CLIENT_ID,
                "nonce": issued["nonce"],
                "auth_time": int(issued["auth_time"]),
                "email": email,
                "email_verified": True,
                "name": name,
            },
            rs256,
        )
        return json.dumps(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
                "refresh_token": refresh,
                "scope": issued["scope"],
            }
        ).encode()

    async def authorize_page(request: Request) -> None:
        status, location = authorize(request.query)
        await answer(request.send, status, b"", redirect(location) if location else [])

    async def login_page_route(request: Request) -> None:
        interaction = request.query.get("interaction", "")
        if interaction not in interactions:
            return await answer(request.send, 400)
        csrf = request.cookies.get("csrf") or secrets.token_urlsafe(32)
        values = {
            **page_values("/login", csrf),
            "interaction": interaction,
            "email": "",
            "error_code": None,
            "retry_after_seconds": 0,
            "client_names": {"en": "Lean portal", "fr": "Portail léger"},
            "notice": None,
        }
        cookie = f"csrf={csrf}; Path=/; HttpOnly; SameSite=Lax".encode()
        body = login_page.render(values).encode()
        return await answer(request.send, 200, body, [*html(), (b"set-cookie", cookie)])

    async def login_submit(request: Request) -> None:
        interaction = request.form.get("interaction", "")
        if interaction not in interactions:
            return await answer(request.send, 400)
        email, password = request.form.get("email", ""), request.form.get("password", "")
        session = await request.in_pool(check_password, email, password)
        if session is None:
            return await answer(request.send, 400)
        cookie = f"session={session}; Path=/; HttpOnly; SameSite=Lax".encode()
        location = f"/authorize/resume?interaction={interaction}"
        return await answer(request.send, 303, b"", [*redirect(location), (b"set-cookie", cookie)])

    async def consent_page_route(request: Request) -> None:
        interaction = request.query.get("interaction", "")
        found = await request.in_pool(signed_in, request.cookies.get("session", ""))
        if found is None or interaction not in interactions:
            return await answer(request.send, 400)
        values = {
            **page_values("/authorize/resume", request.cookies.get("csrf", "")),
            "client_names": {"en": "Lean portal", "fr": "Portail léger"},
            "interaction": interaction,
            "scopes": interactions[interaction]["scope"].split(),
        }
        return await answer(request.send, 200, consent_page.render(values).encode(), html())

    async def consent_submit(request: Request) -> None:
        asked = interactions.pop(request.form.get("interaction", ""), None)
        if asked is None or request.form.get("decision") != "allow":
            return await answer(request.send, 400)
        found = await request.in_pool(consent, request.cookies.get("session", ""), asked["scope"])
        if found is None:
            return await answer(request.send, 400)
        code = secrets.token_urlsafe(32)
        codes[digest(code)] = {
            "sid": found[0],
            "account_id": found[1],
            "auth_time": found[2],
            **asked,
        }
        answered = {"code": code, "state": asked["state"], "iss": ISSUER}
        return await answer(
            request.send, 302, b"", redirect(f"{REDIRECT_URI}?{urlencode(answered)}")
        )

    async def token(request: Request) -> None:
        basic = request.header(b"authorization").removeprefix("Basic ")
        client, _, secret = base64.b64decode(basic).decode().partition(":")
        if client != CLIENT_ID or not hmac.compare_digest(digest(secret), digest(SECRET)):
            return await answer(request.send, 401)
        issued = codes.pop(digest(request.form.get("code", "")), None)
        verifier = request.form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if issued is None or challenge.decode() != issued["code_challenge"]:
            return await answer(request.send, 400)
        tokens = await request.in_pool(issue, issued)
        return await answer(request.send, 200, tokens, [(b"content-type", b"application/json")])

    routes = {
        ("GET", "/authorize"): authorize_page,
        ("GET", "/login"): login_page_route,
        ("POST", "/login"): login_submit,
        ("GET", "/authorize/resume"): consent_page_route,
        ("POST", "/authorize/consent"): consent_submit,
        ("POST", "/token"): token,
    }
    csrf_checked = {("POST", "/login"), ("POST", "/authorize/consent")}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        key = (scope["method"], scope["path"])
        route = routes.get(key)
        if route is None:
            await answer(send, 404)
            return
        form = dict(parse_qsl((await body_of(receive)).decode())) if key[0] == "POST" else {}
        request = Request(scope, send, form, pool)
        if key in csrf_checked and not hmac.compare_digest(
            form.get("csrf_token", ""), request.cookies.get("csrf", "-")
        ):
            await answer(send, 403)
            return
        await route(request)

    return app

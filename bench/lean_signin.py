"""What a lean sign-in could reach on this machine: the six requests as a target shape.

`signin.py` measures Passerelle's full authorization-code sign-ins beside argon2id
verifications (issue 8's goal: a ratio of 0.85 or more). This script serves the same six
requests from a pure ASGI app on uvicorn (httptools, uvloop, one process on CPU 0) with
no framework, no ORM and no `idp` import, and drives it with the same client as
`signin.py` (`flows.sign_in_for_code`, `flows.redeem_code`: a fresh browser each time,
4 threads on CPU 1), so the ratio it prints is the ceiling of this shape in Python.

What each request still does, as Passerelle does it:
- `GET /authorize`: client and exact redirect URI, PKCE S256 required, the request kept
  in memory under a random interaction id, 303 to the sign-in page;
- `GET /login`: the interaction read, a CSRF cookie minted, Passerelle's own
  `authn/login.html` rendered (Jinja2, newstyle gettext, the English catalogue);
- `POST /login`: CSRF (double submit), the account read and its argon2id hash verified at
  the OWASP floor (19,456 KiB, t=2, p=1), a session row inserted (SHA-256 digest of the
  cookie), all in one thread-pool hop, 303 to the resume URL;
- `GET /authorize/resume`: the session and its account read (one joined SELECT in the
  pool), Passerelle's `oauth/consent.html` rendered;
- `POST /authorize/consent`: CSRF, the session read, the consent upserted and the portal
  added to the session (one hop, one transaction), a code kept in memory, 302;
- `POST /token`: HTTP Basic against a SHA-256 digest, the code taken once, PKCE, a grant
  and a refresh-token row inserted and the account read (one hop), an ES256 access token
  and an RS256 ID token signed with joserfc.
Every response carries Passerelle's security headers. SQLite in WAL mode
(synchronous=NORMAL), one connection per pool thread; no database call on the loop.

Run: `python bench/lean_signin.py [SIGN_INS] [CONCURRENCY] [ROUNDS]` (default 200 4 3);
PIN=0 to leave the scheduler free.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flows import PASSWORD, REDIRECT_URI, Portal
from harness import ROOT, Http, free_port, pinning
from signin import print_ratio, sign_in_rounds

CLIENT_ID, SECRET = "lean-portal", "lean-portal-secret-0123456789abcdef"  # bench only
ISSUER = "http://127.0.0.1"
HASH = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}  # the settings' defaults
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]
SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, subject TEXT, email TEXT UNIQUE,
  name TEXT, password_hash TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, account_id TEXT,
  cookie_digest TEXT UNIQUE, auth_time REAL, expires_at REAL, client_ids TEXT);
CREATE TABLE IF NOT EXISTS consents (account_id TEXT, client_id TEXT, scope TEXT,
  granted_at REAL, PRIMARY KEY (account_id, client_id));
CREATE TABLE IF NOT EXISTS grants (id TEXT PRIMARY KEY, client_id TEXT, account_id TEXT,
  scope TEXT, sid TEXT, created_at REAL);
CREATE TABLE IF NOT EXISTS refresh_tokens (digest TEXT PRIMARY KEY, grant_id TEXT,
  client_id TEXT, scope TEXT, created_at REAL, expires_at REAL);
"""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Db:
    """One SQLite connection per pool thread, each call one transaction."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self.local.conn = conn
        return conn


class Request:
    """What a handler of the shape reads: query, cookies, form, headers; `in_pool` runs
    blocking work (SQLite, argon2id) in the thread pool, one hop per request."""

    def __init__(self, scope: dict[str, Any], send: Any, form: dict[str, str], pool: Any) -> None:
        self.scope, self.send, self.form, self.pool = scope, send, form, pool
        self.query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        self.cookies: dict[str, str] = {}
        cookie = self.header(b"cookie")
        for part in cookie.split(";") if cookie else ():
            name, _, value = part.strip().partition("=")
            self.cookies[name] = value

    def header(self, name: bytes) -> str:
        return next((v.decode("latin-1") for k, v in self.scope["headers"] if k == name), "")

    async def in_pool(self, work: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, work, *args)


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

    async def body_of(receive: Any) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def answer(send: Any, status: int, body: bytes = b"", headers: Any = ()) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    *HEADERS,
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def redirect(location: str) -> list[Any]:
        return [(b"location", location.encode())]

    def html() -> list[Any]:
        return [(b"content-type", b"text/html; charset=utf-8"), (b"content-language", b"en")]

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
            (secrets.token_urlsafe(16), row[0], _digest(cookie), now, now + 43200),
        )
        return cookie

    def signed_in(cookie: str) -> tuple[str, str, float] | None:
        return (
            db.connection()
            .execute(  # type: ignore[no-any-return]
                "SELECT s.sid, a.id, s.auth_time FROM sessions s JOIN accounts a ON a.id = "
                "s.account_id WHERE s.cookie_digest = ? AND s.expires_at > ? AND a.status = "
                "'active'",
                (_digest(cookie), time.time()),
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
            (_digest(refresh), grant_id, CLIENT_ID, issued["scope"], now, now + 2592000),
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
            "client_name": "Lean portal",
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
            "client_name": "Lean portal",
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
        codes[_digest(code)] = {
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
        if client != CLIENT_ID or not hmac.compare_digest(_digest(secret), _digest(SECRET)):
            return await answer(request.send, 401)
        issued = codes.pop(_digest(request.form.get("code", "")), None)
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


def seed(path: str, emails: list[str]) -> None:
    from argon2 import PasswordHasher

    hashed = PasswordHasher(**HASH).hash(PASSWORD)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executemany(
        "INSERT INTO accounts VALUES (?, ?, ?, 'Lean Person', ?, 'active')",
        [(secrets.token_hex(16), secrets.token_hex(16), e, hashed) for e in emails],
    )
    conn.commit()
    conn.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    server_cpus, client_cpus = pinning()
    port = free_port()
    emails = [f"lean-{i}@bench.example" for i in range(concurrency)]
    portal = Portal(CLIENT_ID, SECRET)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "lean.sqlite3")
        seed(path, emails)
        env = {**os.environ, "LEAN_DB": path, "PYTHONPATH": str(Path(__file__).parent)}
        cpus = server_cpus
        server = subprocess.Popen(  # noqa: S603  # our own shape, fixed arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "lean_signin:create_app",
                "--factory",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    Http(base).get("/nothing")
                    break
                except OSError:
                    time.sleep(0.1)
            hashes, sign_ins = sign_in_rounds(
                base, portal, emails, HASH, count, rounds, (server_cpus, client_cpus)
            )
        finally:
            server.terminate()
            server.wait(timeout=15)
    pinned = f"server on CPUs {sorted(server_cpus)}" if server_cpus else "unpinned"
    print(
        f"lean sign-in shape (pure ASGI, sqlite3, Jinja2, joserfc): {pinned}, {concurrency} "
        f"threads, {rounds} rounds"
    )
    goal = "issue 8's goal for Passerelle >= 0.85"
    print_ratio(HASH, hashes, sign_ins, "lean sign-ins", goal)


if __name__ == "__main__":
    main()

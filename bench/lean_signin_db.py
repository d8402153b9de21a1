"""The lean sign-in shape's database: SQLite in WAL mode (synchronous=NORMAL), its schema,
one connection per pool thread, and the seeded accounts (argon2id at OWASP's floor, the
cheapest hash the settings accept: the shape's ceiling at its hardest)."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading

from flows import PASSWORD

HASH = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}  # OWASP's floor
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


def digest(value: str) -> str:
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

"""Signing keys: creation, rotation, the public JWKS, and the per-process `Keyring` cache.

Rotation (next → current → retired) never leaves a verifier without the key it needs: the
next key is in the JWKS for at least the JWKS cache time before it signs (rotations are
serialized and refuse a younger next key), and a retired key stays there until every
token it signed has expired (`verify_until`). The database holds one current and one next
key per algorithm (`keys.models`), even when two processes create them at once.
`Keyring` is the hot-path object: it keeps decrypted keys by `kid` and re-reads which key
is current at most every `refresh_seconds`; an unknown `kid` at verification triggers an
immediate re-read, so a rotation done by another replica is honoured at once.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from keys.envelope import MasterKey, open_sealed, seal
from keys.errors import InvalidToken, KeyNotFound, RotationTooEarly
from keys.models import LIVE_STATES, signing_keys

Key = ECKey | RSAKey | OKPKey
SUPPORTED_ALGS = ("ES256", "RS256", "EdDSA")
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi"})
MAX_VERIFIED_TOKENS = 10_000


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    alg: str
    key: Key = field(repr=False)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, alg={self.alg!r})"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _generate(alg: str, kid: str) -> Key:
    parameters: Any = {"kid": kid, "alg": alg, "use": "sig"}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters)
    if alg == "RS256":
        return RSAKey.generate_key(2048, parameters=parameters)
    if alg == "EdDSA":
        return OKPKey.generate_key("Ed25519", parameters=parameters)
    raise KeyNotFound(f"unsupported signing algorithm {alg!r}; use one of {SUPPORTED_ALGS}")


def _import_private(alg: str, data: bytes) -> Key:
    document = json.loads(data)
    if alg == "ES256":
        return ECKey.import_key(document)
    if alg == "RS256":
        return RSAKey.import_key(document)
    return OKPKey.import_key(document)


def public_jwk(key: Key) -> dict[str, Any]:
    return {k: v for k, v in key.as_dict(private=False).items() if k not in PRIVATE_MEMBERS}


# Where two writers may insert the same live key (two first starts at once), the second
# insert does nothing: the unique partial index `uq_keys_signing_keys_alg_live_state`
# arbitrates, and the caller reads the winner's key.
_LIVE_KEY_CONFLICT: dict[str, Any] = {
    "index_elements": ["alg", "state"],
    "index_where": text("state IN ('current', 'next')"),
}
# pg_advisory_xact_lock key serializing rotations (the ASCII of "keysrot8").
ROTATION_LOCK_KEY = 0x6B657973726F7438


def _insert_key(session: Session, values: dict[str, Any]) -> bool:
    """Insert a key row; False when the unique live-key index refused it (lost a race)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql_insert(signing_keys).on_conflict_do_nothing(
            **_LIVE_KEY_CONFLICT
        )
    elif dialect == "sqlite":
        statement = sqlite_insert(signing_keys).on_conflict_do_nothing(**_LIVE_KEY_CONFLICT)
    else:
        statement = insert(signing_keys)
    result = session.execute(statement.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an INSERT


def _create_key(
    session: Session, master: MasterKey, alg: str, state: str, now: datetime
) -> str | None:
    """Create a key in `state`; None when another writer created that live key first."""
    kid = secrets.token_urlsafe(12)
    key = _generate(alg, kid)
    document = public_jwk(key)
    document.update({"kid": kid, "alg": alg, "use": "sig"})
    private = json.dumps(key.as_dict(private=True)).encode()
    created = _insert_key(
        session,
        {
            "kid": kid,
            "alg": alg,
            "use": "sig",
            "state": state,
            "public_jwk": json.dumps(document),
            "private_key_sealed": seal(master, private, kid.encode()),
            "created_at": now,
            "activated_at": now if state == "current" else None,
        },
    )
    return kid if created else None


def ensure_signing_keys(
    session: Session, master: MasterKey, algs: Iterable[str], now: datetime
) -> None:
    """Create a current and a next key for each algorithm that has none (idempotent).

    Safe when several processes start at once: the database keeps one current and one
    next key per algorithm, and a process that loses the race keeps the winner's keys.
    """
    for alg in algs:
        states = set(
            session.scalars(
                select(signing_keys.c.state).where(
                    signing_keys.c.alg == alg, signing_keys.c.state.in_(LIVE_STATES)
                )
            )
        )
        if "current" not in states:
            _create_key(session, master, alg, "current", now)
        if "next" not in states:
            _create_key(session, master, alg, "next", now)


def _lock_rotation(session: Session) -> None:
    """One rotation at a time (PostgreSQL advisory lock until the transaction ends; SQLite
    has one writer at a time). What a rotation reads next is what the previous committed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ROTATION_LOCK_KEY)))


def _published_next_key(
    session: Session, alg: str, now: datetime, min_published_seconds: int
) -> str:
    """The next key of `alg`, if relying parties have had time to fetch it; else refuse."""
    row = session.execute(
        select(signing_keys.c.kid, signing_keys.c.created_at).where(
            signing_keys.c.alg == alg, signing_keys.c.state == "next"
        )
    ).one()
    published = (now - (_utc(row.created_at) or now)).total_seconds()
    if published < min_published_seconds:
        wait = math.ceil(min_published_seconds - published)
        raise RotationTooEarly(
            f"the next {alg} key was published {max(0, int(published))}s ago and JWKS caches "
            f"keep keys {min_published_seconds}s: rotate again in {wait}s",
            wait_seconds=wait,
        )
    return str(row.kid)


def rotate_signing_keys(
    session: Session,
    master: MasterKey,
    algs: Iterable[str],
    now: datetime,
    retire_after_seconds: int,
    *,
    min_published_seconds: int,
) -> list[str]:
    """Retire current keys, promote next ones, publish new next keys.

    A next key is promoted only once it has been in the JWKS for `min_published_seconds`
    (the JWKS cache time), so every verifier already holds it; otherwise `RotationTooEarly`
    says how long to wait and nothing changes. Rotations are serialized: a second one
    started at the same time finds the fresh next key of the first and is refused.
    Returns the kids that became current.
    """
    algs = tuple(algs)
    _lock_rotation(session)
    ensure_signing_keys(session, master, algs, now)
    promoted = {alg: _published_next_key(session, alg, now, min_published_seconds) for alg in algs}
    for alg, kid in promoted.items():
        session.execute(
            update(signing_keys)
            .where(signing_keys.c.alg == alg, signing_keys.c.state == "current")
            .values(
                state="retired",
                retired_at=now,
                verify_until=now + timedelta(seconds=retire_after_seconds),
            )
        )
        session.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == kid)
            .values(state="current", activated_at=now)
        )
        _create_key(session, master, alg, "next", now)
    return list(promoted.values())


def prune_retired_keys(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(signing_keys).where(
            signing_keys.c.state == "retired", signing_keys.c.verify_until <= now
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DELETE


def _published_rows(session: Session, now: datetime) -> list[Any]:
    rows = session.execute(
        select(
            signing_keys.c.kid,
            signing_keys.c.public_jwk,
            signing_keys.c.state,
            signing_keys.c.verify_until,
        ).order_by(signing_keys.c.created_at, signing_keys.c.kid)
    ).all()
    published = []
    for row in rows:
        until = _utc(row.verify_until)
        if row.state == "retired" and (until is None or until <= now):
            continue
        published.append(row)
    return published


def public_jwks(session: Session, now: datetime) -> dict[str, Any]:
    """The JWKS document: next, current and still-verifiable retired keys; public parts only."""
    return {"keys": [json.loads(row.public_jwk) for row in _published_rows(session, now)]}


class Keyring:
    """Per-process cache of decrypted signing keys and of the verification key set."""

    def __init__(
        self,
        master: MasterKey,
        refresh_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._master = master
        self._refresh = refresh_seconds
        self._now = monotonic
        self._lock = threading.Lock()
        self._decrypted: dict[str, SigningKey] = {}
        self._current: dict[str, tuple[str, float]] = {}
        self._verification: tuple[KeySet, frozenset[str], float] | None = None
        self._verified: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}

    def signing_key(self, session: Session, alg: str) -> SigningKey:
        cached = self._current.get(alg)
        if cached is not None and self._now() - cached[1] < self._refresh:
            return self._decrypted[cached[0]]
        row = session.execute(
            select(signing_keys.c.kid, signing_keys.c.private_key_sealed).where(
                signing_keys.c.alg == alg, signing_keys.c.state == "current"
            )
        ).first()
        if row is None:
            raise KeyNotFound(f"no current {alg} signing key; run `idp keys rotate`")
        with self._lock:
            if row.kid not in self._decrypted:
                private = open_sealed(self._master, row.private_key_sealed, row.kid.encode())
                self._decrypted[row.kid] = SigningKey(row.kid, alg, _import_private(alg, private))
            self._current[alg] = (row.kid, self._now())
        return self._decrypted[row.kid]

    def signing_key_in_memory(self, alg: str) -> SigningKey | None:
        """The current key of `alg` if this process read it less than `refresh_seconds` ago."""
        cached = self._current.get(alg)
        if cached is None or self._now() - cached[1] >= self._refresh:
            return None
        return self._decrypted[cached[0]]

    def verification_keys(self, session: Session, now: datetime, kid: str | None = None) -> KeySet:
        cached = self._verification
        fresh = cached is not None and self._now() - cached[2] < self._refresh
        if cached is not None and fresh and (kid is None or kid in cached[1]):
            return cached[0]
        document = public_jwks(session, now)
        keyset = KeySet.import_key_set(document)  # type: ignore[arg-type]
        kids = frozenset(k["kid"] for k in document["keys"])
        self._verification = (keyset, kids, self._now())
        return keyset

    def verify(
        self, session: Session, token: str, algorithms: list[str], now: datetime
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """`verify_jwt` against the published keys, remembering tokens already verified.

        A signature that verified once verifies again while its key is still published;
        introspection asks about the same token over and over, and an ECDSA verification
        costs more than the rest of the request. Time claims are the caller's to check at
        every use. The memory is bounded (`MAX_VERIFIED_TOKENS`, then it starts over).
        """
        keyset = self.verification_keys(session, now, kid=kid_of(token))
        published = self._verification[1] if self._verification is not None else frozenset()
        return self._verify_remembering(token, keyset, published, algorithms)

    def _verify_remembering(
        self, token: str, keyset: KeySet, published: frozenset[str], algorithms: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        remembered = self._verified.get(token)
        if remembered is not None and remembered[0] in published:
            return dict(remembered[1]), dict(remembered[2])
        header, claims = verify_jwt(token, keyset, algorithms)
        if len(self._verified) >= MAX_VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = (str(header.get("kid")), header, claims)
        return dict(header), dict(claims)

    def verify_in_memory(
        self, token: str, algorithms: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """`verify` without the database: None when the published keys are not fresh here
        (the caller then takes the path that reads them). Raises `InvalidToken` as `verify`."""
        cached = self._verification
        if cached is None or self._now() - cached[2] >= self._refresh:
            return None
        if kid_of(token) not in cached[1]:
            return None
        return self._verify_remembering(token, cached[0], cached[1], algorithms)


def sign_jwt(key: SigningKey, claims: dict[str, Any], typ: str | None = None) -> str:
    header: dict[str, Any] = {"alg": key.alg, "kid": key.kid}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, claims, key.key, algorithms=[key.alg])


def verify_jwt(
    token: str, keys: KeySet, algorithms: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify the signature only; the caller checks `exp`, `iss` and `aud`."""
    try:
        decoded = jwt.decode(token, keys, algorithms=algorithms)
    except (JoseError, ValueError, TypeError, KeyError, UnicodeError) as error:
        raise InvalidToken(f"token rejected: {type(error).__name__}") from None
    return dict(decoded.header), dict(decoded.claims)


def check_time_claims(claims: dict[str, Any], now: datetime, leeway_seconds: int = 0) -> None:
    at = now.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int) or exp + leeway_seconds <= at:
        raise InvalidToken("token has expired", code="token_expired")
    if isinstance(nbf, int) and nbf - leeway_seconds > at:
        raise InvalidToken("token is not yet valid", code="token_not_yet_valid")


def kid_of(token: str) -> str | None:
    """The `kid` in a compact JWS header, without verifying anything."""
    import base64

    try:
        header = token.split(".", 1)[0]
        data = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, UnicodeError):
        return None
    kid = data.get("kid") if isinstance(data, dict) else None
    return kid if isinstance(kid, str) else None

"""Signing keys: creation, rotation, the public JWKS, and the per-process `Keyring` cache.

Rotation (next → current → retired) never leaves a verifier without the key it needs: the
next key is in the JWKS before it signs, and a retired key stays there until every token
it signed has expired (`verify_until`). `Keyring` is the hot-path object: it keeps
decrypted keys by `kid` and re-reads which key is current at most every
`refresh_seconds`; an unknown `kid` at verification triggers an immediate re-read, so a
rotation done by another replica is honoured at once.
"""

from __future__ import annotations

import json
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
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from keys.envelope import MasterKey, open_sealed, seal
from keys.errors import InvalidToken, KeyNotFound
from keys.models import signing_keys

Key = ECKey | RSAKey | OKPKey
SUPPORTED_ALGS = ("ES256", "RS256", "EdDSA")
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi"})


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


def _create_key(session: Session, master: MasterKey, alg: str, state: str, now: datetime) -> str:
    kid = secrets.token_urlsafe(12)
    key = _generate(alg, kid)
    document = public_jwk(key)
    document.update({"kid": kid, "alg": alg, "use": "sig"})
    private = json.dumps(key.as_dict(private=True)).encode()
    session.execute(
        insert(signing_keys).values(
            kid=kid,
            alg=alg,
            use="sig",
            state=state,
            public_jwk=json.dumps(document),
            private_key_sealed=seal(master, private, kid.encode()),
            created_at=now,
            activated_at=now if state == "current" else None,
        )
    )
    return kid


def ensure_signing_keys(
    session: Session, master: MasterKey, algs: Iterable[str], now: datetime
) -> None:
    """Create a current and a next key for each algorithm that has none (idempotent)."""
    for alg in algs:
        states = set(
            session.scalars(
                select(signing_keys.c.state).where(
                    signing_keys.c.alg == alg, signing_keys.c.state.in_(("current", "next"))
                )
            )
        )
        if "current" not in states:
            _create_key(session, master, alg, "current", now)
        if "next" not in states:
            _create_key(session, master, alg, "next", now)


def rotate_signing_keys(
    session: Session,
    master: MasterKey,
    algs: Iterable[str],
    now: datetime,
    retire_after_seconds: int,
) -> list[str]:
    """Retire current keys, promote next ones, publish new next keys.

    Returns the kids that became current.
    """
    ensure_signing_keys(session, master, algs, now)
    promoted = []
    for alg in algs:
        session.execute(
            update(signing_keys)
            .where(signing_keys.c.alg == alg, signing_keys.c.state == "current")
            .values(
                state="retired",
                retired_at=now,
                verify_until=now + timedelta(seconds=retire_after_seconds),
            )
        )
        kid = session.scalar(
            select(signing_keys.c.kid).where(
                signing_keys.c.alg == alg, signing_keys.c.state == "next"
            )
        )
        session.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == kid)
            .values(state="current", activated_at=now)
        )
        _create_key(session, master, alg, "next", now)
        promoted.append(str(kid))
    return promoted


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

"""Who is signed in at this portal, kept in memory (one process, as a sample may be).

The browser holds only an unguessable session id in an HttpOnly cookie; the tokens stay
on the server. Sessions are also found by the provider's `sid` and `sub`, so a
back-channel logout (which comes from the provider, without the browser's cookie) can
end them. Pending sign-ins (state, nonce, PKCE verifier) wait here for ten minutes, bound
to the browser that started them by a second cookie.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

SESSION_TTL_SECONDS = 8 * 3600
PENDING_SIGN_IN_TTL_SECONDS = 600
MAX_PENDING_SIGN_INS = 10_000  # a flood of abandoned sign-ins cannot grow memory past this


def new_secret() -> str:
    """An unguessable value for session ids, state, nonce, PKCE verifiers, CSRF tokens."""
    return secrets.token_urlsafe(32)


def is_same_secret(given: object, expected: str) -> bool:
    """Compare in constant time, so response timing does not reveal the secret."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    state: str
    nonce: str
    code_verifier: str
    started_at: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class PortalSession:
    id: str
    sub: str
    sid: str | None
    claims: dict[str, Any]  # the verified ID token's claims
    id_token: str  # kept for RP-initiated logout's id_token_hint
    access_token: str  # the person's own token, exchanged when a representative acts
    csrf_token: str = field(default_factory=new_secret)
    started_at: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return str(self.claims.get("name") or self.claims.get("email") or self.sub)


class SessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, PortalSession] = {}
        self._pending: dict[str, PendingSignIn] = {}

    def start_sign_in(self) -> tuple[str, PendingSignIn]:
        """A new pending sign-in and the cookie value that binds it to this browser."""
        pending = PendingSignIn(state=new_secret(), nonce=new_secret(), code_verifier=new_secret())
        key = new_secret()
        self._forget_stale_sign_ins()
        self._pending[key] = pending
        return key, pending

    def _forget_stale_sign_ins(self) -> None:
        if len(self._pending) < MAX_PENDING_SIGN_INS:
            return
        now = time.monotonic()
        for key in [
            k for k, p in self._pending.items() if now - p.started_at > PENDING_SIGN_IN_TTL_SECONDS
        ]:
            del self._pending[key]
        while len(self._pending) >= MAX_PENDING_SIGN_INS:  # oldest first: dicts keep order
            del self._pending[next(iter(self._pending))]

    def finish_sign_in(self, key: str | None, state: str | None) -> PendingSignIn | None:
        """The pending sign-in this browser started with this `state`, used once."""
        pending = self._pending.pop(key, None) if key else None
        if pending is None:
            return None
        if time.monotonic() - pending.started_at > PENDING_SIGN_IN_TTL_SECONDS:
            return None
        return pending if is_same_secret(state, pending.state) else None

    def create(self, claims: dict[str, Any], id_token: str, access_token: str) -> PortalSession:
        session = PortalSession(
            id=new_secret(),
            sub=str(claims["sub"]),
            sid=claims.get("sid"),
            claims=claims,
            id_token=id_token,
            access_token=access_token,
        )
        self._sessions[session.id] = session
        return session

    def find(self, session_id: str | None) -> PortalSession | None:
        session = self._sessions.get(session_id) if session_id else None
        if session is not None and time.monotonic() - session.started_at > SESSION_TTL_SECONDS:
            self.end(session.id)
            return None
        return session

    def end(self, session_id: str | None) -> PortalSession | None:
        return self._sessions.pop(session_id, None) if session_id else None

    def end_matching(self, *, sid: str | None, sub: str | None) -> int:
        """Back-Channel Logout §2.7: with a `sid`, end that provider session here (checking
        `sub` too when given); with only a `sub`, end all of that person's sessions."""
        doomed = [
            s.id
            for s in self._sessions.values()
            if (sid is not None and s.sid == sid and (sub is None or s.sub == sub))
            or (sid is None and s.sub == sub)
        ]
        for session_id in doomed:
            del self._sessions[session_id]
        return len(doomed)

"""Device cookies: a browser that signed in to an account keeps its password checked when
its network address has run out of attempts (OWASP "Slow Down Online Guessing Attacks
with Device Cookies").

Every proof of the account in the browser gives it a token for that account (a right
password, a passkey, a registration or recovery confirmed by the emailed code, an accepted
invitation: `idp.authn.web.vouch_for_browser`), so a person who signs in with a passkey
keeps the password path too: a keyed digest of the account's email (never the email
itself), a random nonce and the issue time, authenticated
with HMAC-SHA256 under a key derived from the master key (`MasterKey.derive`), good for
`DEVICE_COOKIE_TTL_SECONDS`. An address past its password budget has a password checked
only for an account whose token the browser presents: someone spraying a few common
passwords across many accounts from one address gets no more checks, while the people who
signed in before from a shared office address keep signing in (at the account's pace).
The cookie holds the tokens of the last `MAX_DEVICE_TOKENS` accounts that signed in with
the browser, the newest first. The cookie's name is `idp.http.cookies.CookieNames.device`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass, field
from datetime import datetime

from idp.accounts.service import normalise_email
from keys import MasterKey

DEVICE_KEY_PURPOSE = b"passerelle device cookies v1"
DEVICE_COOKIE_TTL_SECONDS = 180 * 24 * 3600
MAX_DEVICE_TOKENS = 5
_DIGEST_BYTES = 16
_NONCE_BYTES = 16
_TIME = struct.Struct(">Q")
_TAG_BYTES = 16
_BODY_BYTES = _DIGEST_BYTES + _NONCE_BYTES + _TIME.size
_TOKEN_CHARS = (4 * (_BODY_BYTES + _TAG_BYTES) + 2) // 3  # base64url, unpadded
MAX_DEVICE_COOKIE_LENGTH = MAX_DEVICE_TOKENS * (_TOKEN_CHARS + 1)


@dataclass(frozen=True)
class DeviceCookies:
    """The device-cookie key and what it vouches for; built once at start
    (`Components.device_cookies`)."""

    key: bytes = field(repr=False)

    @classmethod
    def from_master_key(cls, master: MasterKey) -> DeviceCookies:
        return cls(master.derive(DEVICE_KEY_PURPOSE))

    def issue(self, email: str, now: datetime, kept: str | None) -> str:
        """The cookie after a proof of `email`'s account: a fresh token for it first, then
        the other accounts' tokens `kept` still valid (at most `MAX_DEVICE_TOKENS`)."""
        digest = self._digest(email)
        body = digest + secrets.token_bytes(_NONCE_BYTES) + _TIME.pack(int(now.timestamp()))
        fresh = base64.urlsafe_b64encode(body + self._tag(body)).rstrip(b"=").decode()
        others = [token for token, owner in self._valid_tokens(kept, now) if owner != digest]
        return ".".join([fresh, *others][:MAX_DEVICE_TOKENS])

    def vouches_for(self, cookie: str | None, email: str, now: datetime) -> bool:
        """Whether `cookie` holds a live token of this key for `email`'s account."""
        digest = self._digest(email)
        tokens = self._valid_tokens(cookie, now)
        return any(hmac.compare_digest(owner, digest) for _, owner in tokens)

    def _digest(self, email: str) -> bytes:
        message = b"account\x00" + normalise_email(email).encode()
        return hmac.new(self.key, message, hashlib.sha256).digest()[:_DIGEST_BYTES]

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self.key, b"token\x00" + body, hashlib.sha256).digest()[:_TAG_BYTES]

    def _valid_tokens(self, cookie: str | None, now: datetime) -> list[tuple[str, bytes]]:
        """The tokens of `cookie` this key made and that have not expired, with the digest
        of their account."""
        if not cookie or len(cookie) > MAX_DEVICE_COOKIE_LENGTH:
            return []
        valid = []
        for token in cookie.split(".")[:MAX_DEVICE_TOKENS]:
            raw = _decoded(token)
            if raw is None or len(raw) != _BODY_BYTES + _TAG_BYTES:
                continue
            body, tag = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
            if not hmac.compare_digest(tag, self._tag(body)):
                continue
            (issued,) = _TIME.unpack(body[_DIGEST_BYTES + _NONCE_BYTES :])
            if now.timestamp() - issued < DEVICE_COOKIE_TTL_SECONDS:
                valid.append((token, body[:_DIGEST_BYTES]))
        return valid


def _decoded(token: str) -> bytes | None:
    if len(token) != _TOKEN_CHARS:
        return None
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None

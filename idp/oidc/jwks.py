"""The JWKS document (RFC 7517), served from memory and re-read in the background.

Verifiers fetch `/jwks` often; the keys change only at a rotation. The document is read
once at start, then re-read at most every `refresh_seconds` by a background thread when
a request finds it stale, so a request never waits on the database (a frozen database
leaves the last document served) and a rotation made by another replica is published
within seconds. New keys are always published as `next` for a JWKS cache lifetime before
they sign anything (`keys.rotate_signing_keys`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from idp.clock import Clock
from idp.db import unit_of_work
from keys import public_jwks

log = logging.getLogger("idp.oidc")
JWKS_MEDIA_TYPE = b"application/jwk-set+json"
JWKS_CACHE_SECONDS = 300


class PublishedKeys:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        refresh_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._refreshing = threading.Lock()
        self._body = b'{"keys":[]}'
        self._read_at = float("-inf")

    def load(self) -> None:
        """Read the keys now (at start, and from the background refresh)."""
        with unit_of_work(self._factory) as db:
            document = public_jwks(db, self._clock.now())
        self._body = json.dumps(document, separators=(",", ":")).encode()
        self._read_at = self._monotonic()

    def current(self) -> bytes:
        stale = self._monotonic() - self._read_at >= self._refresh_seconds
        if stale and self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="jwks-refresh", daemon=True).start()
        return self._body

    def _refresh(self) -> None:
        try:
            self.load()
        except SQLAlchemyError as error:  # keep serving the last document; retry later
            self._read_at = self._monotonic()
            log.warning("JWKS refresh failed, serving the last document: %s", type(error).__name__)
        finally:
            self._refreshing.release()

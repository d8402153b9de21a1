"""What a page answering a form showed, kept a short while so the language switch can show
it again in the other language.

A page rendered in answer to a POST (the code step after `/register`, a form refused with
the person's values, new recovery codes) has no URL that shows it again: a link to its
path loses what was typed, answers 405 (no GET) or shows another step. So such a page's
template, values and status are kept in the ephemeral store under a random id, and its
language switch is a small form posting that id to `/language` (`idp.http.language_routes`),
which renders the same page in the other language. Nothing of it goes into a URL.

The same values then render in the other language, so they name nothing in one language
only: text is a msgid the template translates, or a code; a portal's, a program's or a
membership body's name (portals' profiles, the register) comes in each language,
`{"en": …, "fr": …}`, and the template shows `[locale]`.

A snapshot holds what the page showed, one-time secrets included (new recovery codes are
shown once: a switch that lost them would lose them for good). So it is read once
(`pop`, each page shown again gets a new one; a double click aside, below), lives
`PAGE_SNAPSHOT_TTL_SECONDS`, and is bound to the browser that saw the page by a digest of
its CSRF token (HttpOnly cookie): a snapshot id from another browser gives nothing. Not to
the sign-in session cookie: the very pages that show new codes give the session a new
cookie (a first authenticator, a step-up). Passwords and codes a person typed are never in
a page's values (STYLE.md §5), so never in a snapshot. What the store holds is sealed under
the master key (AES-GCM envelope, `keys.seal`) with the browser's binding and the id as
associated data: the store's content alone (a Redis dump, a replica) shows no recovery
code, and a snapshot opens only for the browser and the id it was saved for.

A double click on the switch posts the id twice, and the browser shows the second answer:
so a snapshot once taken stays readable `REREAD_SECONDS` more, by the same browser only (a
copy under another key, never renewed, sealed for the same browser and id), and the second
click shows the switched page too instead of the page's plain address.

A rate-limited answer (429, "try again in N minutes") keeps its status, and its
`Retry-After` becomes the time left then: the snapshot holds the instant the wait ends,
so the page switched a minute later says, and sends, a minute less. A page that frames
other sites (the signed-out page's front-channel logout frames) keeps the origins its
Content-Security-Policy allows (`frame_sources`), and a page whose form may end at a native
app's private-use URI the scheme its `form-action` allows (`form_action_schemes`).

A page a GET shows can be kept too when its address would not show it again: the
signed-out page after an RP-initiated `GET /logout`, whose link would run the logout again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from adapters import EphemeralStore, StoreUnavailable
from idp.clock import Clock, SystemClock
from keys import MasterKey, SealBroken, open_sealed, seal

PAGE_SNAPSHOT_TTL_SECONDS = 600
# A page's values are a few names and messages; a larger page keeps the plain link.
MAX_PAGE_SNAPSHOT_BYTES = 64 * 1024
SNAPSHOT_ID_LENGTH = 43  # secrets.token_urlsafe(32)
# A double click's second request comes a fraction of a second after the first.
REREAD_SECONDS = 3
_KEY_PREFIX = "page-snapshot:"
_TAKEN_PREFIX = "page-snapshot-taken:"


@dataclass(frozen=True, slots=True)
class PageSnapshot:
    """A page to render again: its template, its values, its status code and, for a
    rate-limited answer, the seconds left to wait (`Retry-After`)."""

    template_name: str
    context: dict[str, Any]
    status_code: int
    retry_after_seconds: int = 0
    frame_sources: tuple[str, ...] = ()
    form_action_schemes: tuple[str, ...] = ()


class PageSnapshots:
    """Saves and takes back `PageSnapshot`s, each for the browser that saw the page."""

    def __init__(
        self, store: EphemeralStore, master: MasterKey, clock: Clock | None = None
    ) -> None:
        self._store = store
        self._master = master
        self._clock = clock or SystemClock()

    @staticmethod
    def _binding(request: Request, snapshot_id: str) -> bytes:
        """The associated data of a snapshot: this id, for the browser holding this CSRF
        token (a digest: the token guarding the browser's forms is kept nowhere)."""
        token = getattr(request.state, "csrf_token", "")
        return b"page-snapshot:" + snapshot_id.encode() + hashlib.sha256(token.encode()).digest()

    def save(
        self,
        request: Request,
        template_name: str,
        context: dict[str, Any],
        status_code: int,
        retry_after_seconds: int = 0,
        frame_sources: Sequence[str] = (),
        form_action_schemes: Sequence[str] = (),
    ) -> str | None:
        """The new snapshot's id; None when the values are not plain JSON or too large, or
        the store does not answer (the page then keeps the plain link)."""
        retry_at = self._clock.now().timestamp() + retry_after_seconds if retry_after_seconds else 0
        try:
            body = json.dumps(
                {
                    "template": template_name,
                    "context": context,
                    "status": status_code,
                    "retry_at": retry_at,
                    "frame_sources": list(frame_sources),
                    "form_action_schemes": list(form_action_schemes),
                }
            ).encode()
        except (TypeError, ValueError):  # a view object, not plain values: not kept
            return None
        if len(body) > MAX_PAGE_SNAPSHOT_BYTES:
            return None
        snapshot_id = secrets.token_urlsafe(32)
        sealed = seal(self._master, body, self._binding(request, snapshot_id))
        try:
            self._store.set(_KEY_PREFIX + snapshot_id, sealed, PAGE_SNAPSHOT_TTL_SECONDS)
        except StoreUnavailable:  # the page itself still shows, with the link
            return None
        return snapshot_id

    def take(self, request: Request, snapshot_id: str) -> PageSnapshot | None:
        """The snapshot, once (and again within `REREAD_SECONDS`: a double click), for the
        browser that saw it; None when unknown, expired, taken earlier or saved for another
        browser or session."""
        if len(snapshot_id) != SNAPSHOT_ID_LENGTH:
            return None
        sealed = self._store.pop(_KEY_PREFIX + snapshot_id)
        first_reading = sealed is not None
        if sealed is None:
            sealed = self._store.get(_TAKEN_PREFIX + snapshot_id)
        if sealed is None:
            return None
        try:
            saved = json.loads(
                open_sealed(self._master, sealed, self._binding(request, snapshot_id))
            )
        except SealBroken:  # saved for another browser
            return None
        if first_reading:
            self._keep_for_a_double_click(snapshot_id, sealed)
        return PageSnapshot(
            saved["template"],
            saved["context"],
            saved["status"],
            self._time_left(saved["retry_at"]),
            tuple(saved.get("frame_sources", ())),
            tuple(saved.get("form_action_schemes", ())),
        )

    def _keep_for_a_double_click(self, snapshot_id: str, sealed: bytes) -> None:
        # `add`: the copy is never renewed, so the snapshot is gone `REREAD_SECONDS` after its
        # first reading. A store that does not answer now still lets the first click show.
        with contextlib.suppress(StoreUnavailable):
            self._store.add(_TAKEN_PREFIX + snapshot_id, sealed, REREAD_SECONDS)

    def _time_left(self, retry_at: float) -> int:
        """Whole seconds until `retry_at` (at least one: the page still says to wait); 0 for
        a page that asked for no wait."""
        if not retry_at:
            return 0
        return max(1, math.ceil(retry_at - self._clock.now().timestamp()))

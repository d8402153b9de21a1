"""Pending authorization requests waiting for the person (sign-in, step-up, consent).

The original parameters are kept in the ephemeral store under a random id, so the
authorization request survives the detour through the sign-in page without trusting
anything the browser sends back but that id. `login_sid` and `consent_done` record what
happened during this interaction, which is how `prompt=login` and `prompt=consent` are
satisfied exactly once. The sign-in is tied to the session it started (`login_sid`): the
interaction's id travels in URLs, and whoever resumes it from another browser, whose
session is older, is asked to sign in again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields

from adapters import EphemeralStore
from idp.http.params import Params

INTERACTION_KEY = "interaction:"
MAX_INTERACTION_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Interaction:
    id: str
    params: dict[str, list[str]]
    login_sid: str | None = None  # the session a sign-in within this interaction started
    consent_done: bool = False

    @property
    def parameters(self) -> Params:
        return Params(all=self.params)

    def signed_in_by(self, session_sid: str | None) -> bool:
        """Whether `session_sid`'s session is the one a sign-in within this interaction made."""
        return self.login_sid is not None and self.login_sid == session_sid

    @property
    def resume_path(self) -> str:
        return f"/authorize/resume?interaction={self.id}"


class Interactions:
    def __init__(self, store: EphemeralStore, ttl_seconds: int) -> None:
        self._store = store
        self._ttl = ttl_seconds

    def start(self, params: dict[str, list[str]]) -> Interaction:
        interaction = Interaction(id=secrets.token_urlsafe(24), params=params)
        self.save(interaction)
        return interaction

    def save(self, interaction: Interaction) -> None:
        # Shallow, not `asdict` (which deep-copies every parameter list before json does).
        record = {f.name: getattr(interaction, f.name) for f in fields(Interaction)}
        self._store.set(INTERACTION_KEY + interaction.id, json.dumps(record).encode(), self._ttl)

    def find(self, interaction_id: str | None) -> Interaction | None:
        if not interaction_id or len(interaction_id) > MAX_INTERACTION_ID_LENGTH:
            return None
        raw = self._store.get(INTERACTION_KEY + interaction_id)
        return Interaction(**json.loads(raw)) if raw else None

    def finish(self, interaction_id: str) -> None:
        self._store.delete(INTERACTION_KEY + interaction_id)

"""One OAuth request's context: its database session, its time, what it decided.

authlib's grants and endpoints are objects of a server built once per process; everything
that belongs to one request lives here instead, hung on the `OAuthRequest` they all
receive. Nothing here outlives the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from consent import DelegatedAccess
from idp.clients.cache import ClientDirectory
from idp.clients.service import RegisteredClient
from idp.oauth.models import Grant
from idp.subjects.service import SubjectIdentifiers


@dataclass
class OAuthContext:
    db: Session
    now: datetime
    clients: ClientDirectory
    subjects: SubjectIdentifiers
    grant: Grant | None = None  # the grant the tokens being issued belong to
    delegated: DelegatedAccess | None = None  # an RFC 9396 token being issued
    _clients: dict[str, RegisteredClient | None] = field(default_factory=dict)

    @property
    def timestamp(self) -> int:
        return int(self.now.timestamp())

    def find_client(self, client_id: object) -> RegisteredClient | None:
        """The registered client, read once per request (authlib asks several times)."""
        if not isinstance(client_id, str):
            return None
        if client_id not in self._clients:
            self._clients[client_id] = self.clients.find(self.db, client_id)
        return self._clients[client_id]

"""The objects one running service shares between requests, built once by `create_app`.

Routes receive it through `request.app.state.runtime`; services receive the pieces they
need as parameters. Nothing here is a global: a test builds as many as it likes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adapters import DevMailbox, EphemeralStore, Mailer
from idp.authn.password import Passwords
from idp.authn.sessions import BrowserSessions
from idp.clock import Clock
from idp.oauth.tokens import TokenPolicy
from idp.settings import Settings
from keys import Keyring, MasterKey


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    store: EphemeralStore
    keyring: Keyring
    clock: Clock
    passwords: Passwords
    browser_sessions: BrowserSessions
    token_policy: TokenPolicy
    master_key: MasterKey
    mailer: Mailer
    dev_mailbox: DevMailbox | None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error."""
        with self.session_factory() as session, session.begin():
            yield session

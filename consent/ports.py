"""What consent needs from outside and may not import (STYLE.md section 1, "Ports").

`DelegationEvents` is told of every change to a delegation, in the transaction of the
change, after the change and its audit entry are written: the composition root implements
it once (Security Event Tokens to the portals concerned through the outbox, notifications),
so the console, the CLI and the portal API call one operation each. `consent.NoEvents` is
the null implementation for tests and seeds.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from consent.events import DelegationChange


class DelegationEvents(Protocol):
    def delegation_changed(self, db: Session, change: DelegationChange) -> None:
        """React to `change` inside the caller's transaction (queue, never send)."""
        ...

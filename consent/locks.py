"""Row locks that serialize token issuance with changes to one delegation (DESIGN.md §8).

"Suspension, revocation, expiry and narrowing are lines in time": once a change commits,
no token under the old terms is issued anywhere. Every state change first locks the
delegation row (`lock_delegation`, FOR UPDATE); issuance locks the delegation it uses the
same way and checks it again once the lock is granted (`consent.access`). Under
PostgreSQL's READ COMMITTED each statement reads what is committed when it starts, so an
issuance either commits before the change takes its lock, or waits for the change and
then sees it. Actor-wide steps (a suspension against a new grant to the same actor) are
serialized by a transaction-scoped advisory lock on the actor (`lock_actor`).

Issuance takes the exclusive lock, not FOR SHARE: PostgreSQL lets a new share locker pass
a waiting FOR UPDATE, and four issuers in a loop held a revocation off for 2 to 4 seconds
(an actor hammering token exchange could hold it off for good); exclusive waiters queue
in order. It costs no throughput: issuances already serialize on the audit log head.

Lock order, to stay free of deadlocks: the actor, then delegation rows (by id), then the
audit log head (`consent.audit.record_event`). Never lock a delegation after appending to
the audit log in the same transaction.

SQLite has no row locks (`FOR UPDATE` is not rendered) and one writer at a time: there,
the idp layer begins issuing transactions with `BEGIN IMMEDIATE`, which serializes them
with every change.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from consent.models import Delegation

_ACTOR_LOCK_NAMESPACE = b"consent.actor:"


def _is_postgresql(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def lock_delegation(db: Session, delegation_id: str) -> Delegation | None:
    """Lock one delegation row FOR UPDATE until the transaction ends and return it as
    committed now (the session's copy is refreshed); None when there is no such row."""
    if len(delegation_id) > 32:
        return None
    statement = (
        select(Delegation)
        .where(Delegation.id == delegation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.scalars(statement).first()


def lock_delegations(db: Session, *conditions: ColumnElement[bool]) -> list[Delegation]:
    """Lock every delegation matching the conditions FOR UPDATE, in id order."""
    statement = (
        select(Delegation)
        .where(*conditions)
        .order_by(Delegation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(db.scalars(statement))


def _actor_key(actor: str) -> int:
    digest = hashlib.sha256(_ACTOR_LOCK_NAMESPACE + actor.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_actor(db: Session, actor: str, *, shared: bool) -> None:
    """Serialize actor-wide steps: suspension and reinstatement take it exclusively, steps
    that create or revive a delegation to the actor take it shared (PostgreSQL advisory
    lock, released at the end of the transaction; nothing to do on SQLite)."""
    if not _is_postgresql(db):
        return
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    db.execute(select(lock(_actor_key(actor))))

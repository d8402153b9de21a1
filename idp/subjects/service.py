"""Choosing the `sub` a portal receives, and reading one a portal sends back.

OpenID Connect Core §8: a `public` portal gets the account's `subject` (random, stable,
the same at every public portal). A `pairwise` portal gets
`base64url(HMAC-SHA256(key, sector || 0x00 || account id))`: stable within its sector
(§8.1), different across sectors, so two portals of different sectors cannot join their
records on `sub`, and irreversible without the key, which is derived from the master key
(`MasterKey.derive`) and never stored. The reverse direction reads
`idp_pairwise_subjects`, written the first time a value leaves for a sector.

Every `sub` that leaves for a portal (ID tokens, userinfo, access tokens, introspection,
logout tokens, delegation events, the portal API) comes from `subject_for`; every `sub` a
portal sends is read with `account_for_subject`. Inside the service (delegations,
applications, the audit log) a person is their public `subject`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.clients.service import RegisteredClient
from idp.db import insert_ignoring_duplicates
from idp.subjects.models import PairwiseSubject
from keys import MasterKey

PAIRWISE_KEY_PURPOSE = b"passerelle pairwise subject identifiers v1"
MAX_SUBJECT_LENGTH = 64


@dataclass(frozen=True)
class SubjectIdentifiers:
    """The pairwise key and the two directions; built once at start (`Components.subjects`)."""

    key: bytes = field(repr=False)

    @classmethod
    def from_master_key(cls, master: MasterKey) -> SubjectIdentifiers:
        return cls(master.derive(PAIRWISE_KEY_PURPOSE))

    def pairwise_value(self, sector: str, account_id: str) -> str:
        message = sector.encode() + b"\x00" + account_id.encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def subject_for(self, db: Session, account: Account, client: RegisteredClient) -> str:
        """The `sub` of `account` as `client` sees it (recorded, for pairwise, to be read back)."""
        if not client.is_pairwise:
            return account.subject
        sector = str(client.sector_identifier)
        value = self.pairwise_value(sector, account.id)
        _remember(db, sector, {account.id: value})
        return value

    def account_for_subject(
        self, db: Session, subject: str, client: RegisteredClient
    ) -> Account | None:
        """The account `client` calls `subject`, or None (unknown to this portal's sector)."""
        if not subject or len(subject) > MAX_SUBJECT_LENGTH:
            return None
        if not client.is_pairwise:
            return db.scalar(select(Account).where(Account.subject == subject))
        return db.scalar(
            select(Account)
            .join(PairwiseSubject, PairwiseSubject.account_id == Account.id)
            .where(
                PairwiseSubject.sector == client.sector_identifier,
                PairwiseSubject.subject == subject,
            )
        )

    def subject_of(self, db: Session, public_subject: str, client: RegisteredClient) -> str:
        """`subject_for` from a public subject (how delegations and applications name
        people); a subject without an account stays as it is."""
        return self.subjects_of(db, [public_subject], client).get(public_subject, public_subject)

    def subjects_of(
        self, db: Session, public_subjects: Iterable[str], client: RegisteredClient
    ) -> dict[str, str]:
        """Public subject → the `sub` `client` sees, for many people in two statements."""
        wanted = set(public_subjects)
        if not client.is_pairwise or not wanted:
            return {s: s for s in wanted}
        sector = str(client.sector_identifier)
        rows = db.execute(
            select(Account.subject, Account.id).where(Account.subject.in_(sorted(wanted)))
        ).all()
        values = {account_id: self.pairwise_value(sector, account_id) for _, account_id in rows}
        _remember(db, sector, values)
        return {public: values[account_id] for public, account_id in rows}


def _remember(db: Session, sector: str, values: dict[str, str]) -> None:
    """Record account id → pairwise value for `sector`, once (concurrent writers agree)."""
    if not values:
        return
    known = set(
        db.scalars(
            select(PairwiseSubject.account_id).where(
                PairwiseSubject.sector == sector, PairwiseSubject.account_id.in_(sorted(values))
            )
        )
    )
    missing = [
        {"sector": sector, "account_id": a, "subject": s}
        for a, s in sorted(values.items())
        if a not in known
    ]
    if missing:
        db.execute(insert_ignoring_duplicates(db, PairwiseSubject), missing)

"""Linking a legacy account to a Passerelle identity, only after the person proves it.

DESIGN.md section 8: accounts are linked on proven attributes and after the person
confirms, never by email alone. A signed-in person proves a staged legacy account with
its legacy password (verified against the legacy hash) or with a code mailed to the
legacy account's email; the proof is remembered for `PROOF_TTL_SECONDS`, the person
confirms, and the account is linked with its applications, which join the registry at the
legacy portal under the person's `sub`. An email matching theirs only suggests which
legacy account to prove (`candidates_for`).

Wrong passwords count against the person's own budget and the legacy account's (so many
Passerelle accounts cannot share out the guessing of one legacy password); unknown
usernames cost the same PBKDF2 run, are counted alike and get the same answer as wrong
passwords, and asking for a code answers the
same whether or not the username exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import EphemeralStore, LocalizedText, OutgoingMail, load_portal_profiles
from consent import register_application
from idp.accounts.models import Account
from idp.authn.attempts import AttemptBudget, record_failure, record_success, seconds_blocked
from idp.authn.email_code import check_code, issue_code
from idp.http.locale import SUPPORTED_LOCALES
from idp.legacy.hashes import verify_legacy_password
from idp.legacy.mails import legacy_code_mail
from idp.legacy.models import LegacyAccount

PROOF_TTL_SECONDS = 10 * 60
PROOF_KEY = "legacy-proof:"
CODE_PURPOSE = "legacy"
PASSWORD_FACTOR = "legacy_password"  # noqa: S105  # an attempt-budget name
TARGET_FACTOR = "legacy_password_target"  # the budget of the legacy account guessed at
CODE_FACTOR = "legacy_code"
MAX_USERNAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class LegacyView:
    """A legacy account as its pages show it."""

    id: str
    portal: str  # the portal's name in the page's language
    username: str
    numbers: list[str]
    linked_at: datetime | None = None  # shown as a date in the service's zone


@dataclass(frozen=True, slots=True)
class Proof:
    ok: bool
    reason: str = ""  # wrong | rate_limited | expired | exhausted
    retry_after_seconds: int = 0


@lru_cache(maxsize=1)
def _portal_names() -> dict[str, LocalizedText]:
    return {p.slug: p.names for p in load_portal_profiles()}


def portal_name(slug: str, locale: str) -> str:
    names = _portal_names().get(slug)
    return names.in_language(locale) if names else slug


def portal_names(slug: str) -> dict[str, str]:
    """A legacy portal's name in each page language, for a page kept for its language switch
    (`idp.http.snapshots`): the template picks the page's."""
    return {locale: portal_name(slug, locale) for locale in SUPPORTED_LOCALES}


def legacy_view(row: LegacyAccount, locale: str) -> LegacyView:
    numbers = [a["number"] for a in row.applications]
    return LegacyView(
        row.id, portal_name(row.legacy_portal, locale), row.username, numbers, row.linked_at
    )


def legacy_portals(db: Session) -> list[str]:
    """The slugs of the portals whose accounts were imported."""
    return list(db.scalars(select(LegacyAccount.legacy_portal).distinct()))


def candidates_for(db: Session, account: Account) -> list[LegacyAccount]:
    """Unlinked legacy accounts with this person's email: a suggestion to prove, not a link."""
    query = select(LegacyAccount).where(
        LegacyAccount.email == account.email, LegacyAccount.linked_account_id.is_(None)
    )
    return list(db.scalars(query))


def linked_to(db: Session, account: Account) -> list[LegacyAccount]:
    return list(
        db.scalars(select(LegacyAccount).where(LegacyAccount.linked_account_id == account.id))
    )


def find_unlinked(db: Session, portal: str, username: str) -> LegacyAccount | None:
    if len(username) > MAX_USERNAME_LENGTH:
        return None
    return db.scalar(
        select(LegacyAccount).where(
            LegacyAccount.legacy_portal == portal,
            LegacyAccount.username == username.strip(),
            LegacyAccount.linked_account_id.is_(None),
        )
    )


def _remember(store: EphemeralStore, account: Account, legacy_id: str, method: str) -> None:
    proof = json.dumps({"legacy_id": legacy_id, "method": method}).encode()
    store.set(PROOF_KEY + account.id, proof, PROOF_TTL_SECONDS)


def prove_with_password(
    db: Session,
    store: EphemeralStore,
    budget: AttemptBudget,
    account: Account,
    *,
    portal: str,
    username: str,
    password: str,
) -> Proof:
    # Two budgets: the person's, and the legacy account's (keyed by what was typed, known
    # or not, so it says nothing of which usernames exist), so guesses at one legacy
    # password spread over many Passerelle accounts still run out.
    # Each guess is numbered in both (atomic increments) before the hash is checked, so
    # guesses sent at once get no more checks than one after another.
    budgets = ((PASSWORD_FACTOR, account.id), (TARGET_FACTOR, f"{portal}:{username.strip()}"))
    counts = [record_failure(store, budget, factor, who) for factor, who in budgets]
    if max(counts) > budget.limit:
        wait = max(seconds_blocked(store, budget, factor, who) for factor, who in budgets)
        return Proof(False, "rate_limited", wait)
    legacy = find_unlinked(db, portal, username)
    stored = legacy.password_hash if legacy is not None else None
    if not verify_legacy_password(stored, password) or legacy is None:
        return Proof(False, "wrong")
    for factor, who in budgets:
        record_success(store, factor, who)
    _remember(store, account, legacy.id, "password")
    return Proof(True)


def start_email_proof(
    db: Session,
    store: EphemeralStore,
    budget: AttemptBudget,
    account: Account,
    *,
    portal: str,
    username: str,
    locale: str,
) -> tuple[Proof, OutgoingMail | None]:
    """The code mail to send to the legacy account's email (None when there is no such
    unlinked account: the page says the same either way)."""
    wait = seconds_blocked(store, budget, CODE_FACTOR, account.id)
    if wait:
        return Proof(False, "rate_limited", wait), None
    record_failure(store, budget, CODE_FACTOR, account.id)  # every code sent counts
    legacy = find_unlinked(db, portal, username)
    if legacy is None:
        return Proof(True), None
    code = issue_code(store, CODE_PURPOSE, account.id, {"legacy_id": legacy.id})
    name = portal_name(legacy.legacy_portal, locale)
    mail = legacy_code_mail(legacy.email, locale, code=code, portal=name, username=legacy.username)
    return Proof(True), mail


def prove_with_email_code(store: EphemeralStore, account: Account, code: str) -> Proof:
    checked = check_code(store, CODE_PURPOSE, account.id, code)
    if not checked.ok or checked.payload is None:
        return Proof(False, checked.reason)
    _remember(store, account, str(checked.payload["legacy_id"]), "email_code")
    return Proof(True)


def proven_account(db: Session, store: EphemeralStore, account: Account) -> LegacyAccount | None:
    """The legacy account this person proved in the last minutes, still unlinked."""
    raw = store.get(PROOF_KEY + account.id)
    legacy = db.get(LegacyAccount, json.loads(raw)["legacy_id"]) if raw else None
    return legacy if legacy is not None and legacy.linked_account_id is None else None


def forget_proof(store: EphemeralStore, account: Account) -> None:
    store.delete(PROOF_KEY + account.id)


def link_proven_account(
    db: Session, store: EphemeralStore, account: Account, now: datetime
) -> tuple[LegacyAccount, list[str]] | None:
    """Link the proven legacy account and register its applications under this person.

    Returns it with the numbers now theirs; an application the portal already holds for
    someone else stays theirs. None when nothing proven is waiting (expired, or linked
    meanwhile)."""
    raw = store.pop(PROOF_KEY + account.id)
    proof = json.loads(raw) if raw else None
    legacy = db.get(LegacyAccount, proof["legacy_id"], with_for_update=True) if proof else None
    if proof is None or legacy is None or legacy.linked_account_id is not None:
        return None
    mine = []
    for application in legacy.applications:
        registered, _ = register_application(
            db,
            portal_client_id=legacy.portal_client_id,
            portal_reference=application["number"],
            program=application["program"],
            applicant_subject=account.subject,
            status=application["status"],
            now=now,
        )
        if registered.applicant_subject == account.subject:
            mine.append(registered.portal_reference)
    legacy.linked_account_id, legacy.linked_at, legacy.linked_by = account.id, now, proof["method"]
    db.flush()
    return legacy, mine

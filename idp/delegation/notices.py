"""Who to tell about a delegation step, and the mail that tells them, in their language.

The representative hears when they are appointed, when their access changes, is revoked
or suspended; the applicant when a representative asks, accepts or declines. The mail
names the other person, the applications (portal and program as the portal's profile
names them) and the kind of representation, a paid one with the representative ID and
membership, so an applicant can tell a licensee from a friend.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import OutgoingMail
from consent import KIND_LABELS, Delegation, DelegationKind, application_ids_of, get_application
from idp.accounts.models import Account
from idp.clients.profiles import PortalProfiles
from idp.clients.service import find_client
from idp.notifications.delegation_mails import delegation_mail
from idp.notifications.deps import Postbox
from idp.notifications.mails import tr
from idp.representatives.service import find_representative, is_active, membership_of

TO_ACTOR = frozenset({"appointed", "changed", "revoked", "suspended"})
TO_PRINCIPAL = frozenset({"requested", "accepted", "declined"})


def _person(db: Session, subject: str) -> Account | None:
    return db.scalar(select(Account).where(Account.subject == subject))


def _applications(
    db: Session, profiles: PortalProfiles, delegation: Delegation, locale: str
) -> str:
    """The applications in the recipient's language: each portal by its profile's name and
    each program as its profile names it (as registered, for a portal without one)."""
    if delegation.all_applications:
        client = find_client(db, delegation.portal_client_id or "")
        portal = profiles.portal_name(client, locale) or delegation.portal_client_id or ""
        return tr(locale, "all applications at %(portal)s", portal=portal)
    names = []
    for application_id in application_ids_of(db, delegation.id):
        application = get_application(db, application_id)
        client = find_client(db, application.portal_client_id)
        portal = profiles.portal_name(client, locale) or application.portal_client_id
        program = profiles.program_label(client, application.program, locale)
        names.append(f"{program} {application.portal_reference} ({portal})")
    return ", ".join(names)


def representation_label(db: Session, delegation: Delegation, locale: str) -> str:
    """The kind of representation in words; a paid one names the representative's ID and
    membership, as the register knows them."""
    label = tr(locale, KIND_LABELS[DelegationKind(delegation.kind)])
    if delegation.kind != DelegationKind.REPRESENTATIVE_PAID.value:
        return label
    representative = find_representative(db, delegation.actor_subject)
    if representative is None or not is_active(representative):
        return label
    membership = membership_of(representative) or {}
    extra = " ".join(
        v for v in (membership.get("body", "").upper(), membership.get("number", "")) if v
    )
    return f"{label}: {representative.representative_id} {extra}".strip()


def delegation_notice(
    db: Session, profiles: PortalProfiles, delegation: Delegation, event: str
) -> OutgoingMail | None:
    """The mail for `event` to the other side of the delegation (None: nobody to tell)."""
    if event in TO_ACTOR:
        recipient, other = delegation.actor_subject, delegation.principal_subject
    elif event in TO_PRINCIPAL:
        recipient, other = delegation.principal_subject, delegation.actor_subject
    else:
        return None
    to, about = _person(db, recipient), _person(db, other)
    if to is None or not to.is_active:
        return None
    locale = to.locale
    return delegation_mail(
        to.email,
        locale,
        event,
        person=about.name if about is not None else "?",
        what=_applications(db, profiles, delegation, locale),
        kind=representation_label(db, delegation, locale),
    )


def notify(
    postbox: Postbox,
    db: Session,
    profiles: PortalProfiles,
    delegation: Delegation,
    event: str,
    *,
    after_answer: bool = False,
) -> None:
    """Queue the mail for `event` (sent once the request's unit of work has committed);
    `after_answer`: once the answer has gone, for mail only some answers send."""
    message = delegation_notice(db, profiles, delegation, event)
    if message is None:
        return
    if after_answer:
        postbox.send_after_answer(message)
    else:
        postbox.send(message)

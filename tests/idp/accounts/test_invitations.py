"""Issuing invitations: asking again issues the open invitation again, never a second one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from idp.accounts.invitations import create_invitation, find_open_invitation
from idp.accounts.models import Invitation
from tests.factories.idp import make_account, transaction


def _open_to(db, email, now):
    invitations = db.scalars(select(Invitation).where(Invitation.email == email))
    return [i for i in invitations if i.accepted_at is None and i.expires_at > now]


def test_inviting_again_issues_the_same_invitation_with_a_new_token(components, clock):
    with transaction(components) as db:
        first = create_invitation(
            db, email="a@example.ca", name="A", invited_by=None, now=clock.now()
        )
    clock.advance(3600)
    with transaction(components) as db:
        again = create_invitation(
            db, email="a@example.ca", name="Ama", invited_by=None, now=clock.now(), locale="fr"
        )
        assert again.invitation.id == first.invitation.id
        assert find_open_invitation(db, first.token, clock.now()) is None
        invitation = find_open_invitation(db, again.token, clock.now())
        assert (invitation.name, invitation.locale) == ("Ama", "fr")  # what was asked last
        assert invitation.expires_at == clock.now() + timedelta(days=14)
        assert len(_open_to(db, "a@example.ca", clock.now())) == 1


def test_each_inviter_has_their_own_invitation(components, clock):
    officer = make_account(components)
    with transaction(components) as db:
        by_cli = create_invitation(
            db, email="b@example.ca", name="", invited_by=None, now=clock.now()
        )
        by_officer = create_invitation(
            db, email="b@example.ca", name="", invited_by=officer.id, now=clock.now()
        )
        assert by_cli.invitation.id != by_officer.invitation.id


def test_an_expired_invitation_is_not_issued_again(components, clock):
    with transaction(components) as db:
        first = create_invitation(
            db, email="c@example.ca", name="", invited_by=None, now=clock.now()
        )
    clock.advance(15 * 24 * 3600)
    with transaction(components) as db:
        again = create_invitation(
            db, email="c@example.ca", name="", invited_by=None, now=clock.now()
        )
        assert again.invitation.id != first.invitation.id


def test_inviting_again_closes_duplicates_made_before_asking_again_reused_the_invitation(
    components, clock
):
    with transaction(components) as db:
        for n in range(2):
            db.add(
                Invitation(
                    id=f"duplicate{n}", email="d@example.ca", token_digest=str(n) * 64,
                    invited_by=None, created_at=clock.now() + timedelta(seconds=n),
                    expires_at=clock.now() + timedelta(days=14),
                )
            )  # fmt: skip
    clock.advance(60)
    with transaction(components) as db:
        issued = create_invitation(
            db, email="d@example.ca", name="", invited_by=None, now=clock.now()
        )
        assert issued.invitation.id == "duplicate1"  # the newest
        assert [i.id for i in _open_to(db, "d@example.ca", clock.now())] == ["duplicate1"]

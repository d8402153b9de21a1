"""Issuing invitations: asking again issues the open invitation again, never a second one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from idp.accounts.invitations import IssuedInvitation, create_invitation, find_open_invitation
from idp.accounts.models import Invitation
from tests.concurrency import JOIN_TIMEOUT_SECONDS, run_together
from tests.factories.idp import make_account, transaction

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


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


def test_an_expired_invitation_is_superseded_by_the_new_one(components, clock):
    with transaction(components) as db:
        first = create_invitation(
            db, email="d@example.ca", name="", invited_by=None, now=clock.now()
        )
    clock.advance(15 * 24 * 3600)
    with transaction(components) as db:
        create_invitation(db, email="d@example.ca", name="", invited_by=None, now=clock.now())
        assert db.get(Invitation, first.invitation.id).superseded_at == clock.now()


def _in_force(email, invited_by, n):
    return Invitation(
        id=f"in-force-{n}", email=email, token_digest=str(n) * 64, invited_by=invited_by,
        created_at=NOW, expires_at=NOW + timedelta(days=14),
    )  # fmt: skip


@pytest.mark.parametrize("invited_by", [None, "officer"])
def test_the_database_refuses_a_second_invitation_in_force(components, invited_by):
    with pytest.raises(IntegrityError), transaction(components) as db:
        db.add_all([_in_force("e@example.ca", invited_by, n) for n in range(2)])


def test_accepted_and_superseded_invitations_are_not_in_force(components):
    with transaction(components) as db:
        accepted, superseded, claim, current = (
            _in_force("f@example.ca", None, n) for n in range(4)
        )
        accepted.accepted_at = superseded.superseded_at = NOW
        claim.account_id = "unclaimed"
        db.add_all([accepted, superseded, claim, current])


def test_two_invitations_at_the_same_instant_are_one(components, backend):
    """Both requests find no invitation in force, then both add one: the unique index
    refuses the second, which issues the first's again (a savepoint keeps the rest of its
    unit of work). SQLite serializes them with its write lock before the lookup."""
    if not backend.is_real:
        pytest.skip("on SQLite the write lock is taken before the lookup: no race to meet")
    now = components.clock.now()
    both_looked = threading.Barrier(2)
    looked: set[int] = set()

    def meet_after_the_lookup(_conn, _cursor, statement, *_args):
        first_lookup = threading.get_ident() not in looked
        if (
            first_lookup
            and statement.startswith("SELECT idp_invitations.")
            and "FOR UPDATE" in statement
        ):
            looked.add(threading.get_ident())
            both_looked.wait(JOIN_TIMEOUT_SECONDS)

    def invite(name):
        def job():
            with transaction(components) as db:
                return create_invitation(
                    db, email="race@example.ca", name=name, invited_by=None, now=now
                )

        return job

    event.listen(components.engine, "after_cursor_execute", meet_after_the_lookup)
    try:
        first, second = run_together(invite("Ama"), invite("Kofi"))
    finally:
        event.remove(components.engine, "after_cursor_execute", meet_after_the_lookup)
    assert isinstance(first, IssuedInvitation), first
    assert isinstance(second, IssuedInvitation), second
    assert first.invitation.id == second.invitation.id
    with transaction(components) as db:
        assert len(_open_to(db, "race@example.ca", now)) == 1
        issued = [find_open_invitation(db, i.token, now) for i in (first, second)]
        assert sum(invitation is not None for invitation in issued) == 1  # one working link

"""`idp users`, `idp invitations`, `idp representatives`: people's accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from idp.accounts.models import Account, Role
from idp.accounts.service import create_account, find_account_by_email
from idp.cli.output import JsonOption, components, emit, fail, mailing_after
from idp.db import unit_of_work
from idp.errors import IdpError, InvalidInput
from idp.notifications.mails import with_help
from idp.officer.invitations import invite
from idp.officer.suspension import StatusChange, reinstate, suspend

users = typer.Typer(help="People's accounts.", no_args_is_help=True)
invitations = typer.Typer(help="Invitations sent by officers.", no_args_is_help=True)
representatives = typer.Typer(help="Representatives (officers' actions).", no_args_is_help=True)
KNOWN_ROLES = tuple(Role)


@users.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Email address (sign-in name).")],
    password: Annotated[str, typer.Option(help="Initial password.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    locale: Annotated[str, typer.Option(help="en or fr.")] = "en",
    role: Annotated[list[str] | None, typer.Option("--role", help="officer (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account with a verified email."""
    unknown = [r for r in role or [] if r not in KNOWN_ROLES]
    if unknown:
        fail("role", f"role must be one of {', '.join(KNOWN_ROLES)}", as_json)
    try:
        with components() as parts, unit_of_work(parts.session_factory) as db:
            account = create_account(
                db,
                parts.passwords,
                email=email,
                password=password,
                name=name,
                now=parts.clock.now(),
                email_verified=True,
                locale=locale,
            )
            account.roles = list(role or [])
            data = {"id": account.id, "sub": account.subject, "email": account.email}
    except InvalidInput as error:
        fail(error.field, error.message, as_json)
    except IdpError as error:
        fail("email", error.message, as_json)
    emit(data, as_json, f"created account {data['email']} (sub {data['sub']})")


@invitations.command("create")
def invitations_create(
    email: Annotated[str, typer.Option(help="The invitee's email address.")],
    name: Annotated[str, typer.Option(help="The invitee's full name.")] = "",
    locale: Annotated[str, typer.Option(help="Language of the invitation: en or fr.")] = "en",
    as_json: JsonOption = False,
) -> None:
    """Invite a person: they get a single-use link to create their account."""
    try:
        with components() as parts:
            with unit_of_work(parts.session_factory) as db:
                message = invite(
                    db,
                    issuer=parts.settings.issuer,
                    email=email,
                    name=name,
                    locale="fr" if locale == "fr" else "en",
                    invited_by=None,
                    now=parts.clock.now(),
                )
            with mailing_after(f"the invitation to {message.to}"):
                parts.mailer.send(with_help(message, parts.settings.issuer))
    except InvalidInput as error:
        fail(error.field, error.message, as_json)
    except IdpError as error:
        fail("email", error.message, as_json)
    emit({"email": message.to, "status": "sent"}, as_json, f"invitation sent to {message.to}")


ReasonOption = Annotated[str, typer.Option(help="Why (kept in the audit log, shown to them).")]
OfficerOption = Annotated[
    str, typer.Option("--officer", help="Who decides (an officer's email; the audit names them).")
]


def _officer_subject(db: Session, officer: str, as_json: bool) -> str:
    account = find_account_by_email(db, officer) if officer else None
    if account is None or not account.has_role(Role.OFFICER):
        fail("officer", "--officer must be the email of an officer's account", as_json)
    return account.subject


@representatives.command("suspend")
def representatives_suspend(
    email: Annotated[str, typer.Option(help="The representative's email.")],
    officer: OfficerOption,
    reason: ReasonOption = "",
    as_json: JsonOption = False,
) -> None:
    """Suspend a representative, with a reason: every delegation to them, pending ones
    included, stops at once, and they can take none until reinstated."""
    count = _change_standing(suspend, email, officer, reason, as_json)
    emit({"suspended_delegations": count}, as_json, f"{count} delegations suspended")


@representatives.command("reinstate")
def representatives_reinstate(
    email: Annotated[str, typer.Option(help="The representative's email.")],
    officer: OfficerOption,
    reason: ReasonOption = "",
    as_json: JsonOption = False,
) -> None:
    """End a representative's suspension, with a reason: exactly what it stopped is
    restored, with their representative record."""
    count = _change_standing(reinstate, email, officer, reason, as_json)
    emit({"reinstated_delegations": count}, as_json, f"{count} delegations reinstated")


def _change_standing(
    operation: Callable[..., StatusChange], email: str, officer: str, reason: str, as_json: bool
) -> int:
    """Suspend or reinstate in one unit of work, mail the representative after it commits;
    the number of delegations the change stopped or restored."""
    try:
        with components() as parts:
            with unit_of_work(parts.session_factory) as db:
                by = _officer_subject(db, officer, as_json)
                account = _account(db, email, as_json)
                change = operation(
                    db,
                    parts.delegation_events,
                    account,
                    by=by,
                    reason=reason,
                    now=parts.clock.now(),
                )
            with mailing_after("the change"):
                parts.mailer.send(with_help(change.mail, parts.settings.issuer))
    except InvalidInput as error:
        fail(error.field, error.message, as_json)
    return change.delegations


def _account(db: Session, email: str, as_json: bool) -> Account:
    account = find_account_by_email(db, email)
    if account is None:
        fail("email", "no account with this email", as_json)
    return account

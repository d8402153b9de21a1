"""Family pages: `/account/household` (what is shared with you, whom you invited) and
`/account/household/invite` (invite a family member and appoint them in one step).

Inviting needs a second factor proven in the last 15 minutes, like any appointment
(`RecentSecondFactor`); withdrawing an invitation only narrows access, so it does not.
The form names every field at fault at once and keeps what was typed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from consent import (
    ACTION_LABELS,
    MAX_DELEGATION_YEARS,
    READ_ACTIONS,
    Action,
    applications_of_applicant,
    last_delegation_day,
    parse_actions,
)
from idp.accounts.models import Account
from idp.authn.deps import Me, RecentSecondFactor
from idp.clients.deps import Portals
from idp.clients.names import PortalNames
from idp.clock import end_of_day, local_date
from idp.family.household import household_of, invited_by
from idp.family.invitations import (
    FamilyInvite,
    cancel_family_invitation,
    check_family_invite,
    invite_family_member,
)
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import AppSettings, Db, Now, Router
from idp.http.pages import render_page
from idp.http.params import Params
from idp.notifications.deps import Mail

router = Router()
HOUSEHOLD = "/account/household"
INVITE = f"{HOUSEHOLD}/invite"
ALL_AT_PREFIX = "all:"
DEFAULT_DAYS = 365
LANGUAGES = (("en", "English"), ("fr", "Français"))


@router.get(HOUSEHOLD)
def household(request: Request, me: Me, db: Db, portals: Portals, now: Now) -> Response:
    context = {
        "members": household_of(db, portals, me.subject, now),
        "invited": invited_by(db, me.subject, now),
        "notice": request.query_params.get("notice"),
    }
    return render_page(request, "family/household.html", context)


def _form_context(
    db: Session, portals: PortalNames, account: Account, now: datetime, zone: tzinfo
) -> dict[str, Any]:
    mine = applications_of_applicant(db, account.subject)
    # Program and portal names in each page language: a refused form is kept for its
    # language switch (`idp.http.snapshots`), and the template names them in the page's.
    return {
        "applications": [
            {
                "id": a.id,
                "number": a.portal_reference,
                "program": portals.program_in_each_language(a.portal_client_id, a.program),
                "portal": portals.name_in_each_language(a.portal_client_id),
            }
            for a in mine
        ],
        "all_at": [
            (ALL_AT_PREFIX + client_id, portals.name_in_each_language(client_id))
            for client_id in sorted({a.portal_client_id for a in mine})
        ],
        "actions": [(a.value, ACTION_LABELS[a]) for a in Action if a in READ_ACTIONS],
        "languages": LANGUAGES,
        "values": {
            "locale": account.locale,
            "actions": [a.value for a in Action if a in READ_ACTIONS],
            # a year from today in the service's zone, the days the form's dates are in
            "valid_until": (local_date(now, zone) + timedelta(days=DEFAULT_DAYS)).isoformat(),
        },
        "errors": {},
        "max_years": MAX_DELEGATION_YEARS,
        "last_day": last_delegation_day(now, zone).isoformat(),  # told when a later one is
    }


def _until(value: str, zone: tzinfo) -> datetime | None:
    """The typed day's last instant in the service's zone (midnight there, not UTC's)."""
    try:
        return end_of_day(date.fromisoformat(value), zone)
    except ValueError:
        return None


def read_invite(form: Params, zone: tzinfo) -> tuple[FamilyInvite, dict[str, str]]:
    """The invitation the form asks for, and what is wrong with its choices."""
    chosen = form.all.get("applications", [])
    whole = [c.removeprefix(ALL_AT_PREFIX) for c in chosen if c.startswith(ALL_AT_PREFIX)]
    named = [c for c in chosen if not c.startswith(ALL_AT_PREFIX)]
    errors: dict[str, str] = {}
    if not chosen:
        errors["applications"] = "choose_applications"
    elif len(whole) > 1 or (whole and named):
        errors["applications"] = "one_portal_or_named"
    try:
        actions = parse_actions(form.all.get("actions", []))
    except ValueError:
        actions = []
    if not actions:
        errors["actions"] = "invalid_choice"
    invite = FamilyInvite(
        name=form.text("name"),
        email=form.text("email"),
        locale=form.text("locale"),
        actions=actions,
        valid_until=_until(form.text("valid_until"), zone),
        application_ids=named,
        portal_client_id=whole[0] if whole else None,
    )
    return invite, errors


@router.get(INVITE)
def invite_form(
    request: Request,
    me: RecentSecondFactor,
    db: Db,
    portals: Portals,
    settings: AppSettings,
    now: Now,
) -> Response:
    context = _form_context(db, portals, me.account, now, settings.display_zone)
    return render_page(request, "family/invite.html", context)


@router.post(INVITE)
def invite_submit(
    request: Request,
    form: CsrfForm,
    me: RecentSecondFactor,
    db: Db,
    portals: Portals,
    settings: AppSettings,
    mail: Mail,
    now: Now,
) -> Response:
    invite, errors = read_invite(form, settings.display_zone)
    errors = check_family_invite(db, me.account, invite, now, settings.display_zone) | errors
    if not errors:
        mail.send(invite_family_member(db, me.account, invite, issuer=settings.issuer, now=now))
        return RedirectResponse(f"{HOUSEHOLD}?notice=invited", status_code=303)
    context = _form_context(db, portals, me.account, now, settings.display_zone)
    context["values"] = {
        "name": invite.name,
        "email": invite.email,
        "locale": invite.locale,
        "applications": form.all.get("applications", []),
        "actions": form.all.get("actions", []),
        "valid_until": form.text("valid_until"),
    }
    context["errors"] = errors
    return render_page(request, "family/invite.html", context, status_code=400)


@router.post(HOUSEHOLD + "/invitations/{family_invitation_id}/cancel", dependencies=CSRF_CHECKED)
def cancel(family_invitation_id: str, me: Me, db: Db, now: Now) -> Response:
    done = cancel_family_invitation(db, me.subject, family_invitation_id, now)
    notice = "cancelled" if done else "not_cancelled"
    return RedirectResponse(f"{HOUSEHOLD}?notice={notice}", status_code=303)

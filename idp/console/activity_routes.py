"""The applicant's activity log: the page, its signed export and a printable version.

- `GET /account/activity?from=&to=`: every entry of the period (days in the service's
  zone, `IDP_DISPLAY_TIMEZONE`, as its pages show them; both included), newest first, in
  plain words (`activity.py`).
- `GET /account/activity/export?from=&to=`: the period as a JWS download
  (`application/jose`), at most `MAX_EXPORT_ENTRIES` entries: a longer period is refused
  beside the date fields, never cut short silently.
- `GET /account/activity/{seq}/export`: one entry as a JWS download.
- `GET /account/activity/print?from=&to=`: the period as a page to print or save as PDF
  (print styles, no script).

A date that is not a date, or a period that ends before it starts, re-renders the page
with the message beside the field (400).
"""

from __future__ import annotations

from datetime import date, tzinfo
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.responses import Response

from consent import AuditEntry, events_between, find_event
from idp.authn.deps import Me, SignedIn
from idp.clients.deps import Portals
from idp.clients.names import PortalNames
from idp.console.activity import (
    EXPORT_ALG,
    MAX_EXPORT_ENTRIES,
    ActivityDescriber,
    ActivityEntry,
    Period,
    sign_export,
)
from idp.console.views import people
from idp.http.deps import AppSettings, Db, Keys, Now, Router
from idp.http.pages import render_page
from idp.http.params import Params, Query

router = Router()
ACTIVITY = "/account/activity"
PAGE_ENTRIES = 200
JOSE_MEDIA_TYPE = "application/jose"  # RFC 7515 §9.2.1: a JWS in compact serialization


def read_period(query: Params, zone: tzinfo) -> tuple[Period, dict[str, str]]:
    """The period the query asks for, in days of `zone`, and the fields at fault (all of
    them at once)."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        text = query.text(name).strip()
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            days[name], errors[name] = None, "invalid_date"
    start, end = days["from"], days["to"]
    if start is not None and end is not None and end < start:
        errors["to"] = "end_before_start"
    return Period(start, end, zone), errors


def _describer(
    request: Request, db: Session, me: SignedIn, portals: PortalNames, entries: list[AuditEntry]
) -> ActivityDescriber:
    return ActivityDescriber(
        db,
        portals,
        people(db, {e.actor for e in entries}),
        me.subject,
        getattr(request.state, "locale", "en"),
    )


def _entries(
    request: Request, db: Session, me: SignedIn, portals: PortalNames, period: Period, limit: int
) -> list[ActivityEntry]:
    raw = events_between(db, me.subject, *period.bounds(), limit=limit)
    describer = _describer(request, db, me, portals, raw)
    return [describer.describe(e) for e in raw]


def _page(
    request: Request, entries: list[ActivityEntry], query: Params, errors: dict[str, str]
) -> Response:
    values = {"from": query.text("from")[:10], "to": query.text("to")[:10]}
    context = {
        "entries": entries,
        "values": values,
        "errors": errors,
        "period_query": urlencode({k: v for k, v in values.items() if v}),
        "max_export": MAX_EXPORT_ENTRIES,
    }
    return render_page(
        request, "console/activity.html", context, status_code=400 if errors else 200
    )


@router.get(ACTIVITY)
def activity(
    request: Request, me: Me, db: Db, portals: Portals, settings: AppSettings, query: Query
) -> Response:
    period, errors = read_period(query, settings.display_zone)
    if errors:
        period = Period()
    return _page(request, _entries(request, db, me, portals, period, PAGE_ENTRIES), query, errors)


def _download(token: str, filename: str) -> Response:
    return Response(
        token,
        media_type=JOSE_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _owner(me: SignedIn) -> dict[str, str]:
    return {"name": me.account.name, "email": me.account.email}


@router.get(ACTIVITY + "/export")
def export_period(
    request: Request,
    me: Me,
    db: Db,
    portals: Portals,
    keys: Keys,
    settings: AppSettings,
    now: Now,
    query: Query,
) -> Response:
    period, errors = read_period(query, settings.display_zone)
    entries = [] if errors else _entries(request, db, me, portals, period, MAX_EXPORT_ENTRIES + 1)
    if len(entries) > MAX_EXPORT_ENTRIES:
        errors = {"from": "too_many_entries"}
    if errors:
        return _page(
            request, _entries(request, db, me, portals, Period(), PAGE_ENTRIES), query, errors
        )
    token = sign_export(
        keys.signing_key(db, EXPORT_ALG),
        entries,
        issuer=settings.issuer,
        owner=_owner(me),
        locale=getattr(request.state, "locale", "en"),
        now=now,
        period=period,
    )
    span = "-".join(d.isoformat() for d in (period.start, period.end) if d) or "all"
    return _download(token, f"passerelle-activity-{span}.jws")


@router.get(ACTIVITY + "/print")
def printable(
    request: Request,
    me: Me,
    db: Db,
    portals: Portals,
    settings: AppSettings,
    now: Now,
    query: Query,
) -> Response:
    period, errors = read_period(query, settings.display_zone)
    if errors:
        return _page(
            request, _entries(request, db, me, portals, Period(), PAGE_ENTRIES), query, errors
        )
    context = {
        "entries": _entries(request, db, me, portals, period, MAX_EXPORT_ENTRIES),
        "period": period,
        "owner": _owner(me),
        "printed_at": now,
        "period_query": urlencode(
            {k: v for k, v in period.to_claims().items() if v and k in ("from", "to")}
        ),
    }
    return render_page(request, "console/activity_print.html", context)


@router.get(ACTIVITY + "/{seq}/export")
def export_entry(
    request: Request,
    seq: str,
    me: Me,
    db: Db,
    portals: Portals,
    keys: Keys,
    settings: AppSettings,
    now: Now,
) -> Response:
    entry = find_event(db, me.subject, int(seq)) if seq.isdigit() and len(seq) < 19 else None
    if entry is None:
        raise HTTPException(404)
    described = _describer(request, db, me, portals, [entry]).describe(entry)
    token = sign_export(
        keys.signing_key(db, EXPORT_ALG),
        [described],
        issuer=settings.issuer,
        owner=_owner(me),
        locale=getattr(request.state, "locale", "en"),
        now=now,
    )
    return _download(token, f"passerelle-activity-entry-{entry.seq}.jws")

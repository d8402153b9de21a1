"""`/account/dashboard`: the representative's clients and applications across portals,
filtered by portal, application status, unread correspondence and access ending soon."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from idp.authn.deps import Me
from idp.clients.deps import Portals
from idp.console.dashboard import EXPIRING_SOON_DAYS, DashboardFilter, dashboard_rows
from idp.http.deps import Db, Now, Router
from idp.http.pages import render_page
from idp.http.params import Query
from idp.representatives.service import find_representative_of_account

router = Router()
MAX_FILTER_LENGTH = 64


@router.get("/account/dashboard")
def dashboard(
    request: Request, query: Query, me: Me, db: Db, portals: Portals, now: Now
) -> Response:
    rows = dashboard_rows(db, me.subject, now, portals)
    wanted = DashboardFilter(
        portal=query.text("portal")[:MAX_FILTER_LENGTH],
        status=query.text("status")[:MAX_FILTER_LENGTH],
        unread=query.get("unread") == "1",
        expiring=query.get("expiring") == "1",
    )
    context = {
        "rows": [r for r in rows if wanted.keeps(r)],
        "total": len(rows),
        "clients": len({r.client for r in rows}),
        "filter": wanted,
        "portals": sorted({(r.portal_id, r.portal) for r in rows}, key=lambda p: p[1]),
        "statuses": sorted({(r.status, r.status_label) for r in rows}, key=lambda s: s[1]),
        "expiring_days": EXPIRING_SOON_DAYS,
        "representative": find_representative_of_account(db, me.account.id),
    }
    return render_page(request, "console/dashboard.html", context)

"""The account console's routers, one module per who uses them and what for.

- `account_routes.py`: the account home, sessions, connected portals.
- `security_routes.py`: authenticator app, recovery codes, passkeys, password.
- `applicant_routes.py`: my applications, my representatives.
- `activity_routes.py`: the activity log, its signed export and printable version.
- `representative_routes.py`: people I act for.
- `dashboard_routes.py`: the representative's dashboard of clients and applications.
"""

from __future__ import annotations

from idp.console.account_routes import router as account_router
from idp.console.activity_routes import router as activity_router
from idp.console.applicant_routes import router as applicant_router
from idp.console.dashboard_routes import router as dashboard_router
from idp.console.representative_routes import router as representative_router
from idp.console.security_routes import router as security_router

routers = (
    account_router,
    security_router,
    applicant_router,
    activity_router,
    representative_router,
    dashboard_router,
)

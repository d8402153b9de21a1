"""OpenID Connect Front-Channel Logout 1.0: the signed-out page frames each portal's logout.

When a browser session ends here (RP-initiated `/logout`, or "sign out everywhere" in this
browser), the page that says so embeds one invisible iframe per portal signed into through
that session that registered a `frontchannel_logout_uri` (section 3), with `iss` and `sid`
query parameters when the portal registered `frontchannel_logout_session_required`
(section 2). Other browsers of the account cannot be reached this way: back-channel logout
covers them. The page's Content-Security-Policy allows frames from exactly those origins
(`frame-src`), every other page keeps the service's; the frames are sandboxed so a portal's
page cannot navigate ours. Once they have loaded, a static script (`frontchannel.js`; the
CSP forbids inline script) continues to the proven `post_logout_redirect_uri`, which the
page also shows as a link (section 4: the logout frames come before the redirect).

The page is kept for its language switch (`idp.http.snapshots`), even when a `GET /logout`
showed it: its address would run the logout again (and, the session gone, send the browser
on to the portal). The switched page names the portals in the other language and frames
them again, under the same policy, so a switch before the frames loaded still signs the
portals out; nothing here ends anything a second time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from authlib.common.urls import add_params_to_uri
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from idp.clients.profiles import PortalProfiles
from idp.clients.registration import origin_of
from idp.clients.service import find_client
from idp.http.locale import SUPPORTED_LOCALES
from idp.http.pages import render_page

SIGNED_OUT_TEMPLATE = "oidc/logged_out.html"
SIGNED_OUT_FALLBACK = "/login"  # the switch's link if the page could not be kept
# What a CSP source may be here: an origin, never a directive smuggled in a host name.
CSP_SOURCE = re.compile(
    r"https?://[a-z0-9.\-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?"
)


@dataclass(frozen=True, slots=True)
class LogoutFrame:
    """A portal's logout frame: its URI, and the portal's name in each page language."""

    src: str
    portal: dict[str, str]


def logout_frames(
    db: Session,
    profiles: PortalProfiles,
    issuer: str,
    client_ids: Sequence[str],
    sid: str,
) -> list[LogoutFrame]:
    """The iframe of each portal of the session that registered a front-channel URI."""
    frames = []
    for client_id in dict.fromkeys(client_ids):
        client = find_client(db, client_id)
        if client is None or not client.frontchannel_logout_uri:
            continue
        if not CSP_SOURCE.fullmatch(origin_of(client.frontchannel_logout_uri)):
            continue  # registration checks the URI; a host a CSP could misread is not framed
        src = client.frontchannel_logout_uri
        if client.frontchannel_logout_session_required:
            src = str(add_params_to_uri(src, [("iss", issuer), ("sid", sid)]))
        names = {language: profiles.portal_name(client, language) for language in SUPPORTED_LOCALES}
        frames.append(LogoutFrame(src=src, portal=names))
    return frames


def frame_sources(frames: Sequence[LogoutFrame]) -> list[str]:
    return sorted({origin_of(frame.src) for frame in frames})


def signed_out_page(
    request: Request, frames: Sequence[LogoutFrame], continue_to: str | None
) -> Response:
    """The signed-out page; with frames, its CSP allows exactly their origins."""
    context = {"frames": [asdict(frame) for frame in frames], "continue_to": continue_to}
    return render_page(
        request,
        SIGNED_OUT_TEMPLATE,
        context,
        address=SIGNED_OUT_FALLBACK,
        frame_sources=frame_sources(frames),
        keep=True,
    )

"""HTTP routes of the OAuth endpoints: authorize, consent, par, token, introspect, revoke.

Each handler is a plain `def` (run in FastAPI's thread pool) that builds the request's
`OAuthContext` on the unit of work's session and hands it to the pipeline
(`authorization.py`) or to authlib; the parameters were read before, without blocking.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, RedirectResponse, Response

from consent import ACTION_LABELS, Action
from idp.authn.deps import SignedIn, signed_in_here
from idp.authn.interactions import Interaction, Interactions
from idp.authn.signin import PendingSignIn
from idp.authn.web import start_second_factor
from idp.clients.deps import client_names
from idp.db import release_in_this_thread
from idp.http.csrf import CsrfForm
from idp.http.deps import AppSettings, Db, Now, ReadDb, Router, Store
from idp.http.locale import prefer_ui_locales
from idp.http.pages import render_page
from idp.http.params import Params, read_form, read_query
from idp.metrics import count_token_issued
from idp.oauth.authorization import Authorization, authorize
from idp.oauth.client_auth import has_readable_basic_credentials
from idp.oauth.consents import record_consent
from idp.oauth.context import OAuthContext
from idp.oauth.deps import Server
from idp.oauth.errors import InvalidClientError, InvalidRequestError, OAuth2Error
from idp.oauth.outcomes import (
    Outcome,
    Redirect,
    ShowConsent,
    ShowDelegatedConsent,
    ShowError,
    ShowLogin,
    ShowStepUp,
)
from idp.oauth.par import PAR_PATH, push_authorization_request
from idp.oauth.requests import HttpRequestInfo, OAuthRequest
from idp.oauth.server import NO_STORE_HEADERS
from idp.settings import Settings

router = Router()
AUTHORIZE_PATH = "/authorize"


def _info(request: Request, params: Params) -> HttpRequestInfo:
    return HttpRequestInfo(
        method=request.method,
        path=request.url.path,
        headers=request.headers,  # type: ignore[arg-type]  # case-insensitive mapping
        params=params,
        client_host=request.client.host if request.client else "",
    )


async def query_info(request: Request) -> HttpRequestInfo:
    return _info(request, read_query(request))


async def form_info(request: Request) -> HttpRequestInfo:
    return _info(request, await read_form(request))


def error_page(request: Request, detail: str, status_code: int = 400) -> Response:
    return render_page(
        request,
        "errors/error.html",
        {
            "status_code": status_code,
            "title_msgid": "This request cannot be completed",
            "message_msgid": "The portal that sent you here made an invalid request. "
            "Go back to the portal and try again.",
            "detail": detail,
        },
        status_code=status_code,
    )


def expired_page(request: Request) -> Response:
    return render_page(
        request,
        "errors/error.html",
        {
            "status_code": 400,
            "title_msgid": "This request cannot be completed",
            "message_msgid": "Your session has expired. Please start again.",
            "detail": "",
        },
        status_code=400,
    )


def render_outcome(
    request: Request, outcome: Outcome, store: Store, settings: Settings
) -> Response:
    """The response to an authorization step. The consent pages name the portal as its
    profile does, in the page's language (a client without a profile: its registered name)."""
    if isinstance(outcome, Redirect):
        return RedirectResponse(outcome.location, status_code=302, headers=NO_STORE_HEADERS)
    if isinstance(outcome, ShowStepUp):
        pending = PendingSignIn.new(
            outcome.account_id, [], outcome.interaction_id, step_up=True, sid=outcome.sid
        )
        return start_second_factor(store, pending, secure=settings.cookie_secure)
    if isinstance(outcome, ShowLogin):
        return RedirectResponse(f"/login?interaction={outcome.interaction_id}", status_code=303)
    if isinstance(outcome, ShowConsent):
        prefer_ui_locales(request.state, request.query_params.get("lang"), outcome.ui_locales)
        context = {
            "client_names": client_names(request, outcome.client),
            "scopes": outcome.scopes,
            "interaction": outcome.interaction_id,
        }
        schemes = outcome.client.form_action_schemes(outcome.redirect_uri)
        return render_page(request, "oauth/consent.html", context, form_action_schemes=schemes)
    if isinstance(outcome, ShowDelegatedConsent):
        prefer_ui_locales(request.state, request.query_params.get("lang"), outcome.ui_locales)
        entries = [
            (entry["application"], [ACTION_LABELS[Action(a)] for a in entry["actions"]])
            for entry in outcome.granted
        ]
        delegated: dict[str, object] = {
            "client_names": client_names(request, outcome.client),
            "principal_name": outcome.principal_name,
            "entries": entries,
            "interaction": outcome.interaction_id,
        }
        return render_page(
            request,
            "oauth/delegated_consent.html",
            delegated,
            form_action_schemes=outcome.client.form_action_schemes(outcome.redirect_uri),
        )
    assert isinstance(outcome, ShowError)  # the Outcome union is closed
    return error_page(request, f"{outcome.error}: {outcome.description}")


def _run_authorization(
    request: Request,
    info: HttpRequestInfo,
    db: Session,
    store: Store,
    settings: Settings,
    server: Server,
    me: SignedIn | None,
    now: Now,
    interaction: Interaction | None = None,
    *,
    denied: bool = False,
) -> Response:
    auth = Authorization(
        server=server,
        request=OAuthRequest(info, OAuthContext(db, now, server.clients, server.subjects)),
        interactions=Interactions(store, settings.interaction_ttl_seconds),
        browser=me.session if me else None,
        interaction=interaction,
        denied=denied,
    )
    return render_outcome(request, authorize(auth), store, settings)


@router.get(AUTHORIZE_PATH)
def authorize_get(
    request: Request,
    info: Annotated[HttpRequestInfo, Depends(query_info)],
    db: Db,
    store: Store,
    settings: AppSettings,
    server: Server,
    now: Now,
) -> Response:
    me = signed_in_here(request, db, now)
    return _run_authorization(request, info, db, store, settings, server, me, now)


@router.post(AUTHORIZE_PATH)
def authorize_post(
    request: Request,
    info: Annotated[HttpRequestInfo, Depends(form_info)],
    db: Db,
    store: Store,
    settings: AppSettings,
    server: Server,
    now: Now,
) -> Response:
    me = signed_in_here(request, db, now)
    return _run_authorization(request, info, db, store, settings, server, me, now)


def _resumed(request: Request, interaction: Interaction) -> HttpRequestInfo:
    return HttpRequestInfo(
        method="GET",
        path=AUTHORIZE_PATH,
        headers=request.headers,  # type: ignore[arg-type]
        params=interaction.parameters,
    )


@router.get("/authorize/resume")
def authorize_resume(
    request: Request,
    db: Db,
    store: Store,
    settings: AppSettings,
    server: Server,
    now: Now,
) -> Response:
    interactions = Interactions(store, settings.interaction_ttl_seconds)
    interaction = interactions.find(request.query_params.get("interaction"))
    if interaction is None:
        return expired_page(request)
    info, me = _resumed(request, interaction), signed_in_here(request, db, now)
    return _run_authorization(request, info, db, store, settings, server, me, now, interaction)


@router.post("/authorize/consent")
def authorize_consent(
    request: Request,
    form: CsrfForm,
    db: Db,
    store: Store,
    settings: AppSettings,
    server: Server,
    now: Now,
) -> Response:
    interactions = Interactions(store, settings.interaction_ttl_seconds)
    interaction = interactions.find(form.get("interaction"))
    me = signed_in_here(request, db, now) if interaction is not None else None
    if interaction is None or me is None:
        return expired_page(request)
    info = _resumed(request, interaction)
    if form.get("decision") != "allow":
        interactions.finish(interaction.id)
        return _run_authorization(
            request, info, db, store, settings, server, me, now, interaction, denied=True
        )
    params = interaction.parameters
    if params.get("authorization_details") is None:
        # A delegated request is confirmed each time, not remembered as a scope consent.
        client_id, scope = params.text("client_id"), params.text("scope")
        record_consent(db, me.account.id, client_id, scope, now)
    interaction = replace(interaction, consent_done=True)
    return _run_authorization(request, info, db, store, settings, server, me, now, interaction)


def oauth_json_error(error: OAuth2Error) -> Response:
    status, body, headers = error()
    response = JSONResponse(
        dict(body), status_code=status, headers={**dict(headers), **NO_STORE_HEADERS}
    )
    return client_auth_challenge(response)


BASIC_CHALLENGE = 'Basic realm="passerelle"'


def client_auth_challenge(response: Response) -> Response:
    """RFC 6749 section 5.2: answer failed client authentication with 401 and a challenge,
    always ours: authlib's lacks the `realm` RFC 7617 section 2 requires of `Basic`."""
    if response.status_code in (400, 401) and b'"invalid_client"' in bytes(response.body):
        response.status_code = 401
        response.headers["WWW-Authenticate"] = BASIC_CHALLENGE
    return response


def _refusal(info: HttpRequestInfo) -> Response | None:
    """Checks every client-authenticated endpoint makes before authlib sees the request."""
    repeated = info.params.repeated()
    if repeated:
        return oauth_json_error(
            InvalidRequestError(f"parameter '{repeated[0]}' is included more than once")
        )
    if not has_readable_basic_credentials(info.headers.get("authorization")):
        return oauth_json_error(InvalidClientError("the Basic credentials cannot be read"))
    return None


def _endpoint(
    info: HttpRequestInfo, db: Session, server: Server, now: Now, name: str | None
) -> Response:
    refusal = _refusal(info)
    if refusal is not None:
        return refusal
    request = OAuthRequest(info, OAuthContext(db, now, server.clients, server.subjects))
    if name is None:
        response = _token_response(server, request)
    else:
        response = server.create_endpoint_response(name, request)
    return client_auth_challenge(response)


def _token_response(server: Server, request: OAuthRequest) -> Response:
    """RFC 6749 section 5.2: a request without `grant_type` lacks a required parameter,
    `invalid_request` (authlib answers `unsupported_grant_type`)."""
    if not request.payload.grant_type:
        return oauth_json_error(InvalidRequestError("missing 'grant_type'"))
    response: Response = server.create_token_response(request)
    return response


FormInfo = Annotated[HttpRequestInfo, Depends(form_info)]


@router.post("/token")
def token(info: FormInfo, db: Db, server: Server, now: Now) -> Response:
    response = _endpoint(info, db, server, now, None)
    if response.status_code == 200:
        count_token_issued(info.params.get("grant_type"))
    return response


@router.post("/introspect")
def introspect(info: FormInfo, db: ReadDb, server: Server, now: Now) -> Response:
    try:
        return _endpoint(info, db, server, now, "introspection")
    finally:
        release_in_this_thread(db)  # reads only: nothing to commit


@router.post("/revoke")
def revoke(info: FormInfo, db: Db, server: Server, now: Now) -> Response:
    return _endpoint(info, db, server, now, "revocation")


@router.post(PAR_PATH)
def pushed_authorization_request(info: FormInfo, db: Db, server: Server, now: Now) -> Response:
    """RFC 9126 section 2: 201 with the `request_uri` to send the browser to /authorize with."""
    refusal = _refusal(info)
    if refusal is not None:
        return refusal
    request = OAuthRequest(info, OAuthContext(db, now, server.clients, server.subjects))
    try:
        pushed = push_authorization_request(server, request)
    except OAuth2Error as error:
        return oauth_json_error(error)
    body = {"request_uri": pushed.request_uri, "expires_in": pushed.expires_in}
    return JSONResponse(body, status_code=201, headers=NO_STORE_HEADERS)

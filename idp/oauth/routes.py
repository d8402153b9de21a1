"""HTTP routes of the OAuth endpoints: authorize, consent, token, introspect, revoke.

Routes are async only to read the request; the work (database, authlib) runs in the
thread pool. Nothing here decides anything: `authorization.authorize` and authlib do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from consent import ACTION_LABELS, Action
from idp.authn.sessions import SESSION_COOKIE
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.locale import prefer_ui_locales
from idp.http.pages import render_page
from idp.http.params import read_form, read_query, read_request_info
from idp.oauth.authorization import (
    Outcome,
    Redirect,
    ShowConsent,
    ShowDelegatedConsent,
    ShowError,
    ShowLogin,
    ShowStepUp,
    authorize,
    record_consent,
)
from idp.oauth.errors import InvalidRequestError, OAuth2Error
from idp.oauth.interactions import Interactions
from idp.oauth.requests import HttpRequestInfo, OAuthRequest, Params
from idp.oauth.server import NO_STORE_HEADERS, build_server
from idp.runtime import Runtime

router = APIRouter()


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def render_outcome(request: Request, outcome: Outcome) -> Response:
    if isinstance(outcome, Redirect):
        response: Response = RedirectResponse(
            outcome.location, status_code=302, headers=NO_STORE_HEADERS
        )
        if outcome.client_id:
            runtime = runtime_of(request)
            cookie = request.cookies.get(SESSION_COOKIE)
            browser = runtime.browser_sessions.find(cookie)
            if browser is not None and cookie is not None:
                runtime.browser_sessions.add_client(cookie, browser, outcome.client_id)
        return response
    if isinstance(outcome, ShowStepUp):
        from idp.authn.routes import start_step_up

        return start_step_up(runtime_of(request), outcome.account_id, outcome.interaction_id)
    if isinstance(outcome, ShowLogin):
        return RedirectResponse(f"/login?interaction={outcome.interaction_id}", status_code=303)
    if isinstance(outcome, ShowConsent):
        prefer_ui_locales(request.state, request.query_params.get("lang"), outcome.ui_locales)
        return render_page(
            request,
            "oauth/consent.html",
            {
                "client_name": outcome.client_name,
                "scopes": outcome.scopes,
                "interaction": outcome.interaction_id,
            },
        )
    if isinstance(outcome, ShowDelegatedConsent):
        prefer_ui_locales(request.state, request.query_params.get("lang"), outcome.ui_locales)
        return render_page(
            request,
            "oauth/delegated_consent.html",
            {
                "client_name": outcome.client_name,
                "principal_name": outcome.principal_name,
                "entries": [
                    (entry["application"], [ACTION_LABELS[Action(a)] for a in entry["actions"]])
                    for entry in outcome.granted
                ],
                "interaction": outcome.interaction_id,
            },
        )
    assert isinstance(outcome, ShowError)  # the Outcome union is closed
    return error_page(request, outcome.description)


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


async def _authorize(request: Request, *, form: bool) -> Response:
    try:
        info = await read_request_info(request, form=form)
    except OAuth2Error as error:
        # Parameters we cannot parse cannot prove a redirect URI: show a page (RFC 6749 4.1.2.1).
        return error_page(request, error.get_error_description())
    runtime = runtime_of(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    outcome = await run_in_threadpool(authorize, runtime, info, browser)
    return render_outcome(request, outcome)


@router.get("/authorize")
async def authorize_get(request: Request) -> Response:
    return await _authorize(request, form=False)


@router.post("/authorize")
async def authorize_post(request: Request) -> Response:
    return await _authorize(request, form=True)


def _resumed_info(request: Request, params: dict[str, list[str]]) -> HttpRequestInfo:
    return HttpRequestInfo(
        method="GET",
        path="/authorize",
        headers=request.headers,  # type: ignore[arg-type]
        params=Params(all=params),
    )


@router.get("/authorize/resume")
async def authorize_resume(request: Request) -> Response:
    runtime = runtime_of(request)
    interactions = Interactions(runtime.store, runtime.settings.interaction_ttl_seconds)
    try:
        interaction = interactions.find(read_query(request).get("interaction"))
    except OAuth2Error:
        interaction = None
    if interaction is None:
        return expired_page(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    outcome = await run_in_threadpool(
        authorize, runtime, _resumed_info(request, interaction.params), browser, interaction
    )
    return render_outcome(request, outcome)


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


@router.post("/authorize/consent")
async def authorize_consent(request: Request) -> Response:
    runtime = runtime_of(request)
    try:
        form = await read_form(request)
    except OAuth2Error as error:
        return error_page(request, error.get_error_description())
    if not is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)):
        return expired_page(request)
    interactions = Interactions(runtime.store, runtime.settings.interaction_ttl_seconds)
    interaction = interactions.find(form.get("interaction"))
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if interaction is None or browser is None:
        return expired_page(request)
    decision = form.get("decision")
    info = _resumed_info(request, interaction.params)
    if decision == "allow":
        if "authorization_details" not in interaction.params:
            # A delegated request is confirmed each time, not remembered as a scope consent.
            await run_in_threadpool(record_consent, runtime, interaction, browser.account_id)
        interaction = replace(interaction, consent_done=True)
        outcome = await run_in_threadpool(authorize, runtime, info, browser, interaction)
    else:
        interactions.finish(interaction.id)
        outcome = await run_in_threadpool(
            authorize, runtime, info, browser, interaction, denied=True
        )
    return render_outcome(request, outcome)


def _oauth_json_error(error: OAuth2Error) -> Response:
    status, body, headers = error()
    return JSONResponse(
        dict(body), status_code=status, headers={**dict(headers), **NO_STORE_HEADERS}
    )


def _run_endpoint(runtime: Runtime, info: HttpRequestInfo, name: str | None) -> Response:
    with runtime.transaction() as db:
        server = build_server(runtime, db)
        request = OAuthRequest(info)
        repeated = info.params.repeated()
        if repeated:
            return _oauth_json_error(
                InvalidRequestError(f"parameter '{repeated[0]}' is included more than once")
            )
        if name is None:
            response: Response = server.create_token_response(request)
        else:
            response = server.create_endpoint_response(name, request)
        return response


async def _endpoint(request: Request, name: str | None) -> Response:
    try:
        info = await read_request_info(request, form=True)
    except OAuth2Error as error:
        return _oauth_json_error(error)
    response: Any = await run_in_threadpool(_run_endpoint, runtime_of(request), info, name)
    return _client_auth_challenge(response)


def _client_auth_challenge(response: Response) -> Response:
    """RFC 6749 section 5.2: answer failed client authentication with 401 and a challenge."""
    if response.status_code in (400, 401) and b'"invalid_client"' in bytes(response.body):
        response.status_code = 401
        if "www-authenticate" not in response.headers:
            response.headers["WWW-Authenticate"] = 'Basic realm="passerelle"'
    return response


@router.post("/token")
async def token(request: Request) -> Response:
    return await _endpoint(request, None)


@router.post("/introspect")
async def introspect(request: Request) -> Response:
    return await _endpoint(request, "introspection")


@router.post("/revoke")
async def revoke(request: Request) -> Response:
    return await _endpoint(request, "revocation")

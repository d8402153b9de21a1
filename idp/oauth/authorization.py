"""The authorization endpoint pipeline (RFC 6749 section 4.1.1, OIDC Core 3.1.2).

Each step either continues or ends the request with an outcome:

| step                | ends with                                                        |
|---------------------|------------------------------------------------------------------|
| validate (authlib)  | error page when client or redirect_uri are not proven, else      |
|                     | redirect with `error`, `state`, `iss` (RFC 9207)                 |
| authenticate        | `login_required` for `prompt=none`, else the sign-in page         |
|                     | (no session, `prompt=login`, `max_age` exceeded)                 |
| consent             | `consent_required` for `prompt=none`, else the consent page      |
|                     | (portal not first-party and scopes not yet approved)             |
| issue               | redirect with `code`, `state`, `iss`                             |

The request's parameters wait in `Interactions` while the person signs in or consents.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from authlib.common.urls import add_params_to_uri
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.authn.sessions import BrowserSession
from idp.authn.signin import required_acr, second_factors
from idp.oauth.authorization_code import AuthenticatedUser
from idp.oauth.authorization_details import parse_authorization_details, resolve_delegated_access
from idp.oauth.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    LoginRequiredError,
    OAuth2Error,
    ascii_description,
)
from idp.oauth.interactions import Interaction, Interactions
from idp.oauth.models import Consent
from idp.oauth.requests import HttpRequestInfo, OAuthRequest, Params
from idp.oauth.server import build_server
from idp.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class ShowError:
    error: str
    description: str


@dataclass(frozen=True, slots=True)
class ShowLogin:
    interaction_id: str


@dataclass(frozen=True, slots=True)
class ShowConsent:
    interaction_id: str
    client_name: str
    scopes: list[str]
    ui_locales: str | None = None


@dataclass(frozen=True, slots=True)
class ShowStepUp:
    interaction_id: str
    account_id: str


@dataclass(frozen=True, slots=True)
class ShowDelegatedConsent:
    """RFC 9396 in the browser: the representative confirms acting for the applicant."""

    interaction_id: str
    client_name: str
    principal_name: str
    granted: list[dict[str, Any]]
    ui_locales: str | None = None


Outcome = Redirect | ShowError | ShowLogin | ShowConsent | ShowStepUp | ShowDelegatedConsent


class UnmetAuthenticationRequirementsError(OAuth2Error):  # type: ignore[misc]  # authlib untyped
    """OIDC Core errata 3.1.2.6: the requested `acr` cannot be reached for this account."""

    error = "unmet_authentication_requirements"


class InteractionRequiredError(OAuth2Error):  # type: ignore[misc]  # authlib untyped
    error = "interaction_required"


def with_issuer(location: str, issuer: str) -> str:
    """RFC 9207 section 2: every authorization response names its issuer."""
    return str(add_params_to_uri(location, [("iss", issuer)]))


def _error_outcome(error: OAuth2Error, state: str | None, issuer: str) -> Outcome:
    if error.redirect_uri:
        error.state = state
        error.description = ascii_description(error.get_error_description() or "")
        _, _, headers = error()
        return Redirect(with_issuer(dict(headers)["Location"], issuer))
    return ShowError(
        error=error.error, description=ascii_description(error.get_error_description() or "")
    )


def _needs_login(
    params: dict[str, str],
    browser: BrowserSession | None,
    account: Account | None,
    interaction: Interaction | None,
    now: datetime,
) -> bool:
    if browser is None or account is None or account.status != "active":
        return True
    fresh = interaction is not None and interaction.login_done
    if "login" in params.get("prompt", "").split() and not fresh:
        return True
    max_age = params.get("max_age")
    return max_age is not None and int(now.timestamp()) - browser.auth_time > int(max_age)


def _needs_consent(
    db: Session,
    client_first_party: bool,
    account_id: str,
    client_id: str,
    scope: str,
    prompt: list[str],
    interaction: Interaction | None,
) -> bool:
    if interaction is not None and interaction.consent_done:
        return False
    if "consent" in prompt:
        return True
    if client_first_party:
        return False
    consent = db.get(Consent, (account_id, client_id))
    return consent is None or not set(scope.split()) <= set(consent.scope.split())


def authorize(
    runtime: Runtime,
    info: HttpRequestInfo,
    browser: BrowserSession | None,
    interaction: Interaction | None = None,
    *,
    denied: bool = False,
) -> Outcome:
    """Run the pipeline for a request (new, or resumed from `interaction`)."""
    issuer = runtime.settings.issuer
    interactions = Interactions(runtime.store, runtime.settings.interaction_ttl_seconds)
    with runtime.transaction() as db:
        server = build_server(runtime, db)
        request = OAuthRequest(info)
        state = request.payload.state
        unprovable = {"client_id", "redirect_uri"} & set(info.params.repeated())
        if unprovable:
            return ShowError("invalid_request", f"parameter '{sorted(unprovable)[0]}' is repeated")
        try:
            grant = server.get_consent_grant(request, end_user=None)
        except OAuth2Error as error:
            return _error_outcome(error, state, issuer)
        params = request.payload.data
        prompt = params.get("prompt", "").split()
        redirect_uri = grant.redirect_uri
        if denied:
            return _error_outcome(AccessDeniedError(redirect_uri=redirect_uri), state, issuer)
        now = server.now()
        account = db.get(Account, browser.account_id) if browser else None
        if _needs_login(params, browser, account, interaction, now):
            if "none" in prompt:
                return _error_outcome(LoginRequiredError(redirect_uri=redirect_uri), state, issuer)
            pending = interaction or interactions.start(info.params.all)
            if interaction is not None and interaction.login_done:
                interactions.save(replace(interaction, login_done=False))
            return ShowLogin(pending.id)
        assert browser is not None  # _needs_login said so
        assert account is not None
        needed = required_acr(params.get("acr_values"))
        if needed is not None and browser.acr != needed:
            if not second_factors(db, account.id).any:
                return _error_outcome(
                    UnmetAuthenticationRequirementsError(
                        "the account has no second factor for the requested acr",
                        redirect_uri=redirect_uri,
                    ),
                    state,
                    issuer,
                )
            if "none" in prompt:
                return _error_outcome(
                    InteractionRequiredError(redirect_uri=redirect_uri), state, issuer
                )
            pending = interaction or interactions.start(info.params.all)
            return ShowStepUp(pending.id, account.id)
        client = request.client
        if params.get("authorization_details") is not None:
            try:
                access = resolve_delegated_access(
                    db,
                    client.client_id,
                    account.subject,
                    parse_authorization_details(params["authorization_details"]),
                    now,
                )
            except OAuth2Error as error:
                error.redirect_uri = redirect_uri
                return _error_outcome(error, state, issuer)
            if interaction is None or not interaction.consent_done:
                if "none" in prompt:
                    return _error_outcome(
                        ConsentRequiredError(redirect_uri=redirect_uri), state, issuer
                    )
                pending = interaction or interactions.start(info.params.all)
                principal = db.scalar(
                    select(Account.name).where(Account.subject == access.principal)
                )
                return ShowDelegatedConsent(
                    pending.id,
                    client.name,
                    principal or "?",
                    access.to_claims(),
                    params.get("ui_locales"),
                )
            server.delegated_access = access
        elif _needs_consent(
            db,
            client.first_party,
            account.id,
            client.client_id,
            request.scope or "",
            prompt,
            interaction,
        ):
            if "none" in prompt:
                return _error_outcome(
                    ConsentRequiredError(redirect_uri=redirect_uri), state, issuer
                )
            pending = interaction or interactions.start(info.params.all)
            return ShowConsent(
                pending.id, client.name, (request.scope or "").split(), params.get("ui_locales")
            )
        user = AuthenticatedUser(
            account=account,
            sid=browser.sid,
            auth_time=browser.auth_time,
            acr=browser.acr,
            amr=browser.amr,
        )
        response = server.create_authorization_response(request, grant_user=user, grant=grant)
        if interaction is not None:
            interactions.finish(interaction.id)
        return Redirect(with_issuer(response.headers["location"], issuer), client.client_id)


def record_consent(runtime: Runtime, interaction: Interaction, account_id: str) -> None:
    """Remember the scopes the person approved for this portal (merged with earlier ones)."""
    params = Params(all=interaction.params)
    client_id, scope = params.get("client_id") or "", params.get("scope") or ""
    with runtime.transaction() as db:
        existing = db.get(Consent, (account_id, client_id))
        now = runtime.clock.now()
        if existing is None:
            db.add(Consent(account_id=account_id, client_id=client_id, scope=scope, granted_at=now))
        else:
            merged = sorted(set(existing.scope.split()) | set(scope.split()))
            existing.scope = " ".join(merged)
            existing.granted_at = now

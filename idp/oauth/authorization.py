"""The authorization endpoint as a pipeline (RFC 6749 section 4.1.1, OIDC Core 3.1.2).

A request runs through named steps, in order; each returns an `Outcome` that ends the
request, or None to go on (as node-oidc-provider's authorization actions do):

| step               | ends the request with                                               |
|--------------------|---------------------------------------------------------------------|
| pushed or signed   | an error page: RFC 9126 `request_uri` or RFC 9101 `request` refused |
|                    | (else their parameters replace the query's)                        |
| client and redirect| an error page while client and redirect_uri are not proven         |
| request            | redirect with `error`, `state`, `iss` (RFC 9207): bad parameters   |
|                    | (an `id_token_hint` not ours), or the person refused               |
| session            | `login_required` for `prompt=none`, else the sign-in page           |
|                    | (no session, inactive account, `prompt=login` or `select_account`, |
|                    | a session of someone other than `id_token_hint` or a `sub` in      |
|                    | `claims` names);                                                   |
|                    | `login_required` after signing in here as someone else              |
| max_age and acr    | the sign-in page past `max_age`; a step-up for `acr_values` or an   |
|                    | essential `acr` claim; `unmet_authentication_requirements` without |
|                    | a second factor, or for an essential `acr` no level here meets      |
| delegated consent  | RFC 9396: `invalid_authorization_details`, or the confirmation page |
| consent            | `consent_required` for `prompt=none`, else the consent page         |
| issue              | redirect with `code`, `state`, `iss`                                |

The request's parameters wait in `Interactions` while the person signs in or consents.
All the state of one request is in `Authorization`; the server object is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from authlib.common.urls import add_params_to_uri
from sqlalchemy import select

from idp.accounts.models import Account
from idp.authn.assurance import ACR_MULTI_FACTOR, ACR_VALUES_SUPPORTED
from idp.authn.interactions import Interaction, Interactions
from idp.authn.sessions import BrowserSession, add_client_to_locked
from idp.authn.signin import required_acr, second_factors
from idp.http.params import Params
from idp.oauth.authorization_code import AuthenticatedUser
from idp.oauth.authorization_details import (
    needs_second_factor,
    parse_authorization_details,
    resolve_delegated_access,
)
from idp.oauth.claims_request import (
    essential_acr_values,
    parse_claims_request,
    requested_subject,
)
from idp.oauth.consents import has_consent
from idp.oauth.errors import (
    AccessDeniedError,
    ConsentRequiredError,
    InteractionRequiredError,
    InvalidClientError,
    InvalidRequestError,
    LoginRequiredError,
    OAuth2Error,
    UnmetAuthenticationRequirementsError,
    ascii_description,
)
from idp.oauth.id_token_hint import (
    InvalidIdTokenHint,
    UnverifiableIdTokenHint,
    read_id_token_hint,
)
from idp.oauth.outcomes import (
    Outcome,
    Redirect,
    ShowConsent,
    ShowDelegatedConsent,
    ShowError,
    ShowLogin,
    ShowStepUp,
)
from idp.oauth.par import redeem_request_uri
from idp.oauth.request_objects import read_request_object
from idp.oauth.requests import OAuthRequest
from idp.oauth.server import IdpAuthorizationServer


def with_issuer(location: str, issuer: str) -> str:
    """RFC 9207 section 2: every authorization response names its issuer."""
    return str(add_params_to_uri(location, [("iss", issuer)]))


@dataclass
class Authorization:
    """One authorization request on its way through the pipeline."""

    server: IdpAuthorizationServer
    request: OAuthRequest
    interactions: Interactions
    browser: BrowserSession | None
    interaction: Interaction | None
    denied: bool = False
    grant: Any = None  # authlib's grant, once client and redirect are proven
    account: Account | None = None
    named_subject: str | None = None  # the `sub` `id_token_hint` or `claims` names

    @property
    def params(self) -> dict[str, str]:
        data: dict[str, str] = self.request.payload.data
        return data

    @property
    def prompt(self) -> list[str]:
        return self.params.get("prompt", "").split()

    def fail(self, error: OAuth2Error) -> Outcome:
        """Redirect the error to the portal once its redirect URI is proven, else a page."""
        issuer = self.server.config.issuer
        description = ascii_description(error.get_error_description() or "")
        if self.grant is not None and not error.redirect_uri:
            error.redirect_uri = self.grant.redirect_uri
        if not error.redirect_uri:
            return ShowError(error=error.error, description=description)
        error.state = self.request.payload.state
        error.description = description
        _, _, headers = error()
        return Redirect(with_issuer(dict(headers)["Location"], issuer))

    def pending(self) -> Interaction:
        """The interaction this request waits in (started now if it had none)."""
        if self.interaction is None:
            self.interaction = self.interactions.start(self.request.info.params.all)
        return self.interaction


Step = Callable[[Authorization], Outcome | None]
UNIDENTIFIED = ""  # the person of an `id_token_hint` whose key is no longer published
REFERENCE_PARAMETERS = frozenset({"client_id", "request", "request_uri"})


def resolve_pushed_or_signed_request(auth: Authorization) -> Outcome | None:
    """RFC 9126 section 4 and RFC 9101 section 6.3: the parameters a `request_uri` or a
    `request` stands for replace the query's. Their redirect URI is not proven yet, so a
    refusal is a page."""
    if auth.interaction is not None:
        return None  # resumed: its parameters were resolved when it started
    try:
        resolved = _resolved_parameters(auth)
    except OAuth2Error as error:
        return ShowError(error.error, ascii_description(error.get_error_description() or ""))
    if resolved is not None:
        info = replace(auth.request.info, params=Params(resolved))
        auth.request = OAuthRequest(info, auth.request.ctx)
    return None


def _resolved_parameters(auth: Authorization) -> dict[str, list[str]] | None:
    params, ctx = auth.request.info.params, auth.request.ctx
    repeated = REFERENCE_PARAMETERS & set(params.repeated())
    if repeated:
        raise InvalidRequestError(f"parameter '{sorted(repeated)[0]}' is repeated")
    if "request" in params.all and "request_uri" in params.all:
        raise InvalidRequestError("'request' and 'request_uri' cannot be used together")
    if "request_uri" in params.all:
        return redeem_request_uri(auth.server.store, params, ctx.timestamp)
    client = ctx.find_client(params.get("client_id"))
    if client is not None and client.require_pushed_authorization_requests:
        raise InvalidRequestError("this client must push its requests to /par (RFC 9126)")
    if "request" not in params.all:
        return None
    if client is None:
        raise InvalidClientError("'client_id' names no client of this server")
    return read_request_object(
        params.text("request"), client, auth.server.config.issuer, ctx.timestamp
    )


def check_client_and_redirect(auth: Authorization) -> Outcome | None:
    unprovable = {"client_id", "redirect_uri"} & set(auth.request.info.params.repeated())
    if unprovable:
        return ShowError("invalid_request", f"parameter '{sorted(unprovable)[0]}' is repeated")
    try:
        auth.grant = auth.server.get_consent_grant(auth.request, end_user=None)
    except OAuth2Error as error:
        return auth.fail(error)
    return None


def check_request(auth: Authorization) -> Outcome | None:
    if auth.denied:
        return auth.fail(AccessDeniedError())
    hint, server, ctx = auth.params.get("id_token_hint"), auth.server, auth.request.ctx
    named = {requested_subject(parse_claims_request(auth.params.get("claims")))}
    if hint:
        try:
            claims = read_id_token_hint(ctx.db, server.keyring, server.config.issuer, hint, ctx.now)
            named.add(str(claims["sub"]))
        except UnverifiableIdTokenHint:
            named.add(UNIDENTIFIED)
        except InvalidIdTokenHint as invalid:
            return auth.fail(InvalidRequestError(invalid.description))
    named.discard(None)
    if len(named) > 1:
        named.discard(UNIDENTIFIED)  # the other names the person
    if len(named) > 1:
        return auth.fail(
            InvalidRequestError("'id_token_hint' and the 'sub' of 'claims' name different people")
        )
    auth.named_subject = named.pop() if named else None
    return None


# `select_account` shows the sign-in page, as `login` does: a browser holds one person's
# session here, so choosing an account is signing in with it (or again with the same).
SIGN_IN_PROMPTS = frozenset({"login", "select_account"})


def check_session(auth: Authorization) -> Outcome | None:
    browser, ctx = auth.browser, auth.request.ctx
    account = ctx.db.get(Account, browser.account_id) if browser is not None else None
    fresh = _signed_in_within(auth)
    asks_sign_in = not SIGN_IN_PROMPTS.isdisjoint(auth.prompt)
    if account is None or not account.is_active or (asks_sign_in and not fresh):
        return _ask_to_sign_in(auth)
    if _is_someone_else_than_named(auth, account, fresh):
        if fresh:
            return auth.fail(LoginRequiredError("signed in as someone the request does not name"))
        return _ask_to_sign_in(auth)
    auth.account = account
    return None


def _signed_in_within(auth: Authorization) -> bool:
    """Whether the browser's session was started by a sign-in within this very request."""
    sid = auth.browser.sid if auth.browser is not None else None
    return auth.interaction is not None and auth.interaction.signed_in_by(sid)


def _is_someone_else_than_named(auth: Authorization, account: Account, fresh: bool) -> bool:
    """OIDC Core 3.1.2.1 (`id_token_hint`) and 5.5.1 (a `sub` value in `claims`): the
    response is positive only for the person the request names, signed in already or within
    this request; a session of someone else is no session for it (`prompt=none` gets
    `login_required`, not a code for another person), and signing in here as someone else
    ends the request with `login_required`. A hint signed by a key we no longer publish
    names someone we cannot identify: only a sign-in within this request answers it."""
    if auth.named_subject is None or (auth.named_subject == UNIDENTIFIED and fresh):
        return False
    ctx = auth.request.ctx
    return ctx.subjects.subject_for(ctx.db, account, auth.request.client) != auth.named_subject


def _ask_to_sign_in(auth: Authorization) -> Outcome:
    if "none" in auth.prompt:
        return auth.fail(LoginRequiredError())
    # A sign-in within this request counts for the session it made, only (`login_sid`):
    # another browser asked to sign in here leaves it as it is.
    return ShowLogin(auth.pending().id)


def _too_old(auth: Authorization, auth_time: int, now: int) -> bool:
    """OIDC Core 3.1.2.1: past `max_age` seconds since the sign-in, sign in again; `max_age=0`
    is `prompt=login` (errata set 2), whatever the clock's second. A sign-in made within this
    very authorization request, in this browser, satisfies it, so the person is not asked
    twice."""
    max_age = auth.params.get("max_age")
    if max_age is None or _signed_in_within(auth):
        return False
    return int(max_age) == 0 or now - auth_time > int(max_age)


def check_assurance(auth: Authorization) -> Outcome | None:
    browser, account, ctx = auth.browser, auth.account, auth.request.ctx
    assert browser is not None  # check_session said so
    assert account is not None
    if _too_old(auth, browser.auth_time, ctx.timestamp):
        return _ask_to_sign_in(auth)
    essential = essential_acr_values(parse_claims_request(auth.params.get("claims")))
    if essential is None:
        needed = required_acr(auth.params.get("acr_values"))
    else:
        # OIDC Core 5.5.1.1: unlike `acr_values`, an essential `acr` MUST be met or fail.
        reachable = [value for value in essential if value in ACR_VALUES_SUPPORTED]
        if not reachable:
            return auth.fail(
                UnmetAuthenticationRequirementsError("no essential 'acr' value is supported")
            )
        needed = required_acr(" ".join(reachable))
    if needed is None or browser.acr == needed:
        return None
    if not second_factors(ctx.db, account.id).any:
        return auth.fail(
            UnmetAuthenticationRequirementsError(
                "the account has no second factor for the requested acr"
            )
        )
    if "none" in auth.prompt:
        return auth.fail(InteractionRequiredError())
    return ShowStepUp(auth.pending().id, account.id, browser.sid)


def check_delegated_access(auth: Authorization) -> Outcome | None:
    raw = auth.params.get("authorization_details")
    if raw is None:
        return None
    ctx, account = auth.request.ctx, auth.account
    assert account is not None
    client = auth.request.client
    try:
        access = resolve_delegated_access(
            ctx.db, client.client_id, account.subject, parse_authorization_details(raw), ctx.now
        )
    except OAuth2Error as error:
        return auth.fail(error)
    browser = auth.browser
    assert browser is not None  # the session step said so
    if needs_second_factor(access) and browser.acr != ACR_MULTI_FACTOR:
        if "none" in auth.prompt:
            return auth.fail(InteractionRequiredError())
        return ShowStepUp(auth.pending().id, account.id, browser.sid)
    if auth.interaction is not None and auth.interaction.consent_done:
        ctx.delegated = access
        return None
    if "none" in auth.prompt:
        return auth.fail(ConsentRequiredError())
    principal = ctx.db.scalar(select(Account.name).where(Account.subject == access.principal))
    return ShowDelegatedConsent(
        auth.pending().id,
        client,
        principal or "?",
        access.to_claims(),
        auth.params.get("ui_locales"),
        auth.params.get("redirect_uri"),
    )


def check_consent(auth: Authorization) -> Outcome | None:
    if auth.params.get("authorization_details") is not None:
        return None  # confirmed by the delegated consent step, each time
    if auth.interaction is not None and auth.interaction.consent_done:
        return None
    client, account = auth.request.client, auth.account
    assert account is not None
    scope = auth.request.scope or ""
    if "consent" not in auth.prompt and (
        client.first_party or has_consent(auth.request.ctx.db, account.id, client.client_id, scope)
    ):
        return None
    if "none" in auth.prompt:
        return auth.fail(ConsentRequiredError())
    return ShowConsent(
        auth.pending().id,
        client,
        scope.split(),
        auth.params.get("ui_locales"),
        auth.params.get("redirect_uri"),
    )


def issue_code(auth: Authorization) -> Outcome:
    browser, account = auth.browser, auth.account
    assert browser is not None  # the session step said so
    assert account is not None
    user = AuthenticatedUser(
        account=account,
        sid=browser.sid,
        auth_time=browser.auth_time,
        acr=browser.acr,
        amr=browser.amr,
    )
    response = auth.server.create_authorization_response(
        auth.request, grant_user=user, grant=auth.grant
    )
    # The endpoint read the session row locked (`signed_in_here`).
    add_client_to_locked(auth.request.ctx.db, browser, auth.request.client.client_id)
    if auth.interaction is not None:
        auth.interactions.finish(auth.interaction.id)
    return Redirect(with_issuer(response.headers["location"], auth.server.config.issuer))


PIPELINE: tuple[tuple[str, Step], ...] = (
    ("pushed or signed request", resolve_pushed_or_signed_request),
    ("client and redirect", check_client_and_redirect),
    ("request", check_request),
    ("session", check_session),
    ("max_age and acr", check_assurance),
    ("delegated consent", check_delegated_access),
    ("consent", check_consent),
    ("issue", issue_code),
)


def authorize(auth: Authorization) -> Outcome:
    """Run the pipeline for a request (new, or resumed from its interaction)."""
    for _name, step in PIPELINE:
        outcome = step(auth)
        if outcome is not None:
            return outcome
    raise AssertionError("the issue step always answers")

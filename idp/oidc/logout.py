"""RP-Initiated Logout 1.0: the `end_session_endpoint`.

`post_logout_redirect_uri` must match one the client registered, exactly; the client is
known from `id_token_hint`'s `aud` or from `client_id` (which must agree). Without a
proven redirect we show our own "signed out" page (no open redirect). A hint naming the
current session signs out at once; otherwise the person confirms (section 2: the OP
SHOULD ask, so a forged link cannot sign people out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.common.urls import add_params_to_uri

from idp.oauth.clients import find_client
from idp.oauth.requests import Params
from idp.runtime import Runtime
from keys import InvalidToken, kid_of, verify_jwt

ID_TOKEN_ALGS = ["RS256", "ES256", "EdDSA"]


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    client_id: str | None
    client_name: str | None
    redirect_to: str | None  # the post-logout redirect with state, when proven
    hint_sid: str | None


class LogoutRejected(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def validate_logout_request(runtime: Runtime, params: Params) -> LogoutRequest:
    hint, client_id = params.get("id_token_hint"), params.get("client_id")
    redirect_uri, state = params.get("post_logout_redirect_uri"), params.get("state")
    repeated = params.repeated()
    if repeated:
        raise LogoutRejected(f"parameter '{repeated[0]}' is included more than once")
    hint_claims: dict[str, Any] | None = None
    with runtime.transaction() as db:
        if hint:
            try:
                keyset = runtime.keyring.verification_keys(
                    db, runtime.clock.now(), kid=kid_of(hint)
                )
                _, hint_claims = verify_jwt(hint, keyset, ID_TOKEN_ALGS)
            except InvalidToken:
                raise LogoutRejected("'id_token_hint' is not an ID token of ours") from None
            if hint_claims.get("iss") != runtime.settings.issuer:
                raise LogoutRejected("'id_token_hint' was issued by another provider")
            aud = hint_claims.get("aud")
            hint_client = aud if isinstance(aud, str) else (aud[0] if aud else None)
            if client_id and client_id != hint_client:
                raise LogoutRejected("'client_id' does not match the 'id_token_hint' audience")
            client_id = hint_client
        client = find_client(db, client_id) if client_id else None
        if client_id and client is None:
            raise LogoutRejected("'client_id' is not a registered client")
        target = None
        if redirect_uri:
            if client is None:
                raise LogoutRejected(
                    "'post_logout_redirect_uri' needs 'id_token_hint' or 'client_id'"
                )
            if redirect_uri not in client.post_logout_redirect_uris:
                raise LogoutRejected("'post_logout_redirect_uri' is not registered for this client")
            target = add_params_to_uri(redirect_uri, [("state", state)]) if state else redirect_uri
        return LogoutRequest(
            client_id=client.client_id if client else None,
            client_name=client.name if client else None,
            redirect_to=target,
            hint_sid=str(hint_claims.get("sid"))
            if hint_claims and hint_claims.get("sid")
            else None,
        )

"""RP-Initiated Logout 1.0: the `end_session_endpoint`.

`post_logout_redirect_uri` must match one the client registered, exactly (a native
client's loopback IP one on any port, RFC 8252 §7.3, `idp.clients.native_apps`); the
client is known from `id_token_hint`'s `aud` or from `client_id` (which must agree). Without a
proven redirect we show our own "signed out" page (no open redirect). A hint naming the
current session signs out at once; otherwise the person confirms (section 2: the OP
SHOULD ask, so a forged link cannot sign people out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.common.urls import add_params_to_uri
from sqlalchemy.orm import Session

from idp.clients.service import RegisteredClient, find_client
from idp.http.params import Params
from idp.oauth.id_token_hint import (
    InvalidIdTokenHint,
    UnverifiableIdTokenHint,
    read_id_token_hint,
)
from keys import Keyring, kid_of


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    client_id: str | None
    client: RegisteredClient | None
    redirect_to: str | None  # the post-logout redirect with state, when proven
    hint_sid: str | None


class LogoutRejected(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _target(
    client: RegisteredClient | None, redirect_uri: str | None, state: str | None
) -> str | None:
    if not redirect_uri:
        return None
    if client is None:
        raise LogoutRejected("'post_logout_redirect_uri' needs 'id_token_hint' or 'client_id'")
    if not client.check_post_logout_redirect_uri(redirect_uri):
        raise LogoutRejected("'post_logout_redirect_uri' is not registered for this client")
    return str(add_params_to_uri(redirect_uri, [("state", state)])) if state else redirect_uri


def _hint_claims(
    db: Session, keyring: Keyring, issuer: str, hint: str, now: datetime
) -> dict[str, Any]:
    """The hint's claims; none for an ID token whose key was rotated out since (section 2:
    the OP SHOULD accept old ID tokens), which proves nothing: as without a hint, the
    person confirms, and a redirect needs `client_id`."""
    try:
        return read_id_token_hint(db, keyring, issuer, hint, now)
    except UnverifiableIdTokenHint:
        if kid_of(hint) is None:
            raise LogoutRejected("'id_token_hint' is not an ID token of ours") from None
        return {}
    except InvalidIdTokenHint as invalid:
        raise LogoutRejected(invalid.description) from None


def validate_logout_request(
    db: Session, keyring: Keyring, issuer: str, params: Params, now: datetime
) -> LogoutRequest:
    hint, client_id = params.get("id_token_hint"), params.get("client_id")
    repeated = params.repeated()
    if repeated:
        raise LogoutRejected(f"parameter '{repeated[0]}' is included more than once")
    hint_claims: dict[str, Any] = {}
    if hint:
        hint_claims = _hint_claims(db, keyring, issuer, hint, now)
    if hint_claims:
        aud = hint_claims.get("aud")
        hint_client = aud if isinstance(aud, str) else (aud[0] if aud else None)
        if client_id and client_id != hint_client:
            raise LogoutRejected("'client_id' does not match the 'id_token_hint' audience")
        client_id = hint_client
    client = find_client(db, client_id) if client_id else None
    if client_id and client is None:
        raise LogoutRejected("'client_id' is not a registered client")
    target = _target(client, params.get("post_logout_redirect_uri"), params.get("state"))
    sid = hint_claims.get("sid")
    return LogoutRequest(
        client_id=client.client_id if client else None,
        client=client,
        redirect_to=target,
        hint_sid=str(sid) if sid else None,
    )

"""Passerelle as a portal sees it: discovery, signing keys, and the OAuth requests.

OAuth requests go through authlib's httpx client (`AsyncOAuth2Client`): it builds the
authorization URL with PKCE (S256), authenticates the portal at the token endpoint
(`client_secret_basic`) and parses token responses. A fresh client per request keeps one
person's tokens out of another's. Every call has a timeout (`OUTBOUND_TIMEOUT_SECONDS`);
a provider that does not answer raises `httpx.HTTPError`, which the app shows as 503.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.urls import add_params_to_uri
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from sample_portal.config import PortalConfig

OUTBOUND_TIMEOUT_SECONDS = 10.0
JWKS_REFETCH_SECONDS = 30
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105  # a URN
CLIENT_AUTH_METHOD = "client_secret_basic"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # a URN
DELEGATION_DETAILS_TYPE = "passerelle_application"


class ProviderUnavailable(Exception):
    """The provider answered with something that is not the JSON the protocol promises."""


class ProviderRefused(Exception):
    """The provider answered with an OAuth error (RFC 6749 §5.2, RFC 8693, RFC 9396)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True, slots=True)
class Metadata:
    """The discovery fields this portal uses (OpenID Connect Discovery 1.0 §3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    introspection_endpoint: str
    end_session_endpoint: str
    iss_parameter_supported: bool  # RFC 9207 §3


def _metadata_from(document: dict[str, Any], expected_issuer: str) -> Metadata:
    # Discovery §4.3: the issuer in the document must be the one we asked for, exactly.
    if document.get("issuer") != expected_issuer:
        raise ProviderRefused("invalid_issuer", "discovery names another issuer")
    return Metadata(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        introspection_endpoint=document["introspection_endpoint"],
        end_session_endpoint=document["end_session_endpoint"],
        iss_parameter_supported=bool(
            document.get("authorization_response_iss_parameter_supported")
        ),
    )


def authorization_details(application_number: str, actions: list[str]) -> str:
    """The RFC 9396 request for acting on one application."""
    return json.dumps(
        [{"type": DELEGATION_DETAILS_TYPE, "application": application_number, "actions": actions}]
    )


class Provider:
    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        self._http = httpx.AsyncClient(timeout=OUTBOUND_TIMEOUT_SECONDS)
        self._metadata: Metadata | None = None
        self._keys = KeySet([])
        self._keys_fetched_at = 0.0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get_json(self, url: str) -> Any:
        response = await self._http.get(url)
        response.raise_for_status()
        try:
            return response.json()
        except ValueError:
            raise ProviderUnavailable(f"{url} did not answer JSON") from None

    async def metadata(self) -> Metadata:
        """Read once, on first use, so the portal may start before the provider."""
        if self._metadata is None:
            document = await self._get_json(
                f"{self.config.issuer}/.well-known/openid-configuration"
            )
            self._metadata = _metadata_from(document, self.config.issuer)
        return self._metadata

    async def keys_for(self, token: str) -> KeySet:
        """The provider's public keys, fetched again when a token names a key we have not
        seen (the provider rotated its keys), at most every `JWKS_REFETCH_SECONDS`, so
        tokens with made-up `kid`s cannot make us hammer the provider."""
        try:
            kid = extract_compact(token.encode()).headers().get("kid")
        except JoseError:
            kid = None  # not a JWT: verification will say so
        known = {key.kid for key in self._keys.keys}
        is_stale = time.monotonic() - self._keys_fetched_at > JWKS_REFETCH_SECONDS
        if not known or (kid is not None and kid not in known and is_stale):
            jwks = await self._get_json((await self.metadata()).jwks_uri)
            self._keys, self._keys_fetched_at = KeySet.import_key_set(jwks), time.monotonic()
        return self._keys

    def _oauth_client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            token_endpoint_auth_method=CLIENT_AUTH_METHOD,
            code_challenge_method="S256",
            redirect_uri=self.config.redirect_uri,
            timeout=OUTBOUND_TIMEOUT_SECONDS,
        )

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        extra = {"acr_values": self.config.acr_values, "ui_locales": self.config.ui_locales}
        async with self._oauth_client() as client:
            url, _ = client.create_authorization_url(
                (await self.metadata()).authorization_endpoint,
                state=state,
                nonce=nonce,
                code_verifier=code_verifier,
                scope=self.config.scope,
                **{name: value for name, value in extra.items() if value},
            )
        return str(url)

    async def _token_request(self, **params: str) -> dict[str, Any]:
        endpoint = (await self.metadata()).token_endpoint
        async with self._oauth_client() as client:
            try:
                return dict(await client.fetch_token(endpoint, **params))
            except OAuthError as error:
                raise ProviderRefused(str(error.error), str(error.description or "")) from None
            except ValueError:  # authlib reads the body as JSON; an HTML error page is not
                raise ProviderUnavailable("the token endpoint did not answer JSON") from None

    async def redeem_code(self, code: str, code_verifier: str) -> dict[str, Any]:
        token = await self._token_request(
            grant_type="authorization_code", code=code, code_verifier=code_verifier
        )
        if not token.get("id_token") or not token.get("access_token"):
            raise ProviderRefused("invalid_response", "no ID token or access token")
        return token

    async def exchange_for_delegated_token(
        self, subject_token: str, application_number: str, actions: list[str]
    ) -> dict[str, Any]:
        """RFC 8693 token exchange: the representative's token for one that acts for the
        applicant on one application, with the named actions (RFC 9396 details)."""
        return await self._token_request(
            grant_type=TOKEN_EXCHANGE,
            subject_token=subject_token,
            subject_token_type=ACCESS_TOKEN_TYPE,
            authorization_details=authorization_details(application_number, actions),
        )

    async def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662: is the token active now, and for whom (a revoke shows at once)."""
        endpoint = (await self.metadata()).introspection_endpoint
        async with self._oauth_client() as client:
            response = await client.introspect_token(endpoint, token=token)
        response.raise_for_status()
        try:
            return dict(response.json())
        except ValueError:
            raise ProviderUnavailable("the introspection endpoint did not answer JSON") from None

    async def end_session_url(self, id_token: str, state: str) -> str:
        """RP-Initiated Logout 1.0 §2: back to our signed-out page after the provider."""
        return str(
            add_params_to_uri(
                (await self.metadata()).end_session_endpoint,
                [
                    ("id_token_hint", id_token),
                    ("post_logout_redirect_uri", self.config.post_logout_redirect_uri),
                    ("state", state),
                ],
            )
        )

"""OpenID Provider metadata (OIDC Discovery 1.0 section 3; RFC 8414) and the JWKS document.

Everything advertised here is enforced elsewhere: a test walks this document and checks
each endpoint answers and each listed method works. `request_uri_parameter_supported` is
false, said explicitly (OIDC Discovery section 3 reads its absence as true): any
`request_uri` but the `urn:ietf:params:oauth:request_uri:` references /par issues is
answered `request_uri_not_supported`, and those are usable whatever this value says
(RFC 9126 section 5: `pushed_authorization_request_endpoint` is enough).
"""

from __future__ import annotations

from typing import Any

from idp.authn.assurance import ACR_VALUES_SUPPORTED
from idp.clients.registration import AUTH_METHODS, GRANT_TYPES, ID_TOKEN_ALGS, SUPPORTED_SCOPES
from idp.oauth.client_auth import ASSERTION_ALGS
from idp.oauth.par import PAR_PATH
from idp.oauth.request_objects import REQUEST_OBJECT_ALGS
from idp.oauth.tokens import ACCESS_TOKEN_ALGS
from idp.oidc.verified_claims import discovery_metadata as verified_claims_metadata

CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "at_hash",
    "name",
    "email",
    "email_verified",
    "locale",
    "updated_at",
    "phone_number",
    "address",
    "firm",
    "representative_id",
    "representative_type",
    "membership",
    "verified_claims",
)


def provider_metadata(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "introspection_endpoint": f"{issuer}/introspect",
        "revocation_endpoint": f"{issuer}/revoke",
        "end_session_endpoint": f"{issuer}/logout",
        "pushed_authorization_request_endpoint": f"{issuer}{PAR_PATH}",
        "require_pushed_authorization_requests": False,
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGS),
        "userinfo_signing_alg_values_supported": ["none"],
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "introspection_endpoint_auth_methods_supported": [m for m in AUTH_METHODS if m != "none"],
        "revocation_endpoint_auth_methods_supported": [m for m in AUTH_METHODS if m != "none"],
        # RFC 8414 section 2: with private_key_jwt listed, no default alg is implied.
        "introspection_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "revocation_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claims_parameter_supported": True,
        "request_parameter_supported": True,
        "request_object_signing_alg_values_supported": list(REQUEST_OBJECT_ALGS),
        "request_uri_parameter_supported": False,  # PAR references only (see above)
        "require_request_uri_registration": False,
        "acr_values_supported": list(ACR_VALUES_SUPPORTED),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["en", "fr"],
        # No `claims_locales_supported`: no claim value here is in a language (Discovery 3).
        "authorization_response_iss_parameter_supported": True,
        "access_token_signing_alg_values_supported": list(ACCESS_TOKEN_ALGS),
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "authorization_details_types_supported": ["passerelle_application"],
        **verified_claims_metadata(),
    }

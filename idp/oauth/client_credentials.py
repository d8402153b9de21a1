"""The client credentials grant (RFC 6749 section 4.4): a portal acting for itself.

The token's `sub` is the client id (RFC 9068 section 2.2). Without a `scope` parameter the
client gets the scopes it is registered for, minus the ones that only make sense for a
person (`openid`, `offline_access`); never a refresh token (RFC 6749 section 4.4.3).
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import grants

from idp.oauth.errors import InvalidScopeError
from idp.oauth.issuance import IssuingGrant, record_grant

PERSON_ONLY_SCOPES = frozenset({"openid", "offline_access", "profile", "email"})


class ClientCredentialsGrant(IssuingGrant, grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [  # noqa: RUF012  # authlib's class attribute
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]

    def create_token_response(self) -> Any:
        client = self.request.client
        registered = set(client.scope.split()) - PERSON_ONLY_SCOPES
        asked = self.request.payload.scope
        if asked:
            wanted = asked.split()
            if any(s not in registered for s in wanted):
                raise InvalidScopeError("'scope' asks for more than the client may have")
            scope = " ".join(wanted)
        else:
            scope = " ".join(sorted(registered))
        record_grant(self.request.ctx, client_id=client.client_id, account_id=None, scope=scope)
        token = self.generate_token(scope=scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER

"""OAuth 2.0 on authlib. RFC → module:

- RFC 6749 (OAuth 2.0): `authorization.py` (pipeline), `authorization_code.py`,
  `refresh_token.py`, `client_credentials.py`, `clients.py`, `server.py`, `routes.py`;
  one client authentication method per request (section 2.3): `client_auth.py`
- RFC 7636 (PKCE): `pkce.py`
- RFC 7523 (private_key_jwt): `client_auth.py`
- RFC 7662 / RFC 7009 (introspection, revocation): `introspection.py`
- RFC 9068 (JWT access tokens), RFC 9700 (refresh rotation): `tokens.py`
- RFC 9207 (`iss` in responses): `authorization.with_issuer`
- RFC 8693 (token exchange): `token_exchange.py`
- RFC 9396 (authorization details): `authorization_details.py`
- RFC 9126 (pushed authorization requests): `par.py`
- RFC 9101 (signed request objects, JAR): `request_objects.py`
- OIDC Core 3.1.2.1 and RP-Initiated Logout 1.0 (`id_token_hint`): `id_token_hint.py`
"""

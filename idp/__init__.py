"""Passerelle's composition root: settings, database, HTTP app, OIDC endpoints, CLI.

- `app.py`: `create_app(settings)`; `bootstrap.py`: settings → runtime.
- `oauth/`: authorization, token, introspection, revocation (authlib grants, one module each).
- `oidc/`: discovery, ID tokens, userinfo, logout.
- `authn/`: sign-in methods and browser sessions; `accounts/`: people's accounts.
- `http/`: errors, CSRF, security headers, locale, page rendering.
- `cli/`: the `idp` command; `migrations/`: the Alembic history.
"""

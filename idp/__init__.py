"""Passerelle's composition root: settings, database, HTTP app, OIDC endpoints, CLI.

Capabilities, each a folder, in layers (a module imports only from its own layer's
foundations and below; `make lint` checks it with import-linter):

- entry: `cli/` (the `idp` command), `app.py` (`create_app`), `bootstrap.py` (settings →
  components), `migrations/`.
- pages and APIs: `console/`, `officer/`, `portal_api/`, `selfservice/`, `dev/`.
- `applications/`: portals' applications (attach rules, links, claims by email).
- `oidc/`: discovery, JWKS, ID tokens, userinfo, logout; `oauth/`: authorization and
  token endpoints on authlib.
- `authn/`: sign-in methods, sessions, step-up; `delegation/`: consent operations with
  their side effects.
- `accounts/`, `clients/`, `outbox/`, `notifications/`: accounts, portals, messages out.
- `http/`: the request core (unit of work, parameters, errors, CSRF, locale, pages).
- foundations: `settings.py`, `clock.py`, `errors.py`, `schema.py`, `db.py`.
"""

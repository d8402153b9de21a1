"""A sample portal: an independent OpenID Connect relying party of Passerelle.

It is the example portal teams copy (see docs/portal-integration.md), so it imports
nothing of the service and talks to it over HTTP only (an import-linter contract keeps
it so). Run it with `python -m sample_portal` (settings in `config.py`).

| module | holds |
|---|---|
| `config.py` | the `PORTAL_*` settings |
| `labels.py` | the names of its program and status codes, from its profile file |
| `provider.py` | discovery, JWKS, the OAuth requests (authlib's httpx client) |
| `tokens.py` | the checks on ID tokens, logout tokens, SETs, delegated tokens |
| `portal_api.py` | the registry and decision API (client-credentials token) |
| `sessions.py`, `events.py` | in-memory sessions and received delegation events |
| `signin.py`, `pages.py`, `receivers.py` | the routes; `portal.py` their shared state |
| `app.py` | `create_app(config)` |
"""

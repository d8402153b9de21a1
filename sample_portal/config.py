"""The sample portal's settings, read once from environment variables (prefix `PORTAL_`).

| variable | default | what |
|---|---|---|
| `PORTAL_ISSUER` | (required) | Passerelle's issuer, e.g. `http://127.0.0.1:8000` |
| `PORTAL_CLIENT_ID`, `PORTAL_CLIENT_SECRET` | (required) | what `idp clients create` printed |
| `PORTAL_CLIENT_FILE` | (empty) | instead of the two above: the JSON `--json` printed |
| `PORTAL_NAME` | `Sample portal` | shown on every page |
| `PORTAL_BASE_URL` | `http://localhost:<port>` | where browsers reach the portal |
| `PORTAL_PORT` | the base URL's port, else 8100 | port to listen on |
| `PORTAL_HOST` | `127.0.0.1` | address to listen on (`0.0.0.0` in a container) |
| `PORTAL_SCOPE` | `openid profile email` | scopes asked at sign-in |
| `PORTAL_API_SCOPE` | `applications:write delegations:read` | the portal API token's scopes |
| `PORTAL_ACR_VALUES` | (empty) | e.g. `urn:passerelle:loa:2` to ask for a second factor |
| `PORTAL_UI_LOCALES` | (empty) | e.g. `fr en`: the language of Passerelle's pages |
| `PORTAL_SAMPLE_APPLICATIONS` | `true` | file two sample applications at each sign-in |
| `PORTAL_PROFILE` | (empty) | the portal's profile file: program and status names for codes |

A missing or malformed value stops startup with a message naming the variable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sample_portal.labels import Labels, LabelsError, load_labels

DEFAULT_PORT = 8100
DEFAULT_SCOPE = "openid profile email"
PORTAL_API_SCOPE = "applications:write delegations:read"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class PortalConfig:
    issuer: str  # the provider's issuer, e.g. http://localhost:8000
    client_id: str
    client_secret: str
    name: str  # shown on every page
    base_url: str  # where people reach this portal, e.g. http://localhost:8100
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    scope: str = DEFAULT_SCOPE
    api_scope: str = PORTAL_API_SCOPE  # without representatives: no delegations:read
    acr_values: str = ""  # e.g. urn:passerelle:loa:2 to ask for a second factor
    ui_locales: str = ""  # e.g. "fr en"
    register_sample_applications: bool = True
    labels: Labels = field(default_factory=Labels)  # from PORTAL_PROFILE; none: codes as sent

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.base_url}/signed-out"

    @property
    def uses_https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def cookie_name(self) -> str:
        # Browsers share cookies between ports of one host: portals on localhost:8101 and
        # localhost:8102 must not overwrite each other's session.
        return f"portal_{urlsplit(self.base_url).port or 443}"


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required")
    return value


def _url(environ: Mapping[str, str], name: str) -> str:
    value = _required(environ, name).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an absolute http(s) URL, got {value!r}")
    return value


def _port(environ: Mapping[str, str], base_url: str | None) -> int:
    """PORTAL_PORT, else the port of PORTAL_BASE_URL, else DEFAULT_PORT."""
    implied = urlsplit(base_url).port if base_url else None
    raw = environ.get("PORTAL_PORT", str(implied or DEFAULT_PORT))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORTAL_PORT must be a port number (1-65535), got {raw!r}")
    return int(raw)


def _credentials(environ: Mapping[str, str]) -> tuple[str, str]:
    """Client id and secret from PORTAL_CLIENT_ID/SECRET, or from PORTAL_CLIENT_FILE (the
    JSON `idp clients create --json` prints)."""
    path = environ.get("PORTAL_CLIENT_FILE", "").strip()
    if not path:
        return _required(environ, "PORTAL_CLIENT_ID"), _required(environ, "PORTAL_CLIENT_SECRET")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"PORTAL_CLIENT_FILE {path!r} is not readable JSON: {error}") from None
    if not isinstance(data, dict) or not data.get("client_id") or not data.get("client_secret"):
        raise ConfigError(f"PORTAL_CLIENT_FILE {path!r} needs client_id and client_secret")
    return str(data["client_id"]), str(data["client_secret"])


def _labels(environ: Mapping[str, str]) -> Labels:
    path = environ.get("PORTAL_PROFILE", "").strip()
    if not path:
        return Labels()
    try:
        return load_labels(Path(path))
    except LabelsError as error:
        raise ConfigError(f"PORTAL_PROFILE {path!r}: {error}") from None


def load_config(environ: Mapping[str, str]) -> PortalConfig:
    client_id, client_secret = _credentials(environ)
    base_url = _url(environ, "PORTAL_BASE_URL") if environ.get("PORTAL_BASE_URL") else None
    port = _port(environ, base_url)
    return PortalConfig(
        issuer=_url(environ, "PORTAL_ISSUER"),
        client_id=client_id,
        client_secret=client_secret,
        name=environ.get("PORTAL_NAME", "Sample portal"),
        base_url=base_url or f"http://localhost:{port}",
        host=environ.get("PORTAL_HOST", "127.0.0.1"),
        port=port,
        scope=environ.get("PORTAL_SCOPE", DEFAULT_SCOPE),
        api_scope=environ.get("PORTAL_API_SCOPE", PORTAL_API_SCOPE),
        acr_values=environ.get("PORTAL_ACR_VALUES", ""),
        ui_locales=environ.get("PORTAL_UI_LOCALES", ""),
        register_sample_applications=environ.get("PORTAL_SAMPLE_APPLICATIONS", "true").lower()
        in ("1", "true", "yes"),
        labels=_labels(environ),
    )

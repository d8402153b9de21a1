"""Native apps' redirect URIs (RFC 8252): which ones they register, how loopback ones match.

A client's `application_type` (OpenID Connect Dynamic Client Registration 1.0 §2) is `web`
(the default) or `native`. A native app receives its code on https (a claimed URI, §7.2)
or on a loopback IP literal over http (§7.3), never on `localhost`, which may resolve
elsewhere or be caught by a firewall (§8.3). Private-use URI schemes (§7.1) are not
offered: the consent form's CSP `form-action` allows http(s) only. RFC 8252 §7.3: the
server "MUST allow any port to be specified at the time of the request for loopback IP
redirect URIs", so for a native client a requested loopback URI matches a registered one
that is the same string once the port is left out of both; every other URI, and every URI
of a web client, is compared character for character.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from idp.errors import InvalidInput

APPLICATION_WEB = "web"
APPLICATION_NATIVE = "native"
APPLICATION_TYPES = (APPLICATION_WEB, APPLICATION_NATIVE)
MAX_PORT = 65535
# scheme, an IPv4 or IPv6 loopback literal, an optional port, then a path or query (or
# nothing): matched on the raw string, so credentials or another host never fit.
LOOPBACK_REDIRECT = re.compile(
    r"http://(?P<host>127\.0\.0\.1|\[::1\])(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?].*)?",
    re.DOTALL,
)


def check_application_type(application_type: str) -> str:
    if application_type not in APPLICATION_TYPES:
        raise InvalidInput(
            "application_type",
            f"application_type must be {' or '.join(APPLICATION_TYPES)}: {application_type!r}",
        )
    return application_type


def check_native_redirect_uri(uri: str, field: str) -> None:
    """What RFC 8252 adds to the web rules (`validate_redirect_uri`) for a native client."""
    parts = urlsplit(uri)
    if parts.scheme == "http" and parts.hostname == "localhost":
        raise InvalidInput(
            field,
            f"{field} of a native client must use the loopback IP 127.0.0.1 (or [::1]), "
            f"not localhost (RFC 8252 section 8.3): {uri!r}",
        )


def _without_port(uri: str) -> str | None:
    """The loopback redirect URI with its port left out; None for any other URI."""
    found = LOOPBACK_REDIRECT.fullmatch(uri)
    if found is None:
        return None
    port = found["port"]
    if port is not None and not 0 < int(port) <= MAX_PORT:
        return None
    return f"http://{found['host']}{found['rest'] or ''}"


def is_loopback_redirect_match(registered: str, requested: str) -> bool:
    """RFC 8252 §7.3: `requested` is `registered` on another port (or none), nothing else
    differing: same scheme, loopback literal, path and query, character for character."""
    wanted = _without_port(requested)
    return wanted is not None and wanted == _without_port(registered)

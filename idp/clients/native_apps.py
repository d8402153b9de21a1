"""Native apps' redirect URIs (RFC 8252): which ones they register, how loopback ones match.

A client's `application_type` (OpenID Connect Dynamic Client Registration 1.0 §2) is `web`
(the default) or `native`. A native app receives its code on https (a claimed URI, §7.2)
on a loopback IP literal over http (§7.3), never on `localhost`, which may resolve
elsewhere or be caught by a firewall (§8.3), or on a private-use URI scheme (§7.1):
`ca.gc.ircc.app:/oauth2redirect`, a scheme that is a reverse domain name the app's
publisher controls (so it has a period, and is never one a browser itself handles), lower
case, then a path with a single slash (no authority, §7.1) and no fragment. The same rules
hold for its `post_logout_redirect_uris`. RFC 8252 §7.3: the server "MUST allow any port to
be specified at the time of the request for loopback IP redirect URIs", so for a native
client a requested loopback URI matches a registered one that is the same string once the
port is left out of both; every other URI (a private-use one too), and every URI of a web
client, is compared character for character.

The pages whose form may end in a redirect to a private-use URI (sign-in, second factor,
consent, sign-out confirmation) add exactly that scheme to their CSP `form-action`
(`form_action_scheme`): browsers check it on every redirect after a form submission.
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
# RFC 8252 §7.1: a reverse domain name (labels of letters, digits and hyphens, at least two),
# lower case: also a valid CSP scheme-source once followed by a colon (CSP3 §2.3.1).
PRIVATE_USE_SCHEME = re.compile(r"[a-z][a-z0-9-]*(\.[a-z0-9-]+)+")
# A scheme as RFC 3986 §3.1 spells it, before the colon, in any case.
URI_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Schemes a browser or the system handles itself: never an app's, period or not.
RESERVED_SCHEMES = frozenset(
    {"http", "https", "javascript", "data", "file", "vbscript", "blob", "about", "ftp",
     "ws", "wss", "mailto", "tel", "sms", "intent", "filesystem", "view-source", "urn"}
)  # fmt: skip
# After the scheme: one slash then a path, an optional query, printable ASCII, no fragment.
PRIVATE_USE_REST = re.compile(r"/(?!/)[\x21-\x22\x24-\x7e]*")


def check_application_type(application_type: str) -> str:
    if application_type not in APPLICATION_TYPES:
        raise InvalidInput(
            "application_type",
            f"application_type must be {' or '.join(APPLICATION_TYPES)}: {application_type!r}",
        )
    return application_type


def uri_scheme(uri: str) -> str | None:
    """The scheme of `uri` as written (urlsplit lower-cases it); None without one."""
    found = URI_SCHEME.match(uri)
    return found[1] if found else None


def is_private_use_uri(uri: str) -> bool:
    """Whether `uri` is one a native client may register on a private-use scheme."""
    scheme = uri_scheme(uri)
    return (
        scheme is not None
        and scheme not in RESERVED_SCHEMES
        and PRIVATE_USE_SCHEME.fullmatch(scheme) is not None
        and PRIVATE_USE_REST.fullmatch(uri[len(scheme) + 1 :]) is not None
    )


def check_private_use_redirect_uri(uri: str, field: str) -> str:
    """RFC 8252 §7.1 for a native client's URI on a scheme other than http(s)."""
    scheme = uri_scheme(uri) or ""
    if scheme.lower() in RESERVED_SCHEMES or not PRIVATE_USE_SCHEME.fullmatch(scheme.lower()):
        raise InvalidInput(
            field,
            f"{field} of a native client must be https, a loopback IP, or a private-use "
            f"scheme that is a reverse domain name such as com.example.app (RFC 8252 "
            f"section 7.1): {uri!r}",
        )
    if scheme != scheme.lower():
        raise InvalidInput(field, f"the scheme of {field} must be lower case: {uri!r}")
    if not is_private_use_uri(uri):
        raise InvalidInput(
            field,
            f"{field} on a private-use scheme must be the scheme, a colon and a path with a "
            f"single slash (no host), without fragment or space (RFC 8252 section 7.1), "
            f"e.g. {scheme}:/oauth2redirect: {uri!r}",
        )
    return uri


def form_action_scheme(uri: str) -> str | None:
    """The CSP source a page's form needs to end in a redirect to `uri` (`scheme:`), when
    `uri` is a private-use one; None for any other (http and https are allowed already)."""
    return f"{uri_scheme(uri)}:" if is_private_use_uri(uri) else None


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

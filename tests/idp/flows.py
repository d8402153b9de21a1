"""Driving the provider like a browser and a portal would, through an httpx-style client."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from idp.http.cookies import cookie_names
from tests.factories.idp import DEFAULT_PASSWORD, REDIRECT_URI

# The names of our cookies in the test apps and servers (Secure cookies, the default).
COOKIES = cookie_names(secure=True)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class AuthorizationRequest:
    client_id: str
    verifier: str
    params: dict[str, str]

    @property
    def query(self) -> str:
        return urlencode(self.params)


def authorization_request(client_id: str, **overrides: str) -> AuthorizationRequest:
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email offline_access",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return AuthorizationRequest(client_id, verifier, {k: v for k, v in params.items() if v != ""})


def sign_in(
    browser: httpx.Client, login_url: str, email: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    page = browser.get(login_url)
    assert page.status_code == 200, page.text
    interaction = query_of(login_url).get("interaction", "")
    # The token comes from the page, as a browser would send it.
    return browser.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "interaction": interaction,
            "csrf_token": _hidden(page.text, "csrf_token"),
        },
    )


def follow_to_redirect_uri(
    browser: httpx.Client, response: httpx.Response, *, consent: str = "allow"
) -> httpx.Response:
    """Follow the provider's own redirects and consent page until it sends us to the portal."""
    for _ in range(10):
        if response.status_code in (302, 303):
            location = response.headers["location"]
            if location.startswith(REDIRECT_URI) or not location.startswith("/"):
                return response
            response = browser.get(location)
            continue
        if response.status_code == 200 and 'name="decision"' in response.text:
            response = browser.post("/authorize/consent", data=consent_form(response, consent))
            continue
        return response
    raise AssertionError("too many redirects")


def consent_form(page: httpx.Response, decision: str = "allow") -> dict[str, str]:
    """What the consent page posts to /authorize/consent when the person answers."""
    return {
        "interaction": _hidden(page.text, "interaction"),
        "decision": decision,
        "csrf_token": _hidden(page.text, "csrf_token"),
    }


def _hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def authorize_code(
    browser: httpx.Client,
    request: AuthorizationRequest,
    email: str,
    password: str = DEFAULT_PASSWORD,
    consent: str = "allow",
) -> dict[str, str]:
    """Run the browser part of the code flow; return the redirect's query parameters."""
    first = browser.get("/authorize?" + request.query)
    if first.status_code == 303 and first.headers["location"].startswith("/login"):
        first = sign_in(browser, first.headers["location"], email, password)
    final = follow_to_redirect_uri(browser, first, consent=consent)
    assert final.status_code in (302, 303), final.text[:500]
    return query_of(final.headers["location"])


def redeem(
    portal: httpx.Client, code: str, verifier: str, client_id: str, secret: str | None, **extra: str
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    data.update(extra)
    auth: Any = (client_id, secret) if secret else None
    if secret is None:
        data["client_id"] = client_id
    return portal.post("/token", data={k: v for k, v in data.items() if v != ""}, auth=auth)


def form_action(response: httpx.Response) -> set[str]:
    """The sources of the response's CSP `form-action` directive."""
    policy = response.headers["content-security-policy"]
    (directive,) = [d.strip() for d in policy.split(";") if d.strip().startswith("form-action")]
    return set(directive.split()[1:])


BASE_FORM_ACTION = {"'self'", "http:", "https:"}


def csrf_of(page: httpx.Response) -> str:
    return _hidden(page.text, "csrf_token")


def comparable(text: str) -> str:
    """A page's HTML without its language switch's snapshot id, random on every page
    answering a form, for tests that compare two answers."""
    return re.sub(r'name="page" value="[^"]*"', 'name="page" value=""', text)


def switch_language(browser: httpx.Client, page: httpx.Response) -> httpx.Response:
    """Use the page's language switch as a person would: post its form (a page answering a
    form) or follow its link; the answer after any redirect."""
    header = page.text.split('<nav aria-label="', 1)[1].split("</nav>", 1)[0]
    if "<form" in header:
        action = header.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        fields = {name: _hidden(header, name) for name in ("csrf_token", "page", "back")}
        fields["back"] = fields["back"].replace("&amp;", "&")
        answer = browser.post(action, data=fields)
    else:
        answer = browser.get(header.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    while answer.status_code in (302, 303):
        answer = browser.get(answer.headers["location"])
    return answer


def assert_group_error(html: str, group: str, prefix: str | None = "Error:") -> str:
    """A group of boxes' error is tied to its fieldset (id, aria-describedby) and starts with
    the hidden prefix (`prefix` in the page's language; None: any); returns the message."""
    assert f'id="{group}" aria-describedby="{group}-error"' in html, group
    error = html.split(f'<p class="error-message" id="{group}-error">')[1].split("</p>")[0]
    hidden, _, message = error.partition("</span>")
    assert hidden.startswith('<span class="visually-hidden">'), error
    if prefix:
        assert prefix in hidden, error
    return message.strip()


def error_summary_links(html: str) -> list[tuple[str, str]]:
    """The error summary's links: (the field they focus, the text read)."""
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<a href="#([\w-]+)">([^<]*)</a>', summary)


def register(
    browser: httpx.Client, mail, *, name: str, email: str, password: str
) -> httpx.Response:
    page = browser.get("/register")
    browser.post(
        "/register",
        data={"name": name, "email": email, "password": password, "csrf_token": csrf_of(page)},
    )
    verify = browser.get("/register")  # any page carries the token
    return browser.post(
        "/register/verify",
        data={"email": email, "code": mail.last_code(email), "csrf_token": csrf_of(verify)},
    )


def enable_totp(browser: httpx.Client, now: float) -> tuple[str, list[str]]:
    """Set up TOTP from the console; return the seed and the recovery codes shown."""
    from idp.authn.totp import current_code

    page = browser.get("/account/security/totp")
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    shown = browser.post(
        "/account/security/totp",
        data={"code": current_code(secret, now), "csrf_token": csrf_of(page)},
    )
    codes = [c.split("<")[0] for c in shown.text.split("<li><code>")[1:]]
    return secret, codes


TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def portal_client(components, **fields):
    """A portal that registers applications, checks decisions and exchanges tokens."""
    from tests.factories.idp import make_client

    values = {
        "grant_types": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            TOKEN_EXCHANGE,
        ],
        "scope": "openid profile email applications:write delegations:read",
        "first_party": True,
    }
    values.update(fields)
    return make_client(components, **values)


def portal_token(http, client, secret, scope="applications:write delegations:read") -> str:
    response = http.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client.client_id, secret),
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def register_application(http, token, applicant_sub, number, **extra):
    body = {
        "application_number": number,
        "program": "Study permit",
        "status": "received",
        "applicant": {"sub": applicant_sub},
        **extra,
    }
    return http.post("/api/applications", json=body, headers={"Authorization": f"Bearer {token}"})


def step_up(browser: httpx.Client, clock, secret_totp: str, return_to: str = "/account") -> None:
    """Prove the second factor again from the console (a fresh step-up), as a person would."""
    from idp.authn.totp import current_code

    start = browser.get(f"/account/step-up?return={return_to}")
    assert start.headers["location"] == "/login/second-factor", start.text[:300]
    clock.advance(30)  # the next TOTP step: a code is never accepted twice
    page = browser.get("/login/second-factor")
    done = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret_totp, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    assert done.headers["location"] == return_to, done.text[:300]


def client_key(alg: str = "ES256") -> tuple[Any, dict[str, Any]]:
    """A portal's signing key and the public JWKS it registers (private_key_jwt, RFC 9101)."""
    from joserfc.jwk import ECKey, OKPKey, RSAKey

    parameters: Any = {"kid": f"portal-{alg.lower()}-{secrets.token_hex(4)}", "alg": alg}
    if alg == "RS256":
        key: Any = RSAKey.generate_key(2048, parameters=parameters)
    elif alg == "EdDSA":
        key = OKPKey.generate_key("Ed25519", parameters=parameters)
    else:
        key = ECKey.generate_key("P-256", parameters=parameters)
    return key, {"keys": [key.as_dict(private=False)]}


def sign_request_object(
    key: Any, claims: dict[str, Any], *, alg: str | None = None, typ: str = "oauth-authz-req+jwt"
) -> str:
    """An RFC 9101 request object signed as a portal would."""
    from joserfc import jwt

    header = {"alg": alg or key.alg, "kid": key.kid, "typ": typ}
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def request_object_claims(
    request: AuthorizationRequest, now: float, **overrides: Any
) -> dict[str, Any]:
    """The request's parameters as the claims of a request object for https://testserver."""
    claims: dict[str, Any] = {
        **request.params,
        "iss": request.client_id,
        "aud": "https://testserver",
        "exp": int(now) + 300,
        "iat": int(now),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def push(portal: httpx.Client, params: dict[str, str], auth: Any = None) -> httpx.Response:
    """POST the parameters to the pushed authorization request endpoint (RFC 9126)."""
    return portal.post("/par", data=params, auth=auth)


def by_reference(client_id: str, request_uri: str, verifier: str) -> AuthorizationRequest:
    """The authorization request a portal sends the browser with after pushing (RFC 9126 4)."""
    return AuthorizationRequest(
        client_id, verifier, {"client_id": client_id, "request_uri": request_uri}
    )


def with_jwt_header(token: str, **header: str) -> str:
    """`token` with header members replaced (its signature no longer matches)."""
    head, rest = token.split(".", 1)
    decoded = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    encoded = json.dumps({**decoded, **header}).encode()
    return base64.urlsafe_b64encode(encoded).rstrip(b"=").decode() + "." + rest

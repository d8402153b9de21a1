"""Strict parsing of OAuth parameters and the adapter to authlib's request type.

RFC 6749 section 3.1: parameters MUST NOT be included more than once, and sent without a
value they are treated as omitted; appendix B: form bodies are UTF-8
`application/x-www-form-urlencoded`. Everything a client sends is checked here first, so
malformed, oversized, repeated or non-UTF-8 input becomes `invalid_request` naming the
parameter, never a 500. Starlette's request is read in the async route; the sync
authlib server then works on this plain value object in the thread pool.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import OAuth2Payload

from idp.oauth.errors import InvalidRequestError

MAX_FORM_BYTES = 64 * 1024
MAX_PARAMETERS = 64
MAX_PARAMETER_LENGTH = 4096
MAX_NAME_LENGTH = 64
REPEATABLE_PARAMETERS = frozenset({"resource", "audience"})  # RFC 8707, RFC 8693


@dataclass(frozen=True, slots=True)
class Params:
    """Parsed parameters: `first` for single values, `all` keeps repeats for the checks."""

    all: dict[str, list[str]]

    def get(self, name: str) -> str | None:
        values = self.all.get(name)
        return values[0] if values else None

    @property
    def first(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.all.items()}

    def repeated(self) -> list[str]:
        return sorted(
            n for n, v in self.all.items() if len(v) > 1 and n not in REPEATABLE_PARAMETERS
        )


def parse_params(raw: bytes) -> Params:
    """Parse a query string or form body; raise `invalid_request` naming what is wrong."""
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidRequestError(f"request parameters exceed {MAX_FORM_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise InvalidRequestError("request parameters are not valid UTF-8") from None
    except ValueError:
        raise InvalidRequestError(f"more than {MAX_PARAMETERS} parameters") from None
    collected: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        if len(name) > MAX_NAME_LENGTH or not name.isprintable():
            raise InvalidRequestError("a parameter name is malformed")
        if len(value) > MAX_PARAMETER_LENGTH:
            raise InvalidRequestError(
                f"parameter '{name}' exceeds {MAX_PARAMETER_LENGTH} characters"
            )
        if "\x00" in value:
            raise InvalidRequestError(f"parameter '{name}' contains a NUL character")
        collected[name].append(value)
    return Params(all=dict(collected))


def reject_repeated(params: Params) -> None:
    repeated = params.repeated()
    if repeated:
        raise InvalidRequestError(f"parameter '{repeated[0]}' is included more than once")


class ParamsPayload(OAuth2Payload):  # type: ignore[misc]  # authlib is untyped
    def __init__(self, params: Params) -> None:
        self._params = params
        self._data = params.first

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._params.all


@dataclass
class HttpRequestInfo:
    """What authlib needs of an HTTP request, captured in the async route."""

    method: str
    path: str
    headers: dict[str, str]
    params: Params
    client_host: str = ""
    cookies: dict[str, str] = field(default_factory=dict)


class OAuthRequest(OAuth2Request):  # type: ignore[misc]  # authlib is untyped
    """authlib's request over our parsed parameters.

    The URI handed to authlib is always `https`: authlib refuses plain http unless an
    environment variable is set, and transport policy is ours to enforce
    (`Settings.validate_for_startup` allows http on loopback only).
    """

    def __init__(self, info: HttpRequestInfo) -> None:
        super().__init__(info.method, "https://idp.invalid" + info.path, headers=info.headers)
        self.payload = ParamsPayload(info.params)
        self.info = info

    @property
    def args(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

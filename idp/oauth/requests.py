"""The adapter from our parsed HTTP request to authlib's request type.

Starlette's request is read in the async part (`idp.http.params`); the synchronous
authlib server then works on this plain value object in the thread pool. Each
`OAuthRequest` carries its `OAuthContext` (`context.py`): the request's database
session, time and decisions, which authlib's callbacks reach through the request, never
through the server object (built once per process and shared by every request).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import OAuth2Payload

from idp.http.params import Params
from idp.oauth.context import OAuthContext


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
    """What authlib needs of an HTTP request, captured before the thread-pool work."""

    method: str
    path: str
    headers: dict[str, str]
    params: Params
    client_host: str = ""
    cookies: dict[str, str] = field(default_factory=dict)


class OAuthRequest(OAuth2Request):  # type: ignore[misc]  # authlib is untyped
    """authlib's request over our parsed parameters, with the request's context.

    The URI handed to authlib is always `https`: authlib refuses plain http unless an
    environment variable is set, and transport policy is ours to enforce
    (`Settings.validate_for_startup` allows http on loopback only).
    """

    def __init__(self, info: HttpRequestInfo, ctx: OAuthContext) -> None:
        super().__init__(info.method, "https://idp.invalid" + info.path, headers=info.headers)
        self.payload = ParamsPayload(info.params)
        self.info = info
        self.ctx = ctx

    @property
    def args(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

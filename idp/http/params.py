"""Reading a request's parameters in the async route, before the sync work starts.

Bodies are read with a hard cap (a client cannot make us buffer more than
`MAX_FORM_BYTES`), form bodies must be `application/x-www-form-urlencoded` (RFC 6749
appendix B), and the result is the immutable `HttpRequestInfo` the thread-pool code uses.
"""

from __future__ import annotations

from starlette.requests import Request

from idp.oauth.errors import InvalidRequestError
from idp.oauth.requests import MAX_FORM_BYTES, HttpRequestInfo, Params, parse_params

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise InvalidRequestError(f"request body exceeds {MAX_FORM_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise InvalidRequestError(f"request body exceeds {MAX_FORM_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request) -> Params:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise InvalidRequestError(f"the body must be {FORM_CONTENT_TYPE}")
    return parse_params(await read_body(request))


def read_query(request: Request) -> Params:
    return parse_params(request.scope.get("query_string", b""))


async def read_request_info(request: Request, *, form: bool) -> HttpRequestInfo:
    params = await read_form(request) if form else read_query(request)
    return HttpRequestInfo(
        method=request.method,
        path=request.url.path,
        headers=request.headers,  # type: ignore[arg-type]  # case-insensitive mapping
        params=params,
        client_host=request.client.host if request.client else "",
    )

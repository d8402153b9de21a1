"""The one place where errors become HTTP answers.

- OAuth endpoints answer their RFC errors themselves (`idp/oauth/routes.py`).
- JSON APIs answer `application/problem+json` (RFC 9457), FastAPI's 422 body included.
- Pages answer a translated error page.
- Anything unexpected is logged once with the request id and answered `server_error`
  (OAuth paths) or a 500 page/problem by `UnexpectedErrors`, the only `except Exception`
  of the request path; the connection stays usable.
- A dependency that does not answer (database, store, mail) is a 503 with `Retry-After`,
  in the caller's shape: `temporarily_unavailable`, a problem, or a translated page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters import StoreUnavailable
from idp.errors import (
    BearerRejected,
    CsrfRejected,
    IdpError,
    InvalidInput,
    InvalidParameters,
    NotAllowed,
    NotFound,
    SignInRequired,
    StepUpRequired,
    Unavailable,
)
from idp.http.access_log import request_id_of
from idp.http.pages import render_page

log = logging.getLogger("idp.http")
PROBLEM_TYPE_BASE = "https://passerelle.example/problems/"
OAUTH_JSON_PATHS = ("/token", "/introspect", "/revoke", "/userinfo", "/par")
API_PREFIX = "/api/"
JSON_PREFIXES = (API_PREFIX, "/webauthn/")
RETRY_AFTER_SECONDS = 5
NOT_ALLOWED_TEXT = "This page is for officers. Your account can use the account pages."
CSRF_TEXT = "This page has expired. Go back, reload the page and try again."
INVALID_TEXT = (
    "The portal that sent you here made an invalid request. Go back to the portal and try again."
)
FORM_TEXT = (
    "This form could not be read. Go back, check what you typed (the details below name the "
    "field and its limit) and try again."
)
NOT_FOUND_TEXT = (
    "There is no page at this address. Check the address, or go back to the page you came from."
)
NOT_A_PAGE_TEXT = (
    "This address only receives a form: it cannot be opened on its own. Go back to the page "
    "you came from and try again."
)
UNAVAILABLE_TITLE = "The service is briefly unavailable"
UNAVAILABLE_TEXT = "Nothing you saved is lost. Try again in a few seconds."


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(JSON_PREFIXES) or path in OAUTH_JSON_PATHS


def _page(request: Request, status: int, title: str, message: str, detail: str = "") -> Response:
    return render_page(
        request,
        "errors/error.html",
        {"status_code": status, "title_msgid": title, "message_msgid": message, "detail": detail},
        status_code=status,
    )


LIMIT_KEYS = ("max_length", "min_length", "le", "ge", "lt", "gt", "limit_value")


def _limit_of(ctx: dict[str, object]) -> object:
    """The number a validation error broke (pydantic names it by the kind of limit)."""
    return next((ctx[k] for k in LIMIT_KEYS if k in ctx), None)


def _leaf_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """The routes themselves, through FastAPI's wrappers of included routers (which we
    include without a prefix: the routers carry their own)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaf_routes(inner.routes)
        else:
            yield route


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (RFC 9110 `Allow`); Starlette names only
    the methods of the first route that matched the path."""
    scope = {"type": "http", "path": request.url.path, "root_path": "", "method": "GET"}
    methods: set[str] = set()
    for route in _leaf_routes(request.app.router.routes):
        match, _ = route.matches(scope)  # PARTIAL: the path matches, not the method
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


# FastAPI's answer to a JSON body it cannot decode (not UTF-8): said as what to send.
FASTAPI_BODY_ERROR = "There was an error parsing the body"
UNREADABLE_JSON = "the body must be a JSON object encoded in UTF-8"


def _http_error_response(request: Request, exc: StarletteHTTPException) -> Response:
    if _wants_json(request):
        if exc.status_code == 400 and exc.detail == FASTAPI_BODY_ERROR:
            errors = [{"field": "body", "message": UNREADABLE_JSON, "limit": None}]
            return problem(400, "invalid_body", "Invalid input", UNREADABLE_JSON, errors=errors)
        return problem(exc.status_code, f"http_{exc.status_code}", str(exc.detail), str(exc.detail))
    if exc.status_code == 404:
        return _page(request, 404, "Page not found", NOT_FOUND_TEXT)
    if exc.status_code == 405:
        return _page(
            request,
            405,
            "This request cannot be completed",
            NOT_A_PAGE_TEXT,
            f"method {request.method} not allowed",
        )
    return _page(
        request,
        exc.status_code,
        "This request cannot be completed",
        "This request cannot be completed",
        str(exc.detail),
    )


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if _wants_json(request):
        return problem(401, exc.code, "Sign in first", exc.message)
    return RedirectResponse("/login", status_code=303)


async def step_up_required(request: Request, exc: StepUpRequired) -> Response:
    if _wants_json(request):
        return problem(403, exc.code, "Confirm it is you", exc.message)
    return RedirectResponse(f"/account/step-up?{urlencode({'return': exc.return_to})}", 303)


async def not_allowed(request: Request, exc: NotAllowed) -> Response:
    if _wants_json(request):
        return problem(403, exc.code, "Forbidden", exc.message)
    return _page(request, 403, "You are not allowed to see this page", NOT_ALLOWED_TEXT)


async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
    if _wants_json(request):
        return problem(403, exc.code, "Forbidden", exc.message)
    return _page(request, 400, "This request cannot be completed", CSRF_TEXT)


async def invalid_parameters(request: Request, exc: InvalidParameters) -> Response:
    if request.url.path in OAUTH_JSON_PATHS:
        return _oauth_error(400, "invalid_request", exc.message)
    if _wants_json(request):
        return problem(400, exc.code, "Invalid input", exc.message)
    # A page's own form (POST) is the person's input; a query is the portal's request.
    own_form = request.method == "POST" and request.url.path != "/authorize"
    text = FORM_TEXT if own_form else INVALID_TEXT
    return _page(request, 400, "This request cannot be completed", text, exc.message)


async def bearer_rejected(_request: Request, exc: BearerRejected) -> Response:
    title = "Unauthorized" if exc.status == 401 else "Forbidden"
    response = problem(exc.status, exc.code, title, exc.message)
    response.headers["WWW-Authenticate"] = f'Bearer realm="passerelle", error="{exc.code}"'
    return response


async def unavailable(request: Request, exc: Unavailable) -> Response:
    """503 with Retry-After, in the shape the caller reads: RFC error, problem, or page."""
    log.warning("dependency unavailable dependency=%s path=%s", exc.dependency, request.url.path)
    response: Response
    if request.url.path in OAUTH_JSON_PATHS:
        response = _oauth_error(503, "temporarily_unavailable", f"{exc.dependency} unavailable")
    elif _wants_json(request):
        response = problem(503, "temporarily_unavailable", "Service unavailable", exc.message)
    else:
        response = _page(request, 503, UNAVAILABLE_TITLE, UNAVAILABLE_TEXT)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
    return await unavailable(request, Unavailable("store", str(exc)))


async def database_unavailable(request: Request, exc: Exception) -> Response:
    return await unavailable(request, Unavailable("database", type(exc).__name__))


def _field_of(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "body"  # its `loc` is the position in the body, not a field
    return ".".join(str(p) for p in error.get("loc", ()) if p != "body")


def _message_of(error: dict[str, Any]) -> str:
    """pydantic's message; for a body that is not JSON, where and why it is not."""
    if error.get("type") == "json_invalid":
        position = error.get("loc", ("body", 0))[-1]
        reason = (error.get("ctx") or {}).get("error", "invalid JSON")
        return f"the body is not valid JSON: {reason} at character {position}"
    return str(error.get("msg", ""))


async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {
            "field": _field_of(e),
            "message": _message_of(e),
            "limit": _limit_of(e.get("ctx") or {}),
        }
        for e in exc.errors()
    ]
    return problem(
        422, "validation_error", "Invalid input", "the request has invalid fields", errors=errors
    )


async def invalid_input(_request: Request, exc: InvalidInput) -> Response:
    errors = [{"field": exc.field, "message": exc.message, "limit": exc.limit}]
    return problem(422, exc.code, "Invalid input", exc.message, errors=errors)


async def not_found(_request: Request, exc: NotFound) -> Response:
    return problem(404, exc.code, "Not found", exc.message)


async def idp_error(_request: Request, exc: IdpError) -> Response:
    return problem(409, exc.code, "Conflict", exc.message)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    response = _http_error_response(request, exc)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if exc.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (SignInRequired, sign_in_required),
    (StepUpRequired, step_up_required),
    (NotAllowed, not_allowed),
    (CsrfRejected, csrf_rejected),
    (InvalidParameters, invalid_parameters),
    (BearerRejected, bearer_rejected),
    (Unavailable, unavailable),
    (StoreUnavailable, store_unavailable),
    (OperationalError, database_unavailable),
    (InterfaceError, database_unavailable),
    (PoolTimeout, database_unavailable),
    (RequestValidationError, validation_error),
    (InvalidInput, invalid_input),
    (NotFound, not_found),
    (IdpError, idp_error),
    (StarletteHTTPException, http_error),
)


def unexpected_response(request: Request, exc: Exception) -> Response:
    """Log the traceback once with the request id; answer `server_error` or a 500."""
    request_id = request_id_of(request.scope)
    log.error("unhandled error request_id=%s path=%s", request_id, request.url.path, exc_info=exc)
    if request.url.path in OAUTH_JSON_PATHS:
        return JSONResponse(
            {"error": "server_error", "error_description": f"request id {request_id}"},
            status_code=500,
            headers={"Cache-Control": "no-store"},
        )
    if _wants_json(request):
        return problem(500, "server_error", "Server error", f"request id {request_id}")
    return _page(
        request,
        500,
        "Something went wrong on our side",
        "Something went wrong on our side",
        f"request id {request_id}",
    )


class UnexpectedErrors:
    """The top-level handler, innermost of the middlewares (inside the locale, so a page
    answers in the person's language): an error no handler maps becomes a 500 that keeps
    the connection open. (Starlette's own last-resort handler re-raises after answering,
    and uvicorn then drops the connection without a word.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # the one top-level handler (STYLE.md section 5): logged
            if started:
                raise
            response = unexpected_response(Request(scope, receive), exc)
            await response(scope, receive, send)


async def outside_the_app(request: Request, exc: Exception) -> Response:
    """An error raised by a middleware outside `UnexpectedErrors`: Starlette re-raises it
    after this answer and uvicorn closes the connection, so the answer says so."""
    response = unexpected_response(request, exc)
    response.headers["Connection"] = "close"
    return response


def install_error_handlers(app: FastAPI) -> None:
    for error, handler in HANDLERS:
        app.add_exception_handler(error, handler)
    app.add_exception_handler(Exception, outside_the_app)

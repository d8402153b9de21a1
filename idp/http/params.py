"""Strict parsing of query strings and form bodies, read in the async part of a request.

RFC 6749 section 3.1: parameters MUST NOT be included more than once, and sent without a
value they are treated as omitted; appendix B: form bodies are UTF-8
`application/x-www-form-urlencoded`. Bodies are read with a hard cap (a client cannot
make us buffer more than `MAX_FORM_BYTES`), and malformed, oversized or non-UTF-8 input
raises `InvalidParameters` naming what is wrong, never a 500. The result is an immutable
`Params` that the thread-pool code works on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends
from starlette.requests import Request

from idp.errors import InvalidParameters

MAX_FORM_BYTES = 64 * 1024
MAX_PARAMETERS = 64
MAX_PARAMETER_LENGTH = 4096
# An RFC 9101 request object carries every parameter, JSON-encoded, and a signature.
MAX_REQUEST_OBJECT_LENGTH = 16384
LONG_PARAMETERS = {"request": MAX_REQUEST_OBJECT_LENGTH}
MAX_NAME_LENGTH = 64
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
REPEATABLE_PARAMETERS = frozenset({"resource", "audience"})  # RFC 8707, RFC 8693


@dataclass(frozen=True, slots=True)
class Params:
    """Parsed parameters: `get` for single values, `all` keeps repeats for the checks."""

    all: dict[str, list[str]]

    def get(self, name: str) -> str | None:
        values = self.all.get(name)
        return values[0] if values else None

    def text(self, name: str) -> str:
        return self.get(name) or ""

    @property
    def first(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.all.items()}

    def repeated(self) -> list[str]:
        return sorted(
            n for n, v in self.all.items() if len(v) > 1 and n not in REPEATABLE_PARAMETERS
        )

    def without(self, *names: str) -> Params:
        return Params({k: v for k, v in self.all.items() if k not in names})


EMPTY_PARAMS = Params({})


def parse_params(raw: bytes) -> Params:
    """Parse a query string or form body; raise `InvalidParameters` naming what is wrong."""
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidParameters(f"request parameters exceed {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise InvalidParameters("request parameters are not valid UTF-8") from None
    except ValueError:
        raise InvalidParameters(f"more than {MAX_PARAMETERS} parameters") from None
    collected: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        if len(name) > MAX_NAME_LENGTH or not name.isprintable():
            raise InvalidParameters("a parameter name is malformed")
        limit = LONG_PARAMETERS.get(name, MAX_PARAMETER_LENGTH)
        if len(value) > limit:
            raise InvalidParameters(f"parameter '{name}' exceeds {limit} characters")
        if "\x00" in value:
            raise InvalidParameters(f"parameter '{name}' contains a NUL character")
        collected[name].append(value)
    return Params(all=dict(collected))


async def read_body(request: Request, limit: int = MAX_FORM_BYTES) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise InvalidParameters(f"request body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise InvalidParameters(f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request) -> Params:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise InvalidParameters(f"the body must be {FORM_CONTENT_TYPE}")
    return parse_params(await read_body(request))


def read_query(request: Request) -> Params:
    return parse_params(request.scope.get("query_string", b""))


async def form_or_empty(request: Request) -> Params:
    """The form body, or no parameters when it cannot be read (pages re-render instead)."""
    try:
        return await read_form(request)
    except InvalidParameters:
        return EMPTY_PARAMS


async def query_or_empty(request: Request) -> Params:
    try:
        return read_query(request)
    except InvalidParameters:
        return EMPTY_PARAMS


Form = Annotated[Params, Depends(form_or_empty)]
Query = Annotated[Params, Depends(query_or_empty)]

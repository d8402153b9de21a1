"""Reading the fields of one profile's TOML table, each with its type and limits checked.

`ProfileTable` wraps the parsed table of one file; each reader returns a typed value or
raises `ProfileError` naming the file, the dotted field and what is accepted. URIs follow
the rules the client registry applies, so a profile that loads also registers: absolute,
no fragment (RFC 6749 §3.1.2), no credentials, https unless on a loopback host (RFC 8252
§7.3).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn, TypeVar
from urllib.parse import SplitResult, urlsplit

from adapters.localized_text import LocalizedText
from adapters.portals.errors import ProfileError

LANGUAGES = ("en", "fr")
MAX_URI_LENGTH = 2000
MAX_LIST_ITEMS = 20
MAX_CODES = 50  # status or program codes in one profile
MAX_TOKEN_LENGTH = 64
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
URI_RULE = (
    f"absolute https URIs of at most {MAX_URI_LENGTH} characters, without fragment or "
    "credentials (http only on 127.0.0.1, localhost or [::1])"
)
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_PATTERN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
SNAKE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
HOST_PATTERN = re.compile(r"([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]([a-z0-9-]*[a-z0-9])?")
MAX_HOST_LENGTH = 253

T = TypeVar("T")


def origin(uri: str) -> tuple[str, str | None, int | None]:
    """Scheme, host and port, as OpenID Connect Front-Channel Logout §2 compares them."""
    parts = urlsplit(uri)
    return parts.scheme, parts.hostname, parts.port


class ProfileTable:
    def __init__(self, path: Path, table: Mapping[str, object], prefix: str = "") -> None:
        self.path = path
        self._table = table
        self._prefix = prefix

    def fail(self, field: str, reason: str, problem: str, accepted: str) -> NoReturn:
        raise ProfileError(self.path, self._prefix + field, reason, problem, accepted)

    def check_keys(self, required: Collection[str], optional: Collection[str] = ()) -> None:
        known = [*required, *optional]
        for key in self._table:
            if key not in known:
                self.fail(key, "unknown_key", "is not a profile field", ", ".join(known))
        for key in required:
            if key not in self._table:
                self.fail(key, "missing_field", "is missing", "a value for every field")

    def has(self, field: str) -> bool:
        return field in self._table

    def keys(self) -> list[str]:
        return list(self._table)

    def _typed(self, field: str, kind: type[T], described: str) -> T:
        value = self._table[field]
        # bool is an int subclass, and TOML dates are not strings: check the exact type.
        if type(value) is not kind:
            self.fail(field, "wrong_type", f"is {type(value).__name__}", described)
        return value

    def flag(self, field: str) -> bool:
        return self._typed(field, bool, "true or false")

    def text(self, field: str, max_length: int) -> str:
        value = self._typed(field, str, "a string").strip()
        accepted = f"1 to {max_length} characters"
        if not value:
            self.fail(field, "empty", "is empty", accepted)
        if len(value) > max_length:
            self.fail(field, "too_long", f"is longer than {max_length} characters", accepted)
        return value

    def choice(self, field: str, choices: Collection[str]) -> str:
        value = self._typed(field, str, "a string")
        if value not in choices:
            self.fail(field, "unknown_value", f"is {value!r}", ", ".join(choices))
        return value

    def token(self, field: str, pattern: re.Pattern[str], described: str) -> str:
        value = self._typed(field, str, described)
        if len(value) > MAX_TOKEN_LENGTH or not pattern.fullmatch(value):
            self.fail(field, "bad_format", f"is {value!r}", described)
        return value

    def strings(
        self,
        field: str,
        *,
        pattern: re.Pattern[str] | None = None,
        choices: Collection[str] | None = None,
        described: str,
    ) -> tuple[str, ...]:
        """A list of distinct strings, each matching `pattern` or among `choices`."""
        raw = self._typed(field, list, f"a list of {described}")
        if len(raw) > MAX_LIST_ITEMS:
            self.fail(field, "too_many", f"has {len(raw)} items", f"at most {MAX_LIST_ITEMS}")
        seen: list[str] = []
        for index, item in enumerate(raw):
            where = f"{field}[{index}]"
            if type(item) is not str:
                self.fail(where, "wrong_type", f"is {type(item).__name__}", described)
            if choices is not None and item not in choices:
                self.fail(where, "unknown_value", f"is {item!r}", ", ".join(choices))
            if pattern is not None and (
                len(item) > MAX_TOKEN_LENGTH or not pattern.fullmatch(item)
            ):
                self.fail(where, "bad_format", f"is {item!r}", described)
            if item in seen:
                self.fail(where, "duplicate", f"repeats {item!r}", "each value once")
            seen.append(item)
        return tuple(seen)

    def uri(self, field: str) -> str:
        value = self._typed(field, str, "a string")
        problem = _uri_problem(value)
        if problem is not None:
            self.fail(field, problem[0], problem[1], URI_RULE)
        return value

    def optional_uri(self, field: str) -> str | None:
        return self.uri(field) if self.has(field) else None

    def uris(self, field: str) -> tuple[str, ...]:
        values = self.strings(field, described="URIs")
        for index, value in enumerate(values):
            problem = _uri_problem(value)
            if problem is not None:
                self.fail(f"{field}[{index}]", problem[0], problem[1], URI_RULE)
        return values

    def host(self, field: str) -> str:
        described = "a lowercase DNS host name such as bc-pnp.example"
        value = self._typed(field, str, described)
        if len(value) > MAX_HOST_LENGTH or not HOST_PATTERN.fullmatch(value):
            self.fail(field, "bad_format", f"is {value!r}", described)
        return value

    def optional_host(self, field: str) -> str | None:
        return self.host(field) if self.has(field) else None

    def table(self, field: str) -> ProfileTable:
        value = self._typed(field, dict, "a table")
        return ProfileTable(self.path, value, f"{self._prefix}{field}.")

    def localized(self, field: str, max_length: int) -> LocalizedText:
        texts = self.table(field)
        texts.check_keys(LANGUAGES)
        return LocalizedText(en=texts.text("en", max_length), fr=texts.text("fr", max_length))

    def codes(self, field: str, max_length: int, kind: str) -> Mapping[str, LocalizedText]:
        """A table of `kind` code → {en, fr} labels (statuses, programs); empty for a
        portal that has none."""
        codes = self.table(field)
        found = codes.keys()
        if len(found) > MAX_CODES:
            self.fail(field, "too_many", f"has {len(found)} codes", f"at most {MAX_CODES}")
        labels: dict[str, LocalizedText] = {}
        for code in found:
            if len(code) > MAX_TOKEN_LENGTH or not SNAKE_PATTERN.fullmatch(code):
                codes.fail(code, "bad_format", f"is not a {kind} code", "snake_case codes")
            labels[code] = codes.localized(code, max_length)
        return MappingProxyType(labels)


def _uri_problem(value: str) -> tuple[str, str] | None:
    if len(value) > MAX_URI_LENGTH:
        return "too_long", f"is longer than {MAX_URI_LENGTH} characters"
    try:
        parts: SplitResult = urlsplit(value)
        parts.port  # noqa: B018  # raises ValueError on a port out of range
    except ValueError:
        return "bad_uri", f"is not a URI: {value!r}"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "bad_uri", f"is not an absolute http(s) URI: {value!r}"
    if "#" in value:
        return "bad_uri", f"has a fragment: {value!r}"
    if parts.username is not None or parts.password is not None:
        return "bad_uri", "carries credentials"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return "not_https", f"must use https off loopback: {value!r}"
    return None

"""Reading an identity document upload: `multipart/form-data` streamed in chunks, capped.

The body is fed chunk by chunk to python-multipart's streaming parser; the file part is
kept in memory only up to `max_file_bytes` (the stated limit, `IDP_DOCUMENT_MAX_BYTES`).
Past it the bytes are counted and dropped, so the page can still answer 413 with the
other fields the person typed (they come before the file in the form); past
`DRAIN_LIMIT_BYTES` more, reading stops altogether. Text fields are capped at
`MAX_FIELD_BYTES`, their number at `MAX_FIELDS`; a NUL character in a field or the file
name is refused, naming it, as in every other form. The CSRF token travels as a field and
is checked here, like `idp.http.csrf.checked_form` does for ordinary forms.

What the file *is* comes from its first bytes (`sniff_media_type`), never from its name
or the browser's `Content-Type`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from idp.errors import CsrfRejected, InvalidParameters
from idp.http.csrf import CSRF_FIELD, is_valid_csrf, refuse_cross_origin
from idp.http.deps import AppSettings

MAX_FIELD_BYTES = 4096
MAX_FIELDS = 16
DRAIN_LIMIT_BYTES = 32 * 1024 * 1024
FILE_FIELD = "file"
MAGIC_NUMBERS = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_media_type(data: bytes) -> str | None:
    """JPEG, PNG or PDF by their magic numbers; None for anything else."""
    return next((media for magic, media in MAGIC_NUMBERS if data.startswith(magic)), None)


@dataclass
class Upload:
    """The form's text fields and its file (None when no file was chosen)."""

    fields: dict[str, str] = field(default_factory=dict)
    file_name: str = ""
    data: bytes | None = None
    too_large: bool = False

    def text(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass
class _Part:
    name: str = ""
    file_name: str | None = None
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


class _UploadReader:
    """python-multipart callbacks collecting fields and one capped file."""

    def __init__(self, max_file_bytes: int) -> None:
        self.max_file_bytes = max_file_bytes
        self.upload = Upload()
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value_data,
            "on_header_end": self.header_end,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.part = _Part()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            _, options = parse_options_header(self.header_value)
            self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
            filename = options.get(b"filename")
            self.part.file_name = None if filename is None else filename.decode("utf-8", "replace")
            if self.part.file_name is not None and "\x00" in self.part.file_name:
                raise InvalidParameters("the file name contains a NUL character")
        self.header_name = self.header_value = b""

    def part_data(self, data: bytes, start: int, end: int) -> None:
        part, chunk = self.part, data[start:end]
        part.size += len(chunk)
        if part.file_name is not None:
            if part.size > self.max_file_bytes:
                self.upload.too_large = True
                part.chunks = []
                return
        elif part.size > MAX_FIELD_BYTES:
            raise InvalidParameters(f"a form field exceeds {MAX_FIELD_BYTES} bytes")
        if not (part.file_name is not None and self.upload.too_large):
            part.chunks.append(chunk)

    def part_end(self) -> None:
        part = self.part
        if part.file_name is None:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise InvalidParameters(f"more than {MAX_FIELDS} form fields")
            value = b"".join(part.chunks).decode("utf-8", "replace")
            if "\x00" in value:  # as `idp.http.params` refuses it: PostgreSQL text cannot hold it
                raise InvalidParameters(f"parameter '{part.name[:64]}' contains a NUL character")
            self.upload.fields[part.name] = value
            return
        if part.name == FILE_FIELD and part.size and not self.upload.too_large:
            self.upload.file_name = part.file_name[:200]
            self.upload.data = b"".join(part.chunks)
        elif part.name == FILE_FIELD and self.upload.too_large:
            self.upload.file_name = part.file_name[:200]


def _boundary(request: Request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidParameters("the body must be multipart/form-data")
    return boundary


async def read_upload(
    request: Request, max_file_bytes: int, drain_limit: int = DRAIN_LIMIT_BYTES
) -> Upload:
    """Stream the body through the parser; never more than the cap kept in memory."""
    reader = _UploadReader(max_file_bytes)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_file_bytes + drain_limit:
        return Upload(too_large=True)
    parser = MultipartParser(_boundary(request), reader.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_file_bytes + drain_limit:
                reader.upload.too_large = True
                break
            parser.write(chunk)
        else:
            parser.finalize()
    except MultipartParseError:
        raise InvalidParameters("the form could not be read") from None
    return reader.upload


async def checked_upload(request: Request, settings: AppSettings) -> Upload:
    """The upload form once its CSRF token matched this browser's cookie."""
    refuse_cross_origin(request)
    upload = await read_upload(request, settings.document_max_bytes)
    if not is_valid_csrf(getattr(request.state, "csrf_token", None), upload.text(CSRF_FIELD)):
        raise CsrfRejected()
    upload.fields.pop(CSRF_FIELD, None)
    return upload


CheckedUpload = Annotated[Upload, Depends(checked_upload)]

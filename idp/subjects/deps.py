"""The subject identifiers as a request dependency (built once at start)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.http.deps import shared
from idp.subjects.service import SubjectIdentifiers


async def subject_identifiers(request: Request) -> SubjectIdentifiers:
    return cast(SubjectIdentifiers, shared(request, "subjects"))


Subjects = Annotated[SubjectIdentifiers, Depends(subject_identifiers)]

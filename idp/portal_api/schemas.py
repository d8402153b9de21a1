"""Request and response bodies of the portal API (pydantic, at the edge only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from consent import Action

# No control characters (NUL among them: PostgreSQL cannot store it in text).
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text = Annotated[str, Field(pattern=PLAIN_TEXT)]


class ApplicantRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sub: Text | None = Field(
        None, max_length=64, description="The applicant's `sub` (they signed in to this portal)."
    )
    login_hint: Text | None = Field(
        None,
        max_length=254,
        description="The email the applicant signed in with: the application then waits "
        "for the person to confirm it (202).",
    )


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_number: Text = Field(
        min_length=1, max_length=64, description="The portal's number."
    )
    program: Text = Field(
        min_length=1,
        max_length=100,
        examples=["study_permit"],
        description="A program code of the portal's profile, which people read in their "
        "language; text the profile does not list is shown as sent.",
    )
    status: Text = Field(min_length=1, max_length=64, examples=["received"])
    unread_count: int = Field(0, ge=0, le=100_000)
    deep_link: Text = Field(
        "",
        max_length=2000,
        description="Where the applicant reads it: https, on one of the portal's registered "
        "origins.",
    )
    applicant: ApplicantRef


class ApplicationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Text | None = Field(None, min_length=1, max_length=64)
    unread_count: int | None = Field(None, ge=0, le=100_000)
    deep_link: Text | None = Field(None, max_length=2000)


class ApplicationOut(BaseModel):
    id: str
    application_number: str
    program: str
    status: str
    unread_count: int
    deep_link: str
    applicant_sub: str
    updated_at: datetime


class ClaimOut(BaseModel):
    application_number: str
    status: str = Field(description="pending_confirmation: the person confirms it is theirs.")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor_sub: Text = Field(min_length=1, max_length=64, description="Who wants to act.")
    action: Action
    application_number: Text = Field(min_length=1, max_length=64)


class DecisionOut(BaseModel):
    allowed: bool
    reason: str = Field(
        description="allowed, own_application, no_application, no_delegation, "
        "action_not_granted, expired, not_yet_valid"
    )
    delegation_id: str | None = None


class ProblemField(BaseModel):
    field: str | None = Field(description="The field at fault (dotted path), if any.")
    message: str
    limit: int | float | str | None = Field(
        None, description="The limit the value broke (a length, a bound), if any."
    )


class Problem(BaseModel):
    """An error (RFC 9457 problem details), served as `application/problem+json`."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemField] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses` for the problems an operation can answer."""
    descriptions = {
        400: "The body is not JSON.",
        401: "No token, or not an active portal token (`WWW-Authenticate` says why).",
        403: "The token lacks the scope this operation needs.",
        404: "No such application at this portal.",
        413: "The body is larger than the API accepts (the limit is in `detail`).",
        422: "Invalid input: `errors` names each field and its limit.",
    }
    return {
        status: {
            "description": descriptions[status],
            "model": Problem,
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        for status in statuses
    }

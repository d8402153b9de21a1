"""The applications registry: what each portal holds for each applicant.

Portals register an application (idempotently: the same portal reference twice is the
same application, also when a portal's retry arrives while the first call is still
being written), update its status and unread-correspondence count, and list theirs;
the applicant's console lists theirs across every portal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from consent.errors import ApplicationNotFound, InvalidDelegation
from consent.models import Application

MAX_REFERENCE_LENGTH = 64
MAX_PROGRAM_LENGTH = 100
MAX_STATUS_LENGTH = 64
MAX_UNREAD = 100_000


@dataclass(frozen=True, slots=True)
class ApplicationChange:
    status: str | None = None
    unread_count: int | None = None
    deep_link: str | None = None


def _check_text(field: str, value: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > limit:
        least = 1 if required else 0
        raise InvalidDelegation(
            f"{field} must be {least} to {limit} characters",
            field=field,
            code="invalid_application",
        )
    return value


def register_application(
    db: Session,
    *,
    portal_client_id: str,
    portal_reference: str,
    program: str,
    applicant_subject: str,
    status: str,
    unread_count: int = 0,
    deep_link: str = "",
    now: datetime,
) -> tuple[Application, bool]:
    """Return the application and whether it was created (False: it already existed).

    `program` may be empty: the portal holds the application under no program it named
    (an import of a legacy portal's accounts); readers name it in their own words."""
    reference = _check_text("application_number", portal_reference, MAX_REFERENCE_LENGTH)
    key = (
        Application.portal_client_id == portal_client_id,
        Application.portal_reference == reference,
    )
    existing = db.scalar(select(Application).where(*key))
    if existing is not None:
        return existing, False
    row = {
        "id": uuid.uuid4().hex,
        "portal_client_id": portal_client_id,
        "portal_reference": reference,
        "program": _check_text("program", program, MAX_PROGRAM_LENGTH, required=False),
        "applicant_subject": applicant_subject,
        "status": _check_text("status", status, MAX_STATUS_LENGTH),
        "unread_count": unread_count,
        "deep_link": deep_link,
        "created_at": now,
        "updated_at": now,
    }
    # A concurrent registration of the same number may be writing it: skip, not fail.
    inserted = db.connection().execute(_insert_unless_registered(db), row)
    created = inserted.first() is not None
    return db.scalars(select(Application).where(*key)).one(), created


def _insert_unless_registered(db: Session) -> Insert:
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql_insert(Application).on_conflict_do_nothing().returning(Application.id)
    if dialect == "sqlite":
        return sqlite_insert(Application).on_conflict_do_nothing().returning(Application.id)
    return insert(Application).returning(Application.id)


def get_application(db: Session, application_id: str) -> Application:
    application = db.get(Application, application_id) if len(application_id) <= 32 else None
    if application is None:
        raise ApplicationNotFound(f"no application {application_id!r}")
    return application


def find_portal_application(
    db: Session, portal_client_id: str, reference: str
) -> Application | None:
    return db.scalar(
        select(Application).where(
            Application.portal_client_id == portal_client_id,
            Application.portal_reference == reference,
        )
    )


def update_application(
    application: Application, change: ApplicationChange, now: datetime
) -> Application:
    if change.status is not None:
        application.status = _check_text("status", change.status, MAX_STATUS_LENGTH)
    if change.unread_count is not None:
        if not 0 <= change.unread_count <= MAX_UNREAD:
            raise InvalidDelegation(
                f"unread_count must be 0 to {MAX_UNREAD}",
                field="unread_count",
                code="invalid_application",
            )
        application.unread_count = change.unread_count
    if change.deep_link is not None:
        application.deep_link = change.deep_link
    application.updated_at = now
    return application


MAX_APPLICATIONS_PAGE = 500


def applications_of_portal(
    db: Session,
    portal_client_id: str,
    limit: int = MAX_APPLICATIONS_PAGE,
    after: str | None = None,
) -> list[Application]:
    """A page of the portal's applications in application-number order, those after the
    number `after` (keyset pagination on the (portal, number) unique index: the thousandth
    page costs what the first does, and an application added meanwhile is never skipped
    or shown twice)."""
    query = select(Application).where(Application.portal_client_id == portal_client_id)
    if after is not None:
        query = query.where(Application.portal_reference > after)
    return list(db.scalars(query.order_by(Application.portal_reference).limit(limit)))


def applications_of_applicant(db: Session, applicant_subject: str) -> list[Application]:
    return list(
        db.scalars(
            select(Application)
            .where(Application.applicant_subject == applicant_subject)
            .order_by(Application.updated_at.desc())
        )
    )

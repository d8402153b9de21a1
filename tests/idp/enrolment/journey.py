"""Walking a person through enrolment and an officer through review, as their browsers do.

Every step goes through the pages (TestClient): sign-in, the authenticator app and a
step-up, the emailed code, the profile, two multipart uploads, the declaration; the
officer signs in with a second factor and decides on the review page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from idp.accounts.models import Account
from tests.factories.idp import make_account, transaction
from tests.idp.flows import csrf_of, enable_totp, sign_in, step_up

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"%" * 200
PROFILE = {
    "legal_name": "Amrit Kaur Sandhu",
    "representative_type": "cicc",
    "membership_body": "cicc",
    "membership_number": "r712345",
    "firm": "Sandhu Immigration",
    "street_address": "100 Wellington Street",
    "locality": "Ottawa",
    "region": "Ontario",
    "postal_code": "K1A 0A9",
    "country": "Canada",
    "phone": "+1 613 555 0100",
    "contact_email": "office@sandhu.example",
}
DOCUMENTS = {
    1: {
        "document_type": "passport",
        "document_number": "AB123456",
        "name_on_document": "SANDHU, Amrit Kaur",
        "issuer": "Canada",
        "expiry": "2031-05-01",
    },
    2: {
        "document_type": "driving_permit",
        "document_number": "S1234-56789-01234",
        "name_on_document": "Amrit Kaur Sandhu",
        "issuer": "Ontario",
        "expiry": "2029-09-30",
    },
}


@dataclass
class Person:
    account: Account
    totp: str


def signed_in_with_second_factor(
    client: TestClient, clock: Any, account: Account, return_to: str = "/account"
) -> str:
    """Sign in, set up an authenticator app and prove it: the session is multi-factor."""
    sign_in(client, "/login", account.email)
    secret, _ = enable_totp(client, clock.now().timestamp())
    step_up(client, clock, secret, return_to)
    return secret


def new_person(components: Any, client: TestClient, clock: Any, **fields: Any) -> Person:
    account = make_account(components, **fields)
    return Person(account, signed_in_with_second_factor(client, clock, account))


def make_officer(components: Any, client: TestClient, clock: Any) -> Person:
    account = make_account(components, name="Officer Tremblay")
    with transaction(components) as db:
        db.get(Account, account.id).roles = ["officer"]
    return Person(account, signed_in_with_second_factor(client, clock, account))


def any_csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account/security"))


def start_and_confirm_email(client: TestClient, mail: Any, email: str) -> None:
    started = client.post("/enrolment/start", data={"csrf_token": any_csrf(client)})
    assert started.headers["location"] == "/enrolment/email", started.text[:300]
    confirmed = client.post(
        "/enrolment/email", data={"code": mail.last_code(email), "csrf_token": any_csrf(client)}
    )
    assert confirmed.headers["location"] == "/enrolment/second-factor", confirmed.text[:500]


def save_profile(client: TestClient, **overrides: str) -> Any:
    data = {**PROFILE, **overrides, "csrf_token": any_csrf(client)}
    return client.post("/enrolment/profile", data=data)


def upload(
    client: TestClient,
    slot: int,
    content: bytes = JPEG,
    name: str = "passport.jpg",
    **overrides: str,
) -> Any:
    data = {"csrf_token": any_csrf(client), **DOCUMENTS[slot], **overrides}
    files = {"file": (name, content, "application/octet-stream")}  # empty: no file chosen
    return client.post(f"/enrolment/documents/{slot}", data=data, files=files)


def submit(client: TestClient) -> Any:
    return client.post(
        "/enrolment/submit", data={"declaration": "yes", "csrf_token": any_csrf(client)}
    )


def enrol(client: TestClient, mail: Any, email: str, **profile: str) -> None:
    """Every step, each expected to succeed."""
    start_and_confirm_email(client, mail, email)
    assert save_profile(client, **profile).status_code == 303
    assert upload(client, 1, JPEG, "passport.jpg").status_code == 303
    assert upload(client, 2, PDF, "licence.pdf").status_code == 303
    done = submit(client)
    assert done.headers["location"] == "/enrolment/receipt", done.text[:500]


def enrolment_id_of(officer: TestClient, reference: str) -> str:
    queue = officer.get("/officer/enrolments?status=all")
    found = re.search(rf'href="/officer/enrolments/(\w+)">{reference}<', queue.text)
    assert found, queue.text[:2000]
    return found.group(1)


def decide(officer: TestClient, enrolment_id: str, decision: str, message: str = "") -> Any:
    page = officer.get(f"/officer/enrolments/{enrolment_id}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, page.text[:2000]
    return officer.post(
        f"/officer/enrolments/{enrolment_id}/decision",
        data={
            "decision": decision,
            "message": message,
            "version": version.group(1),
            "csrf_token": csrf_of(page),
        },
    )


def reference_of(client: TestClient) -> str:
    found = re.search(r"EN-[A-Z0-9]{4}-[A-Z0-9]{4}", client.get("/enrolment/receipt").text)
    assert found
    return found.group(0)

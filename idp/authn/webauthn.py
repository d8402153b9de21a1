"""Passkeys (WebAuthn Level 2 via py_webauthn): registration and authentication.

Credentials are discoverable (resident) with user verification required, so a passkey
alone is two factors (something you have, unlocked by something you are or know) and
signs in without a password: `amr` is `hwk` for a device-bound key or `swk` for a synced
one, plus `user`; `acr` is multi-factor. Challenges are single use, kept in the shared
store for five minutes. The relying party id is the issuer's host; the origin is the
issuer's origin, so a phishing site cannot use a passkey made here.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from adapters import EphemeralStore
from idp.accounts.models import Account
from idp.authn.models import WebAuthnCredential

CHALLENGE_TTL_SECONDS = 300
MAX_PASSKEYS = 20
MAX_NAME_LENGTH = 100
RP_NAME = "Passerelle"


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: str
    origin: str

    @classmethod
    def from_issuer(cls, issuer: str) -> RelyingParty:
        parts = urlsplit(issuer)
        return cls(id=parts.hostname or "localhost", origin=f"{parts.scheme}://{parts.netloc}")


class PasskeyRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PasskeySignIn:
    account_id: str
    amr: list[str]


def registration_options(
    db: Session, store: EphemeralStore, rp: RelyingParty, account: Account
) -> str:
    existing = db.scalars(
        select(WebAuthnCredential.credential_id).where(WebAuthnCredential.account_id == account.id)
    ).all()
    if len(existing) >= MAX_PASSKEYS:
        raise PasskeyRejected("too_many")
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=account.email,
        user_display_name=account.name,
        user_id=account.id.encode(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in existing
        ],
    )
    store.set(f"webauthn-reg:{account.id}", options.challenge, CHALLENGE_TTL_SECONDS)
    return str(options_to_json(options))


def passkey_name(name: str) -> str:
    """The name a person gives a passkey, as kept: printable characters only (a NUL or a
    control character from a script never reaches the database), trimmed, at most
    `MAX_NAME_LENGTH` characters."""
    return "".join(ch for ch in name if ch.isprintable()).strip()[:MAX_NAME_LENGTH]


def register_passkey(
    db: Session,
    store: EphemeralStore,
    rp: RelyingParty,
    account_id: str,
    credential: dict[str, Any],
    name: str,
    now: datetime,
) -> WebAuthnCredential:
    challenge = store.pop(f"webauthn-reg:{account_id}")
    if challenge is None:
        raise PasskeyRejected("challenge_expired")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        raise PasskeyRejected("invalid_response") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.get(WebAuthnCredential, credential_id) is not None:
        raise PasskeyRejected("already_registered")
    transports = credential.get("response", {}).get("transports", [])
    row = WebAuthnCredential(
        credential_id=credential_id,
        account_id=account_id,
        name=passkey_name(name) or "Passkey",
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in transports if isinstance(t, str)][:10],
        backed_up=verified.credential_backed_up
        or verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def authentication_options(
    db: Session, store: EphemeralStore, rp: RelyingParty, account_id: str | None
) -> tuple[str, str]:
    """Options for `navigator.credentials.get`, and the id of the stored challenge.

    Without an account (passwordless) the list of allowed credentials is empty, so the
    authenticator offers its discoverable passkeys for this site.
    """
    allowed = []
    if account_id is not None:
        allowed = [
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c))
            for c in db.scalars(
                select(WebAuthnCredential.credential_id).where(
                    WebAuthnCredential.account_id == account_id
                )
            )
        ]
    options = generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    challenge_id = secrets.token_urlsafe(16)
    record = {"challenge": bytes_to_base64url(options.challenge), "account_id": account_id}
    store.set(f"webauthn-auth:{challenge_id}", json.dumps(record).encode(), CHALLENGE_TTL_SECONDS)
    return str(options_to_json(options)), challenge_id


def authenticate_passkey(
    db: Session,
    store: EphemeralStore,
    rp: RelyingParty,
    challenge_id: str,
    credential: dict[str, Any],
    now: datetime,
) -> PasskeySignIn:
    raw = store.pop(f"webauthn-auth:{challenge_id[:64]}")
    if raw is None:
        raise PasskeyRejected("challenge_expired")
    record = json.loads(raw)
    credential_id = credential.get("id")
    row = (
        db.get(WebAuthnCredential, credential_id, with_for_update=True)
        if isinstance(credential_id, str)
        else None
    )
    if row is None or (record["account_id"] and row.account_id != record["account_id"]):
        raise PasskeyRejected("unknown_credential")
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(record["challenge"]),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        raise PasskeyRejected("invalid_response") from None
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    kind = "swk" if row.backed_up or verified.credential_backed_up else "hwk"
    return PasskeySignIn(row.account_id, [kind, "user"])


def rename_passkey(db: Session, account_id: str, credential_id: str, name: str) -> bool:
    row = db.get(WebAuthnCredential, credential_id)
    if row is None or row.account_id != account_id or not passkey_name(name):
        return False
    row.name = passkey_name(name)
    return True


def remove_passkey(db: Session, account_id: str, credential_id: str) -> bool:
    row = db.get(WebAuthnCredential, credential_id)
    if row is None or row.account_id != account_id:
        return False
    db.delete(row)
    return True

"""A software passkey for TestClient tests: an ES256 key pair that answers the provider's
WebAuthn challenges as an authenticator with user verification would (W3C WebAuthn Level 2
sections 6.1 and 6.3.3), so a passkey sign-in runs through `/webauthn/authenticate/*` and
py_webauthn's real verification without a browser (tests/browser uses Chromium's virtual
authenticator)."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

from idp.authn.models import WebAuthnCredential
from tests.factories.idp import transaction
from tests.idp.flows import csrf_of

ORIGIN = "https://testserver"  # the tests' issuer
RP_ID = "testserver"
_USER_PRESENT, _USER_VERIFIED = 0x01, 0x04


@dataclass
class SoftPasskey:
    """One discoverable passkey of an account, held by no browser in particular."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: str = field(default_factory=lambda: bytes_to_base64url(secrets.token_bytes(16)))
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # COSE_Key (RFC 9052 section 7): kty EC2, alg ES256, crv P-256, x, y.
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def add_to(self, components, account_id: str) -> SoftPasskey:
        """Keep the passkey as registered for the account (as `register_passkey` stores it)."""
        with transaction(components) as db:
            db.add(
                WebAuthnCredential(
                    credential_id=self.credential_id,
                    account_id=account_id,
                    name="Soft passkey",
                    public_key=self.cose_public_key(),
                    sign_count=0,
                    transports=["internal"],
                    backed_up=False,
                    created_at=components.clock.now(),
                )
            )
        return self

    def assertion(self, challenge: str) -> dict[str, object]:
        """The `PublicKeyCredential` a browser sends for `challenge` (base64url)."""
        self.sign_count += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": challenge, "origin": ORIGIN, "crossOrigin": False}
        ).encode()
        authenticator_data = (
            hashlib.sha256(RP_ID.encode()).digest()
            + bytes([_USER_PRESENT | _USER_VERIFIED])
            + struct.pack(">I", self.sign_count)
        )
        signed = authenticator_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.credential_id,
            "rawId": self.credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(authenticator_data),
                "signature": bytes_to_base64url(signature),
            },
        }

    def sign_in(self, browser: httpx.Client) -> httpx.Response:
        """Sign in with the passkey alone from the sign-in page, as its script does."""
        headers = {"X-CSRF-Token": csrf_of(browser.get("/login"))}
        options = browser.post(
            "/webauthn/authenticate/options",
            content=json.dumps({"mode": "passwordless"}),
            headers=headers,
        ).json()
        body = {
            "challengeId": options["challengeId"],
            "credential": self.assertion(options["challenge"]),
        }
        return browser.post(
            "/webauthn/authenticate/verify", content=json.dumps(body), headers=headers
        )

"""Verified claims of approved representatives (OpenID Connect for Identity Assurance 1.0).

When a portal asks for `verified_claims` in the `claims` parameter (for the ID token, for
userinfo, or both), an approved, active representative's answer carries them: the trust
framework (always), and, when asked for, the verification time, the verification process
(the enrolment's reference number) and the evidence, one entry of type `document` per
identity document the officer checked, with its type, issuer and expiry date and never its
number. Only the requested claims that the enrolment verified are released (`name`, the
legal name); a request none of whose claims can be answered gets no `verified_claims`, and
a request constraining `trust_framework` to another value is not answered (IDA section 6).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from idp.representatives.models import Representative
from idp.representatives.service import is_active

TRUST_FRAMEWORK = "ca_passerelle_representative"
EVIDENCE_SUPPORTED = ("document",)
DOCUMENTS_SUPPORTED = ("passport", "driving_permit", "idcard", "residence_permit")
CLAIMS_IN_VERIFIED_CLAIMS = ("name",)


def discovery_metadata() -> dict[str, Any]:
    """What OIDC Discovery says of verified claims (IDA section 8)."""
    return {
        "verified_claims_supported": True,
        "trust_frameworks_supported": [TRUST_FRAMEWORK],
        "evidence_supported": list(EVIDENCE_SUPPORTED),
        "documents_supported": list(DOCUMENTS_SUPPORTED),
        "claims_in_verified_claims_supported": list(CLAIMS_IN_VERIFIED_CLAIMS),
    }


def _accepts_framework(constraint: Any) -> bool:
    if not isinstance(constraint, dict):
        return True
    if "value" in constraint and constraint["value"] != TRUST_FRAMEWORK:
        return False
    values = constraint.get("values")
    return not (isinstance(values, list) and TRUST_FRAMEWORK not in values)


def _evidence(representative: Representative) -> list[dict[str, Any]]:
    return [
        {
            "type": "document",
            "document_details": {
                "type": entry.get("type", ""),
                "issuer": {"name": entry.get("issuer", "")},
                "date_of_expiry": entry.get("expiry", ""),
            },
        }
        for entry in representative.evidence or []
    ]


def _verification(representative: Representative, wanted: dict[str, Any]) -> dict[str, Any]:
    verification: dict[str, Any] = {"trust_framework": TRUST_FRAMEWORK}
    if "time" in wanted:
        verified_at = representative.verified_at.astimezone(UTC).replace(microsecond=0)
        verification["time"] = verified_at.isoformat().replace("+00:00", "Z")
    if "verification_process" in wanted:
        verification["verification_process"] = representative.enrolment_reference
    if "evidence" in wanted:
        verification["evidence"] = _evidence(representative)
    return verification


def _answer(representative: Representative, request: dict[str, Any]) -> dict[str, Any] | None:
    wanted = request.get("verification") or {}
    if not _accepts_framework(wanted.get("trust_framework")):
        return None
    available = {"name": representative.legal_name}
    claims = {name: available[name] for name in request.get("claims", {}) if name in available}
    if not claims:
        return None
    return {"verification": _verification(representative, wanted), "claims": claims}


def verified_claims(
    representative: Representative | None, requested: dict[str, Any]
) -> dict[str, Any] | list[dict[str, Any]] | None:
    """The `verified_claims` value answering `requested` (the ID token's or userinfo's
    member of the claims request), or None when there is nothing to say."""
    asked = requested.get("verified_claims")
    if asked is None or representative is None or not is_active(representative):
        return None
    requests = asked if isinstance(asked, list) else [asked]
    answers = [a for a in (_answer(representative, r) for r in requests) if a is not None]
    if not answers:
        return None
    return answers if isinstance(asked, list) else answers[0]

"""The delegated access token (DESIGN.md section 5): short-lived, never refreshed, audited.

Issued by token exchange (RFC 8693) and by an RFC 9396 authorization request: `sub` is
the applicant, `act` names the representative (RFC 8693 section 4.1), both as the portal
knows them (`idp.subjects`: public or pairwise), with, for an approved representative,
their representative ID and membership (`act: {sub, representative_id, membership: {body,
number}}`), and the token
carries `authorization_details` and `delegation_id`. It lasts at most
`DELEGATED_TOKEN_TTL_SECONDS`: the representative exchanges again, so a revocation takes
effect at the next request at the latest, and at once at introspection, which checks
the delegation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from consent import DelegatedAccess, record_event
from idp.oauth.context import OAuthContext
from idp.oauth.tokens import TokenPolicy, issue_access_token
from idp.representatives.service import act_claim, find_representative
from keys import Keyring

DELEGATED_TOKEN_TTL_SECONDS = 300


def issue_delegated_token(
    ctx: OAuthContext,
    keyring: Keyring,
    policy: TokenPolicy,
    client_id: str,
    access: DelegatedAccess,
    grant_id: str,
) -> tuple[str, dict[str, Any]]:
    """A short-lived access token for `access` (never with a refresh token); audited."""
    short_policy = replace(
        policy,
        access_token_ttl_seconds=min(DELEGATED_TOKEN_TTL_SECONDS, policy.access_token_ttl_seconds),
    )
    client = ctx.find_client(client_id)
    seen = (
        ctx.subjects.subjects_of(ctx.db, [access.principal, access.actor], client)
        if client is not None
        else {}
    )
    token, issued = issue_access_token(
        ctx.db,
        keyring,
        short_policy,
        client_id=client_id,
        subject=seen.get(access.principal, access.principal),
        scope="delegated",
        grant_id=grant_id,
        now=ctx.now,
        extra_claims={
            "act": act_claim(
                seen.get(access.actor, access.actor), find_representative(ctx.db, access.actor)
            ),
            "authorization_details": access.to_claims(),
            "delegation_id": access.delegation_id,
        },
    )
    record_event(
        ctx.db,
        event="token.issued",
        actor=access.actor,
        principal=access.principal,
        delegation_id=access.delegation_id,
        application_id=access.applications[0].application_id,
        now=ctx.now,
        details={"portal": client_id, "jti": issued["jti"], "actions": list(access.actions)},
    )
    return token, issued

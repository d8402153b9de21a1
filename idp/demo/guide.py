"""What `idp demo` prints: where everything is, who to sign in as, and a short walk-through.

A newcomer follows it in a few minutes: single sign-on across two portals, every
application in one list, a delegation, acting as a representative at a portal, a revoke,
and single logout.
"""

from __future__ import annotations

from pathlib import Path

from idp.demo.portals import DemoPortal
from idp.demo.seed import (
    APPLICANT,
    DEMO_PASSWORD,
    DEMO_TOTP_SEED,
    OFFICER,
    PEOPLE,
    REPRESENTATIVE,
    SPOUSE,
)

TOTP_URI = f"otpauth://totp/Passerelle:demo?secret={DEMO_TOTP_SEED}&issuer=Passerelle"


def _header(issuer: str, portals: list[DemoPortal]) -> list[str]:
    width = max(len(p.name) for p in portals)
    return [
        "Passerelle demo",
        f"  Passerelle (the OpenID Connect provider): {issuer}",
        "  Portals, each its own process and relying party:",
        *(f"    {p.name.ljust(width)}  {p.base_url}" for p in portals),
        "",
        f"  People (every password: {DEMO_PASSWORD}):",
        *(f"    {person.role:<16}{person.email:<28}{person.name}" for person in PEOPLE),
        "  The representative's and the officer's second factor: an authenticator app with the",
        f"    seed {DEMO_TOTP_SEED} ({TOTP_URI});",
        f"    the current code: python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SEED}')"
        '.now())"',
    ]


def _walk_through(issuer: str, portals: list[DemoPortal]) -> list[str]:
    ircc, pr, reps = (p.base_url for p in portals)
    return [
        "",
        "  Try it:",
        f"  1. Single sign-on: at {ircc} choose 'Sign in with Passerelle' and sign in as",
        f"     {APPLICANT.email}; then at {pr} sign in again: no password is asked.",
        f"  2. Applications: {issuer}/account/applications lists Amara's applications at every",
        f"     portal; {issuer}/account/household shows those {SPOUSE.name} shares with her.",
        f"  3. Delegation: {issuer}/account/representatives: {REPRESENTATIVE.name} may act on",
        "     E000123. Appointing someone asks for a second factor: add an authenticator app at",
        f"     {issuer}/account/security first.",
        "  4. Acting as a representative: in a private window, sign in at",
        f"     {ircc} (or {reps}) as {REPRESENTATIVE.email} with a TOTP code,",
        f"     open {ircc}/act, enter E000123 and 'Upload documents': the portal gets a token",
        "     whose sub is Amara and whose act is Rep Lee.",
        f"  5. Revoke: as Amara, remove Rep Lee's access at {issuer}/account/representatives;",
        f"     acting at {ircc}/act is refused at once and {ircc}/events shows the revocation.",
        f"  6. Single logout: as Amara, sign out at {ircc}; {pr} is signed out too.",
        f"  Officer console: {issuer}/officer/invitations as {OFFICER.email} with a TOTP code.",
    ]


def demo_guide(
    issuer: str, portals: list[DemoPortal], log_dir: Path, *, has_mailbox: bool
) -> list[str]:
    mailbox = [f"  Mail Passerelle sends: {issuer}/dev/mailbox"] if has_mailbox else []
    return [
        *_header(issuer, portals),
        *_walk_through(issuer, portals),
        *mailbox,
        f"  The portals log to {log_dir}/. Ctrl-C stops Passerelle and the portals.",
    ]

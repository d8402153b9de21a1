"""Full authorization-code sign-ins per second beside argon2id verifications per second.

A sign-in is what a person and a portal do over HTTP against a real `idp serve`: the
authorization request (303 to the sign-in page), the sign-in page, the password POST, the
consent page (`prompt=consent`, so every sign-in shows it), the consent POST (302 with the
code), and the portal redeeming the code at /token (ES256 access token, RS256 ID token,
refresh token). Each client thread is a fresh browser every time, with its own account.

In the same run and with the same number of threads, on the server's core when pinned,
the script times argon2id verifications at the configured parameters (the
IDP_PASSWORD_HASH_* settings, their defaults unless the environment sets them). The
password hash should be the only real cost of a sign-in: the ratio's goal is 0.85 or more.
Rounds alternate (hash, sign-ins) and the medians are kept.

Run: `python bench/signin.py [SIGN_INS] [CONCURRENCY] [ROUNDS]` (default 200 4 3);
PIN=0 to leave the scheduler free. IDP_DATABASE_URL / IDP_REDIS_URL and IDP_PASSWORD_HASH_*
are passed through.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from argon2 import PasswordHasher
from flows import PASSWORD, Portal, create_account, create_portal, redeem_code, sign_in_for_code
from harness import (
    Http,
    IdpServer,
    Load,
    deployment_line,
    describe,
    free_port,
    median_rate,
    migrated_env,
    pinning,
    run_load,
)

SCOPE = "openid profile email offline_access"
MAX_ROUND_SECONDS = 60.0


def hash_parameters(env: dict[str, str]) -> dict[str, int]:
    """The argon2id parameters the server uses: its settings' defaults unless `env` sets them."""
    from idp.settings import Settings  # the idp next to this folder (harness puts it first)

    fields = Settings.model_fields

    def setting(name: str) -> int:
        return int(env.get(f"IDP_{name.upper()}", fields[name].default))

    return {
        "memory_cost": setting("password_hash_memory_kib"),
        "time_cost": setting("password_hash_time_cost"),
        "parallelism": setting("password_hash_parallelism"),
    }


def hash_round(
    parameters: dict[str, int], count: int, concurrency: int, cpus: set[int] | None
) -> Load:
    hasher = PasswordHasher(**parameters)
    stored = hasher.hash(PASSWORD)
    return run_load(
        lambda _: hasher,
        lambda h: h.verify(stored, PASSWORD),
        concurrency=concurrency,
        count=count,
        max_seconds=MAX_ROUND_SECONDS,
        cpus=cpus,
    )


def sign_in_rounds(
    base_url: str,
    portal: Portal,
    emails: list[str],
    parameters: dict[str, int],
    count: int,
    rounds: int,
    cpus: tuple[set[int] | None, set[int] | None],
) -> tuple[list[Load], list[Load]]:
    """A warm-up sign-in per browser, then `rounds` rounds, each argon2id verifications on
    the server's CPUs then sign-ins from the client's: (hash loads, sign-in loads). One
    browser (thread) per email, each a fresh browser at every sign-in."""
    server_cpus, client_cpus = cpus
    concurrency = len(emails)

    def browser(index: int) -> tuple[Http, str]:
        return Http(base_url), emails[index]

    def sign_in(state: tuple[Http, str]) -> None:
        http, email = state
        code, verifier = sign_in_for_code(http, portal, email, SCOPE, prompt="consent")
        redeem_code(http, portal, code, verifier)

    run_load(browser, sign_in, concurrency=concurrency, count=concurrency, max_seconds=60)
    hashes, sign_ins = [], []
    for _ in range(rounds):
        hashes.append(hash_round(parameters, count, concurrency, server_cpus))
        sign_ins.append(
            run_load(
                browser,
                sign_in,
                concurrency=concurrency,
                count=count,
                max_seconds=MAX_ROUND_SECONDS,
                cpus=client_cpus,
            )
        )
    return hashes, sign_ins


def print_ratio(
    parameters: dict[str, int], hashes: list[Load], sign_ins: list[Load], what: str, goal: str
) -> None:
    """The median rates of both, every round's, and sign-ins / hashes (`RATIO <what> ...`)."""
    hashed, signed = median_rate(hashes), median_rate(sign_ins)
    params = ", ".join(f"{k}={v}" for k, v in parameters.items())
    print(describe(f"argon2id verify ({params})", hashed))
    print(describe(f"{what.removesuffix('s')} (authorize..token, 6 requests)", signed))
    print(
        f"rounds: hash {[round(h.rate, 1) for h in hashes]}, "
        f"sign-in {[round(s.rate, 1) for s in sign_ins]}"
    )
    ratio = signed.rate / hashed.rate if hashed.rate else float("nan")
    print(f"RATIO {what}/argon2id {ratio:.2f} ({goal})")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    server_cpus, client_cpus = pinning()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = migrated_env(Path(folder), port)
        parameters = hash_parameters(env)
        portal = create_portal(env, "Sign-in bench portal", "authorization_code", "refresh_token")
        emails = [f"signin-{i}@bench.example" for i in range(concurrency)]
        for email in emails:
            create_account(env, email)
        with IdpServer(env, port, cpus=server_cpus) as server:
            hashes, sign_ins = sign_in_rounds(
                server.url, portal, emails, parameters, count, rounds, (server_cpus, client_cpus)
            )
        print(deployment_line(env, server_cpus, f"{concurrency} threads, {rounds} rounds"))
        print_ratio(parameters, hashes, sign_ins, "sign-ins", "goal >= 0.85")


if __name__ == "__main__":
    main()

"""Refresh-token rotation per second over HTTP against a real `idp serve`.

Each client thread signs in once through the authorization-code flow (page, password,
consent, code, token) to get a refresh token, then rotates it in a chain: every
`grant_type=refresh_token` request presents the token the previous answer returned and
gets a new one (RFC 9700 section 4.14.2), with a new ES256 access token and, for the
`openid` scope, a new RS256 ID token. Beside it, in the same run and with the same
threads, client_credentials on the same portal: the difference is what rotation costs
(the refresh row, the grant, the account, two writes).

Run: `python bench/refresh.py [ROTATIONS] [CONCURRENCY] [ROUNDS]` (default 1000 8 3);
PIN=0 to leave the scheduler free. IDP_DATABASE_URL / IDP_REDIS_URL are passed through.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flows import FlowError, create_account, create_portal, tokens_for
from harness import (
    Http,
    IdpServer,
    deployment_line,
    describe,
    free_port,
    median_rate,
    migrated_env,
    pinning,
    run_load,
)

SCOPE = "openid profile email offline_access"
MAX_ROUND_SECONDS = 30.0


@dataclass
class Chain:
    http: Http
    refresh_token: str


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    server_cpus, client_cpus = pinning()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = migrated_env(Path(folder), port)
        portal = create_portal(
            env,
            "Refresh bench portal",
            "authorization_code",
            "refresh_token",
            "client_credentials",
        )
        email = "refresh@bench.example"
        create_account(env, email)
        with IdpServer(env, port, cpus=server_cpus) as server:
            chains = []
            for _ in range(concurrency):
                http = Http(server.url)
                chains.append(Chain(http, tokens_for(http, portal, email, SCOPE)["refresh_token"]))

            def rotate(chain: Chain) -> None:
                answer = chain.http.post(
                    "/token",
                    {"grant_type": "refresh_token", "refresh_token": chain.refresh_token},
                    auth=portal.auth,
                )
                if answer.status != 200:
                    raise FlowError(f"HTTP {answer.status}: {answer.text[:200]}")
                chain.refresh_token = answer.json()["refresh_token"]

            def client_credentials(http: Http) -> None:
                answer = http.post("/token", {"grant_type": "client_credentials"}, auth=portal.auth)
                if answer.status != 200:
                    raise FlowError(f"HTTP {answer.status}: {answer.text[:200]}")

            rotations, credentials = [], []
            for _ in range(rounds):
                rotations.append(
                    run_load(
                        lambda i: chains[i],
                        rotate,
                        concurrency=concurrency,
                        count=count,
                        max_seconds=MAX_ROUND_SECONDS,
                        cpus=client_cpus,
                    )
                )
                credentials.append(
                    run_load(
                        lambda _: Http(server.url),
                        client_credentials,
                        concurrency=concurrency,
                        count=count,
                        max_seconds=MAX_ROUND_SECONDS,
                        cpus=client_cpus,
                    )
                )
        print(deployment_line(env, server_cpus, f"{concurrency} chains, {rounds} rounds"))
        rotated, issued = median_rate(rotations), median_rate(credentials)
        print(describe("refresh_token rotation (openid: AT + ID token)", rotated))
        print(describe("client_credentials (same portal)", issued))
        print(
            f"rounds: rotation {[round(r.rate) for r in rotations]}, "
            f"client_credentials {[round(c.rate) for c in credentials]}"
        )
        ratio = rotated.rate / issued.rate if issued.rate else float("nan")
        print(f"RATIO rotation/client_credentials {ratio:.2f}")


if __name__ == "__main__":
    main()

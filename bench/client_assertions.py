"""Client credentials at /token with `private_key_jwt` (RFC 7523) beside
`client_secret_basic`, in the same run against a real `idp serve`.

Two service portals are registered through the CLI: one with a secret, one with an ES256
public key (its JWKS). Each request of the second carries a fresh assertion (its own `jti`:
a replay is refused), signed by the load thread before the clock of that request starts
(the client's CPU is not the server's). Rounds alternate and the medians are kept; the
ratio says what proving the client with a signature costs beside a secret.

Run: `python bench/client_assertions.py [REQUESTS] [CONCURRENCY] [ROUNDS]` (default 3000 4 3);
PIN=0 to leave the scheduler free. IDP_DATABASE_URL / IDP_REDIS_URL are passed through.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    Http,
    IdpServer,
    Load,
    deployment_line,
    describe,
    free_port,
    idp_cli,
    median_rate,
    migrated_env,
    pinning,
    run_load,
)
from joserfc import jwt
from joserfc.jwk import ECKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPE = "applications:write"
MAX_ROUND_SECONDS = 60.0


def _service_portal(env: dict[str, str], name: str, *extra: str) -> dict[str, str]:
    return dict(
        idp_cli(
            env,
            "clients",
            "create",
            "--name",
            name,
            "--grant-type",
            "client_credentials",
            "--scope",
            SCOPE,
            *extra,
        )
    )


def _signed_portal(env: dict[str, str], folder: Path) -> tuple[str, ECKey]:
    key = ECKey.generate_key("P-256", parameters={"kid": "bench"})
    jwks = folder / "portal-jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    portal = _service_portal(
        env, "Signed portal", "--auth-method", "private_key_jwt", "--jwks", str(jwks)
    )
    return portal["client_id"], key


def _assertion(client_id: str, key: ECKey, audience: str) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    server_cpus, client_cpus = pinning()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = migrated_env(Path(folder), port)
        secret_portal = _service_portal(env, "Secret portal")
        signed_id, key = _signed_portal(env, Path(folder))
        with IdpServer(env, port, cpus=server_cpus) as server:
            audience = server.url + "/token"
            basic = (secret_portal["client_id"], secret_portal["client_secret"])

            def with_secret(http: Http) -> None:
                answer = http.post("/token", {"grant_type": "client_credentials"}, auth=basic)
                if answer.status != 200:
                    raise RuntimeError(f"HTTP {answer.status}: {answer.text[:200]}")

            def signed_setup(_index: int) -> tuple[Http, list[dict[str, str]]]:
                forms = [
                    {
                        "grant_type": "client_credentials",
                        "client_assertion_type": ASSERTION_TYPE,
                        "client_assertion": _assertion(signed_id, key, audience),
                    }
                    for _ in range(count // concurrency + 1)
                ]
                return Http(server.url), forms

            def with_assertion(state: tuple[Http, list[dict[str, str]]]) -> None:
                http, forms = state
                answer = http.post("/token", forms.pop())
                if answer.status != 200:
                    raise RuntimeError(f"HTTP {answer.status}: {answer.text[:200]}")

            # The client, its grant and key remembered by the server first.
            run_load(
                lambda _: Http(server.url), with_secret, concurrency=1, count=3, max_seconds=30
            )
            run_load(signed_setup, with_assertion, concurrency=1, count=3, max_seconds=30)
            secrets_rounds: list[Load] = []
            signed_rounds: list[Load] = []
            for _ in range(rounds):
                secrets_rounds.append(
                    run_load(
                        lambda _: Http(server.url),
                        with_secret,
                        concurrency=concurrency,
                        count=count,
                        max_seconds=MAX_ROUND_SECONDS,
                        cpus=client_cpus,
                    )
                )
                signed_rounds.append(
                    run_load(
                        signed_setup,
                        with_assertion,
                        concurrency=concurrency,
                        count=count,
                        max_seconds=MAX_ROUND_SECONDS,
                        cpus=client_cpus,
                    )
                )
        print(deployment_line(env, server_cpus, f"{concurrency} threads, {rounds} rounds"))
        with_secret_load, signed_load = median_rate(secrets_rounds), median_rate(signed_rounds)
        print(describe("client_credentials, client_secret_basic", with_secret_load))
        print(describe("client_credentials, private_key_jwt (ES256)", signed_load))
        ratio = signed_load.rate / with_secret_load.rate if with_secret_load.rate else float("nan")
        print(f"RATIO private_key_jwt/client_secret_basic {ratio:.2f}")


if __name__ == "__main__":
    main()

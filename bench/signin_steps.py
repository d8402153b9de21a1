"""Where a sign-in's time goes: the server's CPU for each of the six requests of a sign-in.

`signin.py` compares sign-ins per second with argon2id hashes per second; this script says
which request costs what beside the hash. One browser signs in again and again, one
request at a time (authorization request, sign-in page, password, consent page, consent,
code redemption), and around each request the server's CPU time is read from
`/proc/<pid>/task/*/schedstat` (every thread, nanoseconds). Printed per request: mean CPU
in ms; then the total per sign-in, the argon2id verification measured alone in this
process at the server's parameters, and what is left for the rest. At issue 8's goal
(sign-ins / hashes >= 0.85) the rest may be at most 0.176 of a hash.

Run: `python bench/signin_steps.py [SIGN_INS]` (default 60); the server is pinned to CPU 0
unless PIN=0. IDP_DATABASE_URL / IDP_REDIS_URL are passed through.
"""

from __future__ import annotations

import glob
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flows import PASSWORD, create_account, create_portal, redeem_code, sign_in_for_code
from harness import Http, IdpServer, free_port, migrated_env, pinning
from signin import SCOPE, hash_parameters

WARM_UP = 3


def server_cpu_ns(pid: int) -> int:
    """CPU time of every thread of `pid` so far, in nanoseconds."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            total += int(Path(path).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that ended meanwhile
    return total


class MeteredHttp(Http):
    """`Http` that adds the server's CPU for each request to `spent[method path]`."""

    def __init__(self, base: str, pid: int) -> None:
        super().__init__(base)
        self.pid = pid
        self.spent: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def request(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        before = server_cpu_ns(self.pid)
        answer = super().request(method, path, *args, **kwargs)
        time.sleep(0.002)  # the response is written; let the server's threads settle
        entry = self.spent[f"{method} {path.split('?')[0]}"]
        entry[0] += server_cpu_ns(self.pid) - before
        entry[1] += 1
        return answer


def hash_ms(parameters: dict[str, int], count: int = 20) -> float:
    hasher = PasswordHasher(**parameters)
    stored = hasher.hash(PASSWORD)
    started = time.process_time()
    for _ in range(count):
        hasher.verify(stored, PASSWORD)
    return (time.process_time() - started) / count * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    server_cpus, _ = pinning()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = migrated_env(Path(folder), port)
        portal = create_portal(env, "Sign-in steps portal", "authorization_code", "refresh_token")
        email = "steps@bench.example"
        create_account(env, email)
        with IdpServer(env, port, cpus=server_cpus) as server:
            assert server.process is not None
            browser = MeteredHttp(server.url, server.process.pid)
            for round_ in range(WARM_UP + count):
                if round_ == WARM_UP:
                    browser.spent.clear()
                code, verifier = sign_in_for_code(browser, portal, email, SCOPE, prompt="consent")
                redeem_code(browser, portal, code, verifier)
        hashed = hash_ms(hash_parameters(env))
    print(f"server CPU per request, {count} sign-ins one at a time (ms)")
    total = 0.0
    for step, (spent_ns, calls) in browser.spent.items():
        per_sign_in = spent_ns / count / 1e6
        total += per_sign_in
        print(f"  {step:32s} {spent_ns / calls / 1e6:7.2f} ms  x{calls / count:.1f}")
    print(f"total per sign-in {total:.1f} ms; argon2id verify alone {hashed:.1f} ms")
    print(
        f"the rest {total - hashed:.1f} ms = {(total - hashed) / hashed:.2f} of a hash"
        f" (at most 0.18 for sign-ins / hashes >= 0.85)"
    )


if __name__ == "__main__":
    main()

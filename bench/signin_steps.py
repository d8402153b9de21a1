"""Where a sign-in's time goes: the server's CPU for each of the six requests of a sign-in.

`signin.py` compares sign-ins per second with argon2id hashes per second; this script says
which request costs what beside the hash. One browser signs in again and again, one
request at a time (authorization request, sign-in page, password, consent page, consent,
code redemption), and around each request the server's CPU time is read from its
process CPU clock (every thread, those that ended included, nanoseconds). Printed per
request: mean CPU in ms; then the total per sign-in, the argon2id verification measured
alone in this process at the server's parameters, and what is left for the rest. At issue 8's goal
(sign-ins / hashes >= 0.85) the rest may be at most 0.176 of a hash.

Run: `python bench/signin_steps.py [SIGN_INS]` (default 60); the server is pinned to CPU 0
unless PIN=0. IDP_DATABASE_URL / IDP_REDIS_URL are passed through.
"""

from __future__ import annotations

import ctypes
import os
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
CPUCLOCK_SCHED = 2  # the process CPU clock that counts in nanoseconds


def server_cpu_ns(pid: int) -> int:
    """CPU time of process `pid` so far, every thread included (also those that ended, as
    argon2id's lanes do), in nanoseconds: its process CPU clock (`clock_getcpuclockid`)."""
    clock_id = ctypes.c_int32((~pid << 3) | CPUCLOCK_SCHED).value  # Linux's encoding
    return time.clock_gettime_ns(clock_id)


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
        if server_cpus:  # the hash alone on the server's core, as the server ran it
            os.sched_setaffinity(0, server_cpus)
        hashed = hash_ms(hash_parameters(env))
    print(f"server CPU per request, {count} sign-ins one at a time (ms)")
    total = 0.0
    for step, (spent_ns, calls) in browser.spent.items():
        per_sign_in = spent_ns / count / 1e6
        total += per_sign_in
        print(f"  {step:32s} {spent_ns / calls / 1e6:7.2f} ms  x{calls / count:.1f}")
    others = total - browser.spent["POST /login"][0] / count / 1e6
    print(f"total per sign-in {total:.1f} ms; argon2id verify alone {hashed:.1f} ms")
    print(
        f"the rest {total - hashed:.1f} ms = {(total - hashed) / hashed:.2f} of a hash"
        f" (at most 0.18 for sign-ins / hashes >= 0.85)"
    )
    # The hash alone is measured here, not in the server: a few % apart from run to run,
    # which at a heavy hash is as much as the rest. The five requests without one are not.
    print(
        f"the five requests without a hash {others:.1f} ms = {others / hashed:.2f} of a hash"
        f" (the password's own is the total's rest beyond them)"
    )


if __name__ == "__main__":
    main()

"""Soak test: two `idp serve` instances on PostgreSQL + Redis under mixed traffic.

Starts its own PostgreSQL, Redis and SMTP server on loopback (the binaries the test suite
uses), migrates, registers a portal and a few people, then runs `--workers` threads of
mixed traffic for `--minutes` (default 10) against both instances in turn: sign-ins
(authorization code flow with a password), refreshes, introspections, portal decisions,
application registrations (the writes), token revocations, and deliberately invalid
token requests. Every loop is bounded in time and in count.

It prints the requests by kind, the errors by kind (zero is the goal: the deliberately
invalid requests are counted apart, and must all be refused), the RSS of each instance
at start and end, and checks afterwards that every accepted write is present: each
registered application is listed, each refresh token not revoked is active, each revoked
one inactive. Exit code 1 when anything failed.

Run on demand: `python bench/soak.py [--minutes 10] [--workers 4]` (not in CI;
tests/test_bench.py smoke-runs it for a few seconds). The stack it starts is
`soak_stack.py`, the workers' traffic and its tally `soak_traffic.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from soak_stack import Stack, rss_kib, stack
from soak_traffic import Tally, Worker

ITERATIONS_PER_WORKER_MINUTE = 3000  # the count bound, well above what a minute allows
WARM_UP_FRACTION = 0.1


def verify_writes(stack: Stack, tally: Tally) -> list[str]:
    """What is missing: applications the portal API does not know, live tokens inactive,
    revoked ones active. Each application is asked about one by one (`/api/decisions`
    answers `no_application` for an unknown number): the listing is capped at 500."""
    missing = []
    with httpx.Client(base_url=stack.urls[1], timeout=30) as http:
        auth = (stack.client_id, stack.client_secret)
        form = {"grant_type": "client_credentials", "scope": "delegations:read"}
        token = http.post("/token", data=form, auth=auth).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for number in tally.applications:
            body = {
                "actor_sub": "nobody",
                "action": "application.read",
                "application_number": number,
            }
            answer = http.post("/api/decisions", json=body, headers=headers)
            if answer.status_code != 200 or answer.json()["reason"] == "no_application":
                missing.append(f"application {number}")
        for expected, tokens in ((True, tally.live_refresh), (False, tally.revoked)):
            for refresh in tokens:
                active = http.post("/introspect", data={"token": refresh}, auth=auth).json()
                if active.get("active") is not expected:
                    missing.append(f"refresh token expected active={expected}")
    return missing


def report(
    tally: Tally, rss: dict[str, tuple[int, int, int]], missing: list[str], minutes: float
) -> bool:
    print(f"soak: 2 instances on PostgreSQL + Redis, {minutes:g} min")
    print("requests:", ", ".join(f"{k} {v}" for k, v in sorted(tally.done.items())))
    print(f"deliberately invalid, refused as expected: {tally.deliberate['refused']}")
    print("errors:", "none" if not tally.errors else "")
    for kind, count in tally.errors.most_common():
        print(f"  {count:6d}  {kind}")
    for name, (ready, warm, end) in rss.items():
        print(
            f"RSS {name}: ready {ready / 1024:.1f} MiB, after warm-up {warm / 1024:.1f} MiB, "
            f"end {end / 1024:.1f} MiB"
        )
    writes = len(tally.applications) + len(tally.live_refresh) + len(tally.revoked)
    print(
        f"writes checked: {len(tally.applications)} applications, {len(tally.live_refresh)} "
        f"live and {len(tally.revoked)} revoked refresh tokens: "
        + ("all present" if not missing else f"{len(missing)} MISSING of {writes}")
    )
    for line in missing[:20]:
        print(f"  missing: {line}")
    return not tally.errors and not missing


def run_traffic(running: Stack, tally: Tally, args: argparse.Namespace) -> list[int]:
    """Run the workers; return each instance's RSS after the warm-up (the first
    `WARM_UP_FRACTION` of the run, at most a minute: caches, pools, allocator arenas)."""
    deadline = time.monotonic() + args.minutes * 60
    iterations = int(max(1.0, args.minutes) * ITERATIONS_PER_WORKER_MINUTE)
    workers = [Worker(n, running, tally) for n in range(args.workers)]
    threads = [threading.Thread(target=w.run, args=(deadline, iterations)) for w in workers]
    for thread in threads:
        thread.start()
    time.sleep(min(60.0, args.minutes * 60 * WARM_UP_FRACTION))
    warm = [rss_kib(p.pid) for p in running.processes]
    for thread in threads:
        thread.join(timeout=args.minutes * 60 + 120)
    return warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--people", type=int, default=4)
    args = parser.parse_args()
    tally = Tally()
    with (
        tempfile.TemporaryDirectory(prefix="idp-soak-") as folder,
        stack(Path(folder), args.people) as running,
    ):
        names = [f"instance {i + 1} (pid {p.pid})" for i, p in enumerate(running.processes)]
        ready = [rss_kib(p.pid) for p in running.processes]
        warm = run_traffic(running, tally, args)
        end = [rss_kib(p.pid) for p in running.processes]
        missing = verify_writes(running, tally)
    rss = {n: (r, w, e) for n, r, w, e in zip(names, ready, warm, end, strict=True)}
    sys.exit(0 if report(tally, rss, missing, args.minutes) else 1)


if __name__ == "__main__":
    main()

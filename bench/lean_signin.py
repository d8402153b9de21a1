"""What a lean sign-in could reach on this machine: the six requests as a target shape.

`signin.py` measures Passerelle's full authorization-code sign-ins beside argon2id
verifications (issue 8's goal: a ratio of 0.85 or more). This script serves the same six
requests from a pure ASGI app on uvicorn (httptools, uvloop, one process on CPU 0) with
no framework, no ORM and no `idp` import, and drives it with the same client as
`signin.py` (`flows.sign_in_for_code`, `flows.redeem_code`: a fresh browser each time,
4 threads on CPU 1), so the ratio it prints is the ceiling of this shape in Python.

What each request still does, as Passerelle does it:
- `GET /authorize`: client and exact redirect URI, PKCE S256 required, the request kept
  in memory under a random interaction id, 303 to the sign-in page;
- `GET /login`: the interaction read, a CSRF cookie minted, Passerelle's own
  `authn/login.html` rendered (Jinja2, newstyle gettext, the English catalogue);
- `POST /login`: CSRF (double submit), the account read and its argon2id hash verified at
  the OWASP floor (19,456 KiB, t=2, p=1), a session row inserted (SHA-256 digest of the
  cookie), all in one thread-pool hop, 303 to the resume URL;
- `GET /authorize/resume`: the session and its account read (one joined SELECT in the
  pool), Passerelle's `oauth/consent.html` rendered;
- `POST /authorize/consent`: CSRF, the session read, the consent upserted and the portal
  added to the session (one hop, one transaction), a code kept in memory, 302;
- `POST /token`: HTTP Basic against a SHA-256 digest, the code taken once, PKCE, a grant
  and a refresh-token row inserted and the account read (one hop), an ES256 access token
  and an RS256 ID token signed with joserfc.
Every response carries Passerelle's security headers. SQLite in WAL mode
(synchronous=NORMAL), one connection per pool thread; no database call on the loop.

Run: `python bench/lean_signin.py [SIGN_INS] [CONCURRENCY] [ROUNDS]` (default 200 4 3);
PIN=0 to leave the scheduler free.

The app is `lean_signin_app.py`, its ASGI plumbing `lean_signin_http.py`, its SQLite
`lean_signin_db.py`; this script seeds the accounts, starts uvicorn and drives it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows import Portal
from harness import Http, free_port, pinning
from lean_signin_app import CLIENT_ID, SECRET
from lean_signin_db import HASH, seed
from signin import print_ratio, sign_in_rounds


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    server_cpus, client_cpus = pinning()
    port = free_port()
    emails = [f"lean-{i}@bench.example" for i in range(concurrency)]
    portal = Portal(CLIENT_ID, SECRET)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "lean.sqlite3")
        seed(path, emails)
        env = {**os.environ, "LEAN_DB": path, "PYTHONPATH": str(Path(__file__).parent)}
        cpus = server_cpus
        server = subprocess.Popen(  # noqa: S603  # our own shape, fixed arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "lean_signin_app:create_app",
                "--factory",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    Http(base).get("/nothing")
                    break
                except OSError:
                    time.sleep(0.1)
            hashes, sign_ins = sign_in_rounds(
                base, portal, emails, HASH, count, rounds, (server_cpus, client_cpus)
            )
        finally:
            server.terminate()
            server.wait(timeout=15)
    pinned = f"server on CPUs {sorted(server_cpus)}" if server_cpus else "unpinned"
    print(
        f"lean sign-in shape (pure ASGI, sqlite3, Jinja2, joserfc): {pinned}, {concurrency} "
        f"threads, {rounds} rounds"
    )
    goal = "issue 8's goal for Passerelle >= 0.85"
    print_ratio(HASH, hashes, sign_ins, "lean sign-ins", goal)


if __name__ == "__main__":
    main()

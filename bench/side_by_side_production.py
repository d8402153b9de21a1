"""Issue 8's production topology beside the peer: `idp serve --workers N` on PostgreSQL +
Redis, measured by `../shared/bench/side-by-side.sh` with `PIN=0` and `PASSERELLE_URL` set,
against oidc-provider's single process and the FastAPI floor, in one run.

Starts PostgreSQL (or uses BENCH_POSTGRES_URL's server) and Redis, migrates, registers a
client_credentials portal, starts the workers, then runs the side-by-side script and
prints its table and ratios unchanged.

Run: `python bench/side_by_side_production.py [WORKERS] [SIDE_BY_SIDE_SCRIPT]`
(default 2 and `../shared/bench/side-by-side.sh` beside the project).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import ROOT, IdpServer, free_port, idp_cli
from replicas import deployment

DEFAULT_SCRIPT = ROOT.parent / "shared" / "bench" / "side-by-side.sh"


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    script = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SCRIPT
    if not script.exists():
        raise SystemExit(f"side-by-side script not found: {script}")
    with (
        tempfile.TemporaryDirectory(prefix="bench-prod-") as folder,
        deployment(Path(folder)) as backend,
    ):
        client = idp_cli(
            backend.env,
            "clients", "create", "--name", "bench", "--auth-method", "client_secret_basic",
            "--grant-type", "client_credentials",
            "--scope", "applications:write delegations:read",
        )  # fmt: skip
        port = free_port()
        with IdpServer(backend.env, port, extra_args=("--workers", str(workers))) as server:
            env = dict(os.environ)
            env.update(
                PIN="0",
                PASSERELLE_URL=server.url,
                CLIENT_ID=str(client["client_id"]),
                CLIENT_SECRET=str(client["client_secret"]),
            )
            print(f"# idp serve --workers {workers}, PostgreSQL + Redis, PIN=0", flush=True)
            done = subprocess.run(["bash", str(script)], env=env, check=False)  # noqa: S603,S607
            raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()

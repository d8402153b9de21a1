"""Token exchange and introspection of delegated tokens: 1,000,000 delegations vs a few.

Two databases on one PostgreSQL (started here from the Debian binaries, or the server of
BENCH_POSTGRES_URL, an admin URL such as postgresql+psycopg://postgres@127.0.0.1:5432/postgres):
a large one seeded with DELEGATIONS delegations (default 1,000,000) and a small one with
SMALL (default 1,000), the same shape otherwise. For each: `idp db upgrade`, a portal
registered with the CLI, a representative's account made with the CLI, the seed (COPY
straight into the tables, then VACUUM ANALYZE), `idp serve`, and the representative's
access token from the authorization-code flow. Then, rounds alternating between the two
servers, the portal exchanges the representative's token for delegated tokens (RFC 8693
with RFC 9396 details, one of the representative's applications each time) and
introspects delegated tokens (which checks the delegation at every call). Prints p50, p95
and requests per second for each database, each round's rate, and the ratios large/small
(rate: the median of the per-round ratios; goal: within 10%).

Run: `python bench/delegated.py [DELEGATIONS] [REQUESTS] [CONCURRENCY] [ROUNDS]`
(default 1000000 1000 8 5); `SMALL=` sets the small database's size; PIN=0 to leave the
scheduler free. A tiny DELEGATIONS (say 2000) skips the long seed.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from flows import FlowError, Portal, create_account, create_portal, tokens_for
from harness import (
    Http,
    IdpServer,
    Load,
    describe,
    free_port,
    idp_cli,
    idp_env,
    median_rate,
    new_master_key,
    pinning,
    run_load,
)
from servers import database_url, libpq, postgres

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105  # a URN
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # a URN
PORTALS = 12  # applications spread over this many portals, the bench portal among them
PER_APPLICANT = 3  # applications (and delegations) per applicant
PER_REPRESENTATIVE = 50  # delegations per representative, on average
REP_APPLICATIONS = 20  # the bench representative's delegations at the bench portal
ACTIONS = ["application.read", "correspondence.read", "documents.upload"]
COPY_CHUNK = 20_000
MAX_ROUND_SECONDS = 30.0
TOKEN_POOL = 64  # delegated tokens introspected in a round (each lives 5 minutes)


def _copy(cursor: psycopg.Cursor[object], table: str, columns: str, lines: Iterable[str]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == COPY_CHUNK:
                copy.write("".join(chunk))
                chunk.clear()
        copy.write("".join(chunk))


def seed(url: str, total: int, portal_id: str, rep_subject: str) -> list[str]:
    """COPY `total` delegations (one application each), their applicants and
    representatives into the tables; return the bench representative's application
    numbers at the bench portal. The only code that knows the tables' columns.

    Delegation i: applicant i // 3, representative (i * 7919) % reps (the bench
    representative is number 0 and also holds the first 20 at the bench portal), portal
    i % 12; one in ten is revoked. Ids are random, as in production.
    """
    now = datetime.now(UTC)
    start, end, stamp = (now - timedelta(days=1)).isoformat(), (now + timedelta(days=365)), now
    applicants = -(-total // PER_APPLICANT)
    reps = max(1, total // PER_REPRESENTATIVE)
    portals = [portal_id] + [f"seed-portal-{k}" for k in range(1, PORTALS)]
    rep_subjects = [rep_subject] + [f"seed-rep-{k:07d}" for k in range(1, reps)]
    actions = json.dumps(ACTIONS)
    app_ids = [uuid.uuid4().hex for _ in range(total)]
    del_ids = [uuid.uuid4().hex for _ in range(total)]

    def account_lines() -> Iterator[str]:
        people = [(f"seed-applicant-{n:07d}", "[]") for n in range(applicants)]
        people += [(s, '["representative"]') for s in rep_subjects[1:]]
        for subject, roles in people:
            yield (
                f"{uuid.uuid4().hex}\t{subject}\t{subject}@seed.example\tt\tSeed {subject}\t\\N\t"
                f"en\tactive\t{roles}\t\\N\t{stamp}\t{stamp}\n"
            )

    def portal_of(i: int) -> str:
        return portal_id if i < REP_APPLICATIONS else portals[i % PORTALS]

    def rep_of(i: int) -> str:
        return rep_subject if i < REP_APPLICATIONS else rep_subjects[(i * 7919) % reps]

    def application_lines() -> Iterator[str]:
        for i in range(total):
            yield (
                f"{app_ids[i]}\t{portal_of(i)}\tE{i:09d}\tStudy permit\t"
                f"seed-applicant-{i // PER_APPLICANT:07d}\treceived\t0\t\t{stamp}\t{stamp}\n"
            )

    def delegation_lines() -> Iterator[str]:
        for i in range(total):
            status = "revoked" if i >= REP_APPLICATIONS and i % 10 == 9 else "active"
            ended = stamp if status == "revoked" else "\\N"
            applicant = f"seed-applicant-{i // PER_APPLICANT:07d}"
            yield (
                f"{del_ids[i]}\t{applicant}\t{rep_of(i)}\trepresentative_unpaid\t\\N\tf\t"
                f"{actions}\t{start}\t{end.isoformat()}\t{status}\t{applicant}\tbench\t"
                f"{stamp}\t{stamp}\t{ended}\t\\N\n"
            )

    with psycopg.connect(libpq(url)) as conn, conn.cursor() as cursor:
        _copy(
            cursor,
            "idp_accounts",
            "id, subject, email, email_verified, name, password_hash, locale, status, roles, "
            "password_changed_at, created_at, updated_at",
            account_lines(),
        )
        _copy(
            cursor,
            "consent_applications",
            "id, portal_client_id, portal_reference, program, applicant_subject, status, "
            "unread_count, deep_link, created_at, updated_at",
            application_lines(),
        )
        _copy(
            cursor,
            "consent_delegations",
            "id, principal_subject, actor_subject, kind, portal_client_id, all_applications, "
            "actions, valid_from, valid_until, status, created_by, created_via, created_at, "
            "accepted_at, ended_at, ended_by",
            delegation_lines(),
        )
        _copy(
            cursor,
            "consent_delegation_applications",
            "delegation_id, application_id",
            (f"{del_ids[i]}\t{app_ids[i]}\n" for i in range(total)),
        )
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum would have done by now
    return [f"E{i:09d}" for i in range(REP_APPLICATIONS)]


@dataclass
class Deployment:
    """One database, its server, its portal and the representative's access token."""

    name: str
    delegations: int
    url: str
    folder: Path
    port: int = field(default_factory=free_port)
    portal: Portal | None = None
    numbers: list[str] = field(default_factory=list)
    rep_token: str = ""
    master_key: str = field(default_factory=new_master_key)  # one per deployment

    @property
    def database(self) -> str:
        return self.url.rsplit("/", 1)[1]  # bench_<size>_<random hex>: built here, safe in SQL

    @property
    def env(self) -> dict[str, str]:
        return idp_env(
            self.folder,
            f"http://127.0.0.1:{self.port}",
            database_url=self.url,
            master_key=self.master_key,
            access_token_ttl_seconds="3600",  # noqa: S106  # a lifetime, not a secret
        )

    def prepare(self) -> None:
        idp_cli(self.env, "db", "upgrade")
        self.portal = create_portal(
            self.env,
            "Delegation bench portal",
            "authorization_code",
            "client_credentials",
            TOKEN_EXCHANGE,
            scope="openid applications:write delegations:read",
        )
        rep_subject = create_account(self.env, "rep@bench.example", "Bench Representative")
        started = time.perf_counter()
        self.numbers = seed(self.url, self.delegations, self.portal.client_id, rep_subject)
        print(
            f"  {self.name}: {self.delegations:,} delegations seeded in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )


def exchange_form(deployment: Deployment, index: int) -> dict[str, str]:
    number = deployment.numbers[index % len(deployment.numbers)]
    details = [{"type": "passerelle_application", "application": number, "actions": ACTIONS[:2]}]
    return {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": deployment.rep_token,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "authorization_details": json.dumps(details),
    }


def exchange(http: Http, deployment: Deployment, index: int) -> str:
    assert deployment.portal is not None  # prepared
    answer = http.post("/token", exchange_form(deployment, index), auth=deployment.portal.auth)
    if answer.status != 200:
        raise FlowError(f"exchange: HTTP {answer.status}: {answer.text[:200]}")
    token: str = answer.json()["access_token"]
    return token


@dataclass(frozen=True)
class Plan:
    requests: int
    concurrency: int
    cpus: set[int] | None


@dataclass
class Caller:
    """A client thread's connection and where it is in the rotation of applications."""

    http: Http
    counter: int

    def next(self) -> int:
        self.counter += 1
        return self.counter


def exchange_round(deployment: Deployment, url: str, plan: Plan) -> Load:
    return run_load(
        lambda i: Caller(Http(url), i * 7),
        lambda caller: exchange(caller.http, deployment, caller.next()),
        concurrency=plan.concurrency,
        count=plan.requests,
        max_seconds=MAX_ROUND_SECONDS,
        cpus=plan.cpus,
    )


def introspect_round(deployment: Deployment, url: str, plan: Plan) -> Load:
    assert deployment.portal is not None  # prepared
    auth = deployment.portal.auth
    issuer = Http(url)
    pool = [exchange(issuer, deployment, i) for i in range(TOKEN_POOL)]
    issuer.close()

    def introspect(caller: Caller) -> None:
        token = pool[caller.next() % TOKEN_POOL]
        answer = caller.http.post("/introspect", {"token": token}, auth=auth)
        if answer.status != 200 or answer.json().get("active") is not True:
            raise FlowError(f"introspect: HTTP {answer.status}: {answer.text[:200]}")

    return run_load(
        lambda i: Caller(Http(url), i * 11),
        introspect,
        concurrency=plan.concurrency,
        count=plan.requests,
        max_seconds=MAX_ROUND_SECONDS,
        cpus=plan.cpus,
    )


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    small = int(os.environ.get("SMALL", "1000"))
    server_cpus, client_cpus = pinning()
    plan = Plan(requests, concurrency, client_cpus)
    suffix = secrets.token_hex(3)
    with tempfile.TemporaryDirectory() as folder, postgres() as admin:
        deployments = [
            Deployment(
                name, size, database_url(admin, f"bench_{name}_{suffix}"), Path(folder) / name
            )
            for name, size in (("large", total), ("small", small))
        ]
        with psycopg.connect(libpq(admin), autocommit=True) as conn:
            for deployment in deployments:
                conn.execute(f"CREATE DATABASE {deployment.database}")  # type: ignore[arg-type]
        try:
            results = run(deployments, server_cpus, plan, rounds)
        finally:
            with psycopg.connect(libpq(admin), autocommit=True) as conn:
                for deployment in deployments:
                    drop = f"DROP DATABASE IF EXISTS {deployment.database} WITH (FORCE)"
                    conn.execute(drop)  # type: ignore[arg-type]
    report(deployments, results, plan, rounds)


def run(
    deployments: list[Deployment], cpus: set[int] | None, plan: Plan, rounds: int
) -> dict[tuple[str, str], list[Load]]:
    for deployment in deployments:
        deployment.prepare()
    results: dict[tuple[str, str], list[Load]] = {}
    with ExitStack() as stack:
        servers = [stack.enter_context(IdpServer(d.env, d.port, cpus=cpus)) for d in deployments]
        for deployment, server in zip(deployments, servers, strict=True):
            assert deployment.portal is not None  # prepared
            http = Http(server.url)
            deployment.rep_token = tokens_for(
                http, deployment.portal, "rep@bench.example", "openid"
            )["access_token"]
            exchange(http, deployment, 0)  # warm the caches
        pairs = list(zip(deployments, servers, strict=True))
        for index in range(rounds):
            # Which database goes first alternates, so neither always follows the other.
            order = pairs if index % 2 == 0 else pairs[::-1]
            for kind, measure in (("exchange", exchange_round), ("introspect", introspect_round)):
                for deployment, server in order:
                    results.setdefault((deployment.name, kind), []).append(
                        measure(deployment, server.url, plan)
                    )
    return results


def report(
    deployments: list[Deployment],
    results: dict[tuple[str, str], list[Load]],
    plan: Plan,
    rounds: int,
) -> None:
    large, small = deployments
    print(
        f"PostgreSQL; large {large.delegations:,} vs small {small.delegations:,} delegations; "
        f"{plan.concurrency} clients, {rounds} rounds, medians"
    )
    for kind, label in (
        ("exchange", "token exchange (RFC 8693)"),
        ("introspect", "introspect delegated"),
    ):
        chosen = {d.name: median_rate(results[(d.name, kind)]) for d in deployments}
        for deployment in deployments:
            print(describe(f"{label}, {deployment.name}", chosen[deployment.name], "req/s"))
        for deployment in deployments:
            rates = [round(load.rate) for load in results[(deployment.name, kind)]]
            print(f"  rounds, {deployment.name}: {rates} req/s")
        # Each round measures both databases back to back: the median of the per-round
        # ratios cancels the machine's drift better than a ratio of medians.
        paired = statistics.median(
            large.rate / small.rate
            for large, small in zip(results[("large", kind)], results[("small", kind)], strict=True)
            if small.rate
        )
        p50 = chosen["large"].ms(0.5) / chosen["small"].ms(0.5)
        print(f"RATIO {kind} large/small rps {paired:.2f} p50 {p50:.2f} (goal: within 10%)")


if __name__ == "__main__":
    main()

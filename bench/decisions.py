"""Benchmark of `consent.decide` with a large delegation table (default 1,000,000 rows).

Fills a database (SQLite file by default, or IDP_DATABASE_URL) with applications and
delegations spread over many applicants and representatives, then times `decide` for
allowed, refused and unknown cases and prints calls per second and percentiles.
Run: `python bench/decisions.py [DELEGATIONS] [SQLITE_FILE]`; with a file that already
holds the rows (from an earlier run), the fill is skipped.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from consent import Action, decide, delegation_allows
from consent.models import Application, Delegation, DelegationApplication
from idp.db import create_db_engine, create_session_factory
from idp.migrations.runner import upgrade_database

NOW = datetime(2026, 11, 25, tzinfo=UTC)
BATCH = 20_000


def fill(factory, total: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Insert `total` delegations (one application each); return (actor, application,
    delegation) samples."""
    rng = random.Random(7)  # noqa: S311  # spreads bench data, no secret
    samples = []
    with factory() as db, db.begin():
        for start in range(0, total, BATCH):
            apps, delegations, links = [], [], []
            for i in range(start, min(total, start + BATCH)):
                app_id, del_id = uuid.uuid4().hex, uuid.uuid4().hex
                applicant, actor = f"applicant-{i // 3}", f"rep-{rng.randrange(total // 50 + 1)}"
                apps.append(
                    {
                        "id": app_id,
                        "portal_client_id": f"portal-{i % 12}",
                        "portal_reference": f"E{i:09d}",
                        "program": "Study permit",
                        "applicant_subject": applicant,
                        "status": "received",
                        "unread_count": 0,
                        "deep_link": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
                delegations.append(
                    {
                        "id": del_id,
                        "principal_subject": applicant,
                        "actor_subject": actor,
                        "kind": "representative_unpaid",
                        "portal_client_id": None,
                        "all_applications": False,
                        "actions": ["application.read", "documents.upload"],
                        "valid_from": NOW,
                        "valid_until": NOW + timedelta(days=365),
                        "status": "active",
                        "created_by": applicant,
                        "created_via": "bench",
                        "created_at": NOW,
                    }
                )
                links.append({"delegation_id": del_id, "application_id": app_id})
                if i % 997 == 0:
                    samples.append((actor, app_id, del_id))
            db.execute(insert(Application), apps)
            db.execute(insert(Delegation), delegations)
            db.execute(insert(DelegationApplication), links)
            print(f"  inserted {min(total, start + BATCH):>9,} delegations", end="\r", flush=True)
    print()
    return samples


def measure(label: str, calls: list) -> None:  # type: ignore[type-arg]
    timings = []
    for call in calls:
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    timings.sort()
    p50 = statistics.median(timings) * 1e6
    p99 = timings[int(len(timings) * 0.99) - 1] * 1e6
    print(
        f"{label:<28} {len(timings) / sum(timings):9.0f} calls/s  "
        f"p50 {p50:7.1f} µs  p99 {p99:7.1f} µs"
    )


def existing_samples(factory) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(actor, application, delegation) samples from a database filled earlier."""
    with factory() as db:
        rows = db.execute(
            select(Delegation.actor_subject, DelegationApplication.application_id, Delegation.id)
            .join(DelegationApplication, DelegationApplication.delegation_id == Delegation.id)
            .order_by(Delegation.id)
            .limit(1000)
        ).all()
    return [(a, p, d) for a, p, d in rows]


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    keep = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "bench.sqlite3"
        reuse = keep is not None and keep.exists()
        url = os.environ.get("IDP_DATABASE_URL") or f"sqlite:///{path}"
        engine = create_db_engine(url)
        upgrade_database(engine)
        factory = create_session_factory(engine)
        print(f"database: {engine.dialect.name}; delegations: {total:,}")
        if reuse:
            samples = existing_samples(factory)
            print(f"reusing {path}; {len(samples)} sample pairs")
        else:
            started = time.perf_counter()
            samples = fill(factory, total)
            print(f"filled in {time.perf_counter() - started:.0f} s; {len(samples)} sample pairs")
        with factory() as db:
            allowed = [
                lambda a=a, p=p: decide(
                    db, actor=a, action=Action.DOCUMENTS_UPLOAD, application_id=p, now=NOW
                )
                for a, p, _ in samples
            ] * 5
            refused = [
                lambda a=a, p=p: decide(
                    db, actor=a, action=Action.PAYMENT_MAKE, application_id=p, now=NOW
                )
                for a, p, _ in samples
            ] * 5
            stranger = [
                lambda p=p: decide(
                    db, actor="nobody", action=Action.APPLICATION_READ, application_id=p, now=NOW
                )
                for _, p, _ in samples
            ] * 5
            assert decide(
                db,
                actor=samples[0][0],
                action=Action.DOCUMENTS_UPLOAD,
                application_id=samples[0][1],
                now=NOW,
            ).allowed
            measure("decide: allowed", allowed)
            measure("decide: action not granted", refused)
            measure("decide: no delegation", stranger)
            # What introspection of a delegated token checks (revocation is immediate).
            still_allowed = [
                lambda d=d, p=p: delegation_allows(
                    db, d, NOW, [(p, ["application.read", "documents.upload"])]
                )
                for _, p, d in samples
            ] * 5
            assert delegation_allows(
                db, samples[0][2], NOW, [(samples[0][1], ["application.read"])]
            )
            measure("delegation_allows (introspect)", still_allowed)
        engine.dispose()


if __name__ == "__main__":
    main()

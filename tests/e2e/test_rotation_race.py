"""Two `idp keys rotate` at once on PostgreSQL leave one current key per algorithm, and
every key that signs was published (as `next`) for the JWKS cache time first (issue 10
must-show 7; the serialization itself is `keys.rotate_signing_keys`)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from keys import ensure_signing_keys, signing_keys
from keys.keyring import SUPPORTED_ALGS
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.servers import idp_env

pytestmark = pytest.mark.e2e
MIN_PUBLISHED_SECONDS = 300  # what `idp keys rotate` waits for by default
ROUNDS = 3


def _rotate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idp", "keys", "rotate", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_two_rotations_at_once_keep_one_current_key_published_before_use(
    backend, tmp_path, smtp_inbox
):
    if not backend.is_real:
        pytest.skip("the race needs two writers at once: PostgreSQL")
    url = backend.fresh_database_url(tmp_path)
    env = idp_env(database_url=url, master_key=TEST_MASTER_KEY.to_b64url(), smtp_url=smtp_inbox[0])
    engine = create_engine(url)
    with Session(engine) as db, db.begin():  # every algorithm's keys, as a first start makes
        ensure_signing_keys(db, TEST_MASTER_KEY, SUPPORTED_ALGS, datetime.now(UTC))
    try:
        for _ in range(ROUNDS):
            with engine.begin() as db:  # the next keys have been published for an hour
                db.execute(
                    update(signing_keys)
                    .where(signing_keys.c.state == "next")
                    .values(created_at=signing_keys.c.created_at - timedelta(hours=1))
                )
            with ThreadPoolExecutor(2) as pool:
                results = list(pool.map(lambda _: _rotate(env), range(2)))
            assert sorted(r.returncode for r in results) == [0, 2], [r.stdout for r in results]
            with engine.connect() as db:
                rows = db.execute(select(signing_keys)).all()
            current = [r for r in rows if r.state == "current"]
            assert sorted(r.alg for r in current) == sorted(SUPPORTED_ALGS)
            promoted = [r for r in rows if r.activated_at not in (None, r.created_at)]
            for row in promoted:  # (the first keys are current from the first start)
                published = (row.activated_at - row.created_at).total_seconds()
                assert published >= MIN_PUBLISHED_SECONDS, (row.kid, published)
    finally:
        engine.dispose()

"""The read-only unit of work: statements on their own, and no write ever slips through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.db import create_read_session_factory, has_used_database
from tests.factories.idp import make_account


def test_a_read_only_session_reads_and_refuses_to_write(components):
    account = make_account(components)
    factory = create_read_session_factory(components.engine)
    with factory() as db:
        assert not has_used_database(db)
        found = db.scalar(select(Account).where(Account.id == account.id))
        assert found is not None
        assert has_used_database(db)
        found.name = "Changed"
        with pytest.raises(RuntimeError, match="read-only"):
            db.flush()

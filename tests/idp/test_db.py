"""Database errors never carry SQL parameters (issue 7 item 18): what they print or log
names the statement, not the values (which may be codes, digests or emails)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from idp.db import create_db_engine


def test_a_failing_statement_does_not_show_its_parameters(database_url):
    engine = create_db_engine(database_url)
    secret = "a-parameter-that-is-a-secret"
    try:
        with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
    finally:
        engine.dispose()
    assert secret not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)

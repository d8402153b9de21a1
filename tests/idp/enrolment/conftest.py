"""The enrolment suites: a small document limit (64 KB, the lowest the setting allows) so
uploads past it stay cheap, and a second browser for the officer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from idp.settings import Settings
from tests.conftest import Backend, make_settings

DOCUMENT_LIMIT = 64 * 1024


@pytest.fixture
def settings(
    backend: Backend, database_url: str, tmp_path: Path, smtp_inbox: tuple[str, object]
) -> Settings:
    smtp_url = smtp_inbox[0]  # the suite mails through a real SMTP server on both backends
    return make_settings(
        backend, database_url, tmp_path, smtp_url=smtp_url, document_max_bytes=DOCUMENT_LIMIT
    )


@pytest.fixture
def officer_browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client

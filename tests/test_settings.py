"""Settings: embedded defaults work with no environment; unsafe production setups stop."""

from __future__ import annotations

import pytest

from idp.settings import Settings, SettingsError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("IDP_"):
            monkeypatch.delenv(name)


def test_defaults_work_with_no_environment(tmp_path):
    settings = Settings(data_dir=tmp_path)
    settings.validate_for_startup()
    assert settings.issuer == "http://127.0.0.1:8000"
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'idp.sqlite3').resolve()}"


def test_https_issuer_without_master_key_stops_startup_naming_the_variable():
    with pytest.raises(SettingsError, match="IDP_MASTER_KEY"):
        Settings(issuer="https://idp.example").validate_for_startup()


def test_plain_http_issuer_outside_loopback_stops_startup():
    with pytest.raises(SettingsError, match="IDP_ISSUER"):
        Settings(issuer="http://idp.example").validate_for_startup()


def test_issuer_with_a_query_is_refused():
    with pytest.raises(ValueError, match="IDP_ISSUER"):
        Settings(issuer="https://idp.example/?x=1")


def test_placeholder_master_key_is_refused():
    with pytest.raises(SettingsError, match="placeholder"):
        Settings(issuer="https://idp.example", master_key="changeme").validate_for_startup()  # type: ignore[arg-type]


def test_weaker_than_owasp_password_hashing_is_refused():
    with pytest.raises(ValueError, match="19456"):
        Settings(password_hash_memory_kib=8192)


def test_environment_configures_the_service(monkeypatch):
    monkeypatch.setenv("IDP_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("IDP_ACCESS_TOKEN_TTL_SECONDS", "120")
    settings = Settings()
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.access_token_ttl_seconds == 120


def test_postgresql_without_master_key_stops_startup_even_on_loopback():
    settings = Settings(
        database_url="postgresql+psycopg://idp@127.0.0.1/idp", smtp_url="smtp://127.0.0.1:25"
    )
    with pytest.raises(SettingsError, match="IDP_MASTER_KEY is required with IDP_DATABASE_URL"):
        settings.validate_for_startup()


@pytest.mark.parametrize(
    "values",
    [
        {"issuer": "https://idp.example"},
        {"database_url": "postgresql+psycopg://idp@127.0.0.1/idp"},
        {"redis_url": "redis://127.0.0.1:6379/0"},
    ],
    ids=["https issuer", "postgresql", "redis"],
)
def test_dev_mailbox_outside_the_embedded_loopback_defaults_stops_startup(values):
    settings = Settings(master_key="dGVzdC1tYXN0ZXIta2V5LW9mLTMyLWJ5dGVzLSEhISE", **values)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="IDP_SMTP_URL is required"):
        settings.validate_for_startup()


def test_dev_mailbox_is_allowed_on_the_embedded_defaults_with_a_loopback_issuer(tmp_path):
    settings = Settings(data_dir=tmp_path, issuer="https://localhost")
    assert settings.allows_dev_mailbox


def test_an_unreadable_membership_register_stops_startup_naming_the_variable(tmp_path):
    from idp.bootstrap import create_membership_register

    settings = Settings(data_dir=tmp_path, membership_register_dir=tmp_path / "missing")
    with pytest.raises(SettingsError, match="IDP_MEMBERSHIP_REGISTER_DIR"):
        create_membership_register(settings)
    assert Settings(membership_register_dir="").membership_register_dir is None


def test_times_are_shown_in_torontos_zone_unless_told_otherwise():
    assert Settings().display_timezone == "America/Toronto"
    assert str(Settings(display_timezone="America/Vancouver").display_zone) == "America/Vancouver"


def test_an_unknown_display_timezone_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match="IDP_DISPLAY_TIMEZONE"):
        Settings(display_timezone="Mars/Olympus_Mons")

"""The sign-in page: errors next to their field and described by it, the rate-limit
message in minutes, escaped values, no password written back."""

from __future__ import annotations

import re

import pytest

from tests.idp.http.demo_pages import attribute, tag


def test_error_is_shown_next_to_the_field_and_described_by_it(client):
    page = client.get("/login?error_code=invalid_credentials&email=ana%40example.ca").text
    email = tag(page, "email")
    assert attribute(email, "aria-invalid") == "true"
    assert "email-error" in (attribute(email, "aria-describedby") or "").split()
    assert attribute(email, "value") == "ana@example.ca"
    assert re.search(r'id="email-error">.*Incorrect email or password\.</p>', page)
    assert 'role="alert"' in page
    assert '<a href="#email">Incorrect email or password.</a>' in page


def test_password_is_never_written_back_into_the_page(client):
    assert attribute(tag(client.get("/login").text, "password"), "value") is None


def test_rate_limit_message_rounds_up_to_minutes_in_french(client):
    page = client.get("/login?lang=fr&error_code=rate_limited&retry_after_seconds=61").text
    assert "Trop de tentatives. Réessayez dans 2 minutes." in page


@pytest.mark.parametrize(
    ("lang", "seconds", "message"),
    [
        ("en", 1, "Too many attempts. Try again in 1 minute."),
        ("en", 60, "Too many attempts. Try again in 1 minute."),
        ("en", 61, "Too many attempts. Try again in 2 minutes."),
        ("fr", 1, "Trop de tentatives. Réessayez dans 1 minute."),
        ("fr", 60, "Trop de tentatives. Réessayez dans 1 minute."),
        ("fr", 61, "Trop de tentatives. Réessayez dans 2 minutes."),
    ],
)
def test_rate_limit_message_says_one_minute_in_the_singular(client, lang, seconds, message):
    query = f"lang={lang}&error_code=rate_limited&retry_after_seconds={seconds}"
    assert message in client.get(f"/login?{query}").text


def test_field_without_error_is_not_marked_invalid(client):
    page = client.get("/login").text
    assert "aria-invalid" not in page
    assert 'class="error-summary"' not in page


def test_email_and_client_name_are_escaped(client):
    page = client.get(
        "/login",
        params={"email": '"><script>alert(1)</script>', "client_name": "<b>Portail</b>"},
    ).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Portail</b>" not in page
    assert "&lt;b&gt;Portail&lt;/b&gt;" in page


def test_client_name_is_announced_on_the_sign_in_page(client):
    assert (
        "Sign in to continue to Portail des visas"
        in client.get("/login?client_name=Portail des visas").text
    )

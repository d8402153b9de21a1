"""What every page carries (CSRF token, skip link, landmarks, stylesheet, no inline
script) and what the consent, logout, error and account pages show, on the demo app of
`demo_pages.py`."""

from __future__ import annotations

import re

from tests.idp.http.demo_pages import CSRF_TOKEN, IDP, SAMPLES


def test_forms_carry_the_csrf_token(client):
    for path in ("/login", "/consent", "/logout", "/account"):
        page = client.get(path).text
        assert f'<input type="hidden" name="csrf_token" value="{CSRF_TOKEN}">' in page, path


def test_every_template_uses_the_form_macros_as_they_are_defined():
    """`csrf()` reads the page's token: imported without context it would render empty."""
    for template in (IDP / "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r'"macros/', source), f"{template}: the macros live in _macros/"
        assert not re.search(r"csrf\([^)]", source), f"{template}: csrf() takes no argument"
        if "csrf()" in source and "_macros" not in template.parts:
            imports = r'{% from "_macros/forms.html" import [^%]*with context %}'
            assert re.search(imports, source), f"{template}: import the macros with context"


def test_every_page_has_a_skip_link_landmarks_and_a_stylesheet(client):
    for path in SAMPLES:
        page = client.get(path).text
        assert '<a class="skip-link" href="#main">' in page, path
        assert '<main id="main"' in page, path
        assert '<link rel="stylesheet" href="/static/passerelle.css">' in page, path
        assert "<script>" not in page, path  # no inline script: the CSP forbids it
        assert " style=" not in page, path


def test_stylesheet_is_served(client):
    response = client.get("/static/passerelle.css")
    assert response.status_code == 200
    assert ":focus" in response.text


def test_consent_explains_each_scope_and_shows_unknown_ones_by_name(client):
    page = client.get("/consent").text
    for label in ("See your name", "See your email address", "See your applications"):
        assert label in page
    assert "<code>x</code>" in page
    assert 'name="decision" value="allow">Allow</button>' in page
    assert 'name="decision" value="deny">Deny</button>' in page
    assert '<input type="hidden" name="interaction" value="int-123">' in page


def test_consent_in_french(client):
    page = client.get("/consent?lang=fr").text
    assert "Voir vos demandes" in page
    assert ">Autoriser</button>" in page


def test_logout_confirmation_reposts_the_hidden_fields(client):
    page = client.get("/logout").text
    assert '<form method="post" action="/logout">' in page
    assert '<input type="hidden" name="state" value="s-1">' in page
    assert '<input type="hidden" name="client_id" value="c-1">' in page


def test_error_page_translates_the_message_but_not_the_technical_detail(client):
    response = client.get("/error?lang=fr")
    assert response.status_code == 400
    assert "<h1>Cette demande ne peut pas être traitée</h1>" in response.text
    assert "<code>redirect_uri is not registered for this client</code>" in response.text
    assert "This request cannot be completed" not in response.text


def test_account_page_names_the_person(client):
    assert "You are signed in as Nadia Haddad" in client.get("/account").text

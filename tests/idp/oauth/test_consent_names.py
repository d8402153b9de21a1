"""The consent, sign-in and sign-out pages name a portal registered from a profile by its
profile's name in the page's language; a client without a profile keeps its registered
name."""

from __future__ import annotations

from tests.factories.idp import make_account, make_client, make_profile_client
from tests.idp.flows import authorization_request, sign_in

AINP_CALLBACK = "https://ainp.example/oidc/callback"
AINP_EN = "Alberta Advantage Immigration Program (AAIP, formerly AINP)"
AINP_FR = "Programme d’immigration Alberta Advantage (PIAA, anciennement AINP)"


def _consent_page(components, browser, client_id: str, **params: str) -> str:
    account = make_account(components)
    request = authorization_request(client_id, **params)
    first = browser.get("/authorize?" + request.query)
    assert first.status_code == 303, first.text[:300]
    resumed = sign_in(browser, first.headers["location"], account.email)
    page = browser.get(resumed.headers["location"])
    assert page.status_code == 200, page.text[:300]
    assert 'name="decision"' in page.text
    return page.text


def test_the_consent_page_names_a_profile_portal_in_english(components, browser):
    client, _ = make_profile_client(components, "ainp")
    page = _consent_page(
        components, browser, client.client_id, redirect_uri=AINP_CALLBACK, scope="openid profile"
    )
    assert f"{AINP_EN} wants to use your Passerelle account" in page
    assert "PIAA" not in page


def test_the_consent_page_names_a_profile_portal_in_french(components, browser):
    client, _ = make_profile_client(components, "ainp")
    page = _consent_page(
        components,
        browser,
        client.client_id,
        redirect_uri=AINP_CALLBACK,
        scope="openid profile",
        ui_locales="fr",
    )
    assert f"<h1>{AINP_FR} " in page
    # The registered name is the English one: it must not show on a French page.
    assert "Alberta Advantage Immigration Program" not in page


def test_a_client_without_a_profile_keeps_its_registered_name_in_french(components, browser):
    client, _ = make_client(components, name="Portail des visas")
    page = _consent_page(components, browser, client.client_id, ui_locales="fr")
    assert "<h1>Portail des visas " in page


def test_the_sign_in_page_names_a_profile_portal_in_french(components, browser):
    client, _ = make_profile_client(components, "ainp")
    request = authorization_request(
        client.client_id, redirect_uri=AINP_CALLBACK, scope="openid profile", ui_locales="fr"
    )
    first = browser.get("/authorize?" + request.query)
    page = browser.get(first.headers["location"])
    assert page.status_code == 200, page.text[:300]
    assert AINP_FR in page.text
    assert "Alberta Advantage Immigration Program" not in page.text


def test_the_sign_out_question_names_a_profile_portal_in_french(components, browser):
    client, _ = make_profile_client(components, "ainp")
    _consent_page(components, browser, client.client_id, redirect_uri=AINP_CALLBACK)
    page = browser.get(f"/logout?client_id={client.client_id}&lang=fr")
    assert page.status_code == 200, page.text[:300]
    assert AINP_FR in page.text
    assert "Alberta Advantage Immigration Program" not in page.text

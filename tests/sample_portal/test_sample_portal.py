"""The sample portal against a real Passerelle: sign-in, applications, single logout."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sample_portal.config import load_config
from sample_portal.portal_api import PortalApi, sample_application_number
from sample_portal.provider import Provider
from tests.e2e.servers import browser_client
from tests.idp.flows import csrf_of
from tests.sample_portal.journeys import (
    create_person,
    is_signed_in_at_portal,
    portal_csrf,
    sign_in_at_portal,
    text_of,
    wait_until,
)
from tests.sample_portal.servers import portal_env

pytestmark = pytest.mark.e2e


def test_the_portal_asks_for_a_code_with_pkce_state_and_nonce(world):
    with browser_client(world.provider.url) as browser:
        start = browser.get(f"{world.portal.url}/login")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    assert start.headers["location"].startswith(f"{world.provider.url}/authorize?")
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"]
    assert query["nonce"]
    assert query["redirect_uri"] == f"{world.portal.url}/callback"


def test_signing_in_at_the_portal_goes_through_passerelle_and_shows_the_subject(world):
    amara = create_person(world.provider, "Amara Okafor", locale="fr")
    with browser_client(world.provider.url) as browser:
        home = sign_in_at_portal(browser, world.portal.url, amara)
    assert 'id="signed-in"' in home.text
    assert text_of(home.text, "sub") == amara.sub
    assert "<dd>fr</dd>" in home.text  # the locale claim of the ID token


def test_a_callback_without_the_browsers_pending_sign_in_is_refused(world):
    with browser_client(world.provider.url) as browser:
        browser.get(f"{world.portal.url}/login")
        forged = browser.get(f"{world.portal.url}/callback?code=x&state=guessed")
    assert forged.status_code == 400
    assert "not started here" in forged.text


def test_the_portal_registers_the_applicants_applications_and_lists_them(world):
    kofi = create_person(world.provider, "Kofi Mensah")
    numbers = [sample_application_number(prefix, kofi.sub) for prefix in ("S", "W")]
    with browser_client(world.provider.url) as browser:
        sign_in_at_portal(browser, world.portal.url, kofi)
        mine = browser.get(f"{world.portal.url}/applications")
        at_passerelle = browser.get("/account/applications")
    assert mine.status_code == 200
    assert all(f'<tr id="{number}">' in mine.text for number in numbers)
    # The names its profile gives the codes it reported, not the codes.
    assert '<td>Study permit <span lang="fr">/ Permis d’études</span></td>' in mine.text
    assert '<td>Received <span lang="fr">/ Reçue</span></td>' in mine.text
    assert "study_permit" not in mine.text
    assert all(number in at_passerelle.text for number in numbers)
    assert "IRCC Portal" in at_passerelle.text


def test_signing_in_again_files_no_second_application(world):
    lea = create_person(world.provider, "Léa Tremblay")
    with browser_client(world.provider.url) as browser:
        sign_in_at_portal(browser, world.portal.url, lea)
        sign_in_at_portal(browser, world.portal.url, lea)
        mine = browser.get(f"{world.portal.url}/applications")
    assert mine.text.count("<tr id=") == 2


def test_signing_out_at_passerelle_ends_the_portal_session_by_back_channel(world):
    ana = create_person(world.provider, "Ana Silva")
    with browser_client(world.provider.url) as browser:
        sign_in_at_portal(browser, world.portal.url, ana)
        assert is_signed_in_at_portal(browser, world.portal.url)
        confirm = browser.get("/logout")
        signed_out = browser.post("/logout", data={"csrf_token": csrf_of(confirm)})
        assert signed_out.status_code == 200
        assert wait_until(lambda: not is_signed_in_at_portal(browser, world.portal.url))


def test_signing_out_at_the_portal_signs_out_at_passerelle_and_comes_back(world):
    jin = create_person(world.provider, "Jin Park")
    with browser_client(world.provider.url) as browser:
        sign_in_at_portal(browser, world.portal.url, jin)
        out = browser.post(
            f"{world.portal.url}/logout",
            data={"csrf_token": portal_csrf(browser, world.portal.url)},
        )
        end_session = out.headers["location"]
        query = parse_qs(urlsplit(end_session).query)
        assert end_session.startswith(f"{world.provider.url}/logout?")
        assert query["post_logout_redirect_uri"] == [f"{world.portal.url}/signed-out"]
        assert "id_token_hint" in query
        back = browser.get(end_session)
        assert back.headers["location"].startswith(f"{world.portal.url}/signed-out")
        assert "Signed out" in browser.get(back.headers["location"]).text
        assert not is_signed_in_at_portal(browser, world.portal.url)
        assert browser.get("/account").status_code == 303  # signed out at Passerelle too


@pytest.mark.parametrize("token", ["eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "not a token", ""])
def test_a_forged_logout_token_is_refused(world, token):
    response = httpx.post(
        f"{world.portal.url}/backchannel-logout", data={"logout_token": token}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["cache-control"] == "no-store"


def test_an_event_that_is_not_a_security_event_token_is_refused(world):
    response = httpx.post(f"{world.portal.url}/events", json={"events": {}}, timeout=10)
    assert response.status_code == 400
    assert response.json()["err"] == "invalid_request"


def test_the_portal_api_client_reads_every_page_of_the_list(world):
    """The list comes in pages (`Link: rel="next"`); the sample portal follows them all."""
    for name in ("Ama Owusu", "Jomo Kariuki"):
        with browser_client(world.provider.url) as browser:
            sign_in_at_portal(browser, world.portal.url, create_person(world.provider, name))
    config = load_config(portal_env(world.provider, world.registration, 8000, "pages"))

    async def both_ways() -> tuple[list[str], list[str]]:
        provider = Provider(config)
        api = PortalApi(config, provider)
        try:
            paged = await api._every_page("/api/applications?limit=1")
            whole = await api._every_page("/api/applications")
        finally:
            await api.aclose()
            await provider.aclose()
        return [a["application_number"] for a in paged], [a["application_number"] for a in whole]

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever pytest's thread holds
        paged, whole = thread.submit(asyncio.run, both_ways()).result()
    assert len(whole) >= 4  # two sample applications for each of the two people
    assert paged == whole

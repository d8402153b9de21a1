"""RFC 8252 §7.1: a native client's private-use URI scheme redirects (`ca.gc.ircc.app:/cb`),
refused to web clients; a native client's post-logout redirect URIs follow the same rules."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from adapters.portals import load_portal_profile
from adapters.portals.loader import PROFILES_FOLDER
from idp.cli.main import app
from idp.clients.native_apps import check_private_use_redirect_uri, form_action_scheme
from idp.clients.sync import sync_portal_profiles
from idp.errors import InvalidInput
from idp.http.security_headers import content_security_policy
from tests.factories.idp import make_client, transaction

APP_URI = "ca.gc.ircc.app:/oauth2redirect"


def _native(components, uris=(APP_URI,), logout_uris=()):
    client, _ = make_client(
        components,
        application_type="native",
        auth_method="none",
        redirect_uris=list(uris),
        post_logout_redirect_uris=list(logout_uris),
    )
    return client


@pytest.mark.parametrize(
    "uri",
    [
        APP_URI,
        "com.example.app:/cb?tab=1",
        "com.example-corp.app2:/",
        "com.googleusercontent.apps.1234-abcd:/oauth2redirect",
    ],
)
def test_a_reverse_domain_scheme_with_a_path_is_a_private_use_uri(uri):
    assert check_private_use_redirect_uri(uri, "redirect_uri") == uri
    assert form_action_scheme(uri) == uri.split(":")[0] + ":"


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("myapp:/cb", "reverse domain name"),  # no period: not under the app's control
        ("javascript:/alert(1)", "reverse domain name"),
        ("data:/text/html,x", "reverse domain name"),
        ("file:/etc/passwd", "reverse domain name"),
        ("vbscript:/msgbox", "reverse domain name"),
        ("view-source:/x", "reverse domain name"),
        ("com..example:/cb", "reverse domain name"),
        (".com.example:/cb", "reverse domain name"),
        ("com.example.:/cb", "reverse domain name"),
        ("com.example+x.app:/cb", "reverse domain name"),
        ("Com.Example.App:/cb", "lower case"),
        ("com.example.app://host/cb", "single slash"),  # no authority (§7.1)
        ("com.example.app:cb", "single slash"),
        ("com.example.app:", "single slash"),
        ("com.example.app:/cb#frag", "fragment"),
        ("com.example.app:/c b", "space"),
        ("com.example.app:/cb\n", "space"),
    ],
)
def test_other_schemes_and_shapes_are_refused_naming_the_field(uri, said):
    with pytest.raises(InvalidInput) as refused:
        check_private_use_redirect_uri(uri, "post_logout_redirect_uri")
    assert refused.value.field == "post_logout_redirect_uri"
    assert said in refused.value.message
    assert form_action_scheme(uri) is None


@pytest.mark.parametrize(
    "uri", ["https://app.example/cb", "http://127.0.0.1/cb", "javascript:alert(1)", ""]
)
def test_only_a_private_use_uri_needs_a_form_action_source(uri):
    assert form_action_scheme(uri) is None


def test_a_native_client_registers_a_private_use_uri_matched_exactly(components):
    client = _native(components, (APP_URI, "http://127.0.0.1/cb"))
    assert client.redirect_uris == (APP_URI, "http://127.0.0.1/cb")
    assert client.check_redirect_uri(APP_URI)
    for other in (APP_URI + "/", "ca.gc.ircc.app:/other", "CA.GC.IRCC.APP:/oauth2redirect"):
        assert not client.check_redirect_uri(other)


@pytest.mark.parametrize("field", ["redirect_uris", "post_logout_redirect_uris"])
def test_a_web_client_is_refused_a_private_use_uri_naming_the_field(components, field):
    with pytest.raises(InvalidInput) as refused:
        make_client(components, **{field: [APP_URI]})
    assert refused.value.field == field.removesuffix("s")
    assert "application_type native" in refused.value.message


def test_a_native_clients_post_logout_uris_follow_the_native_rules(components):
    client = _native(components, logout_uris=("http://127.0.0.1/bye", "ca.gc.ircc.app:/bye"))
    assert client.check_post_logout_redirect_uri("http://127.0.0.1:53127/bye")
    assert client.check_post_logout_redirect_uri("ca.gc.ircc.app:/bye")
    assert not client.check_post_logout_redirect_uri("ca.gc.ircc.app:/bye2")
    assert not client.check_post_logout_redirect_uri("http://127.0.0.1:53127/other")
    with pytest.raises(InvalidInput) as refused:
        _native(components, logout_uris=("http://localhost/bye",))
    assert refused.value.field == "post_logout_redirect_uri"
    assert "127.0.0.1" in refused.value.message


def test_a_web_clients_post_logout_uri_is_still_matched_exactly(components):
    client, _ = make_client(components, post_logout_redirect_uris=["http://127.0.0.1:8101/bye"])
    assert client.check_post_logout_redirect_uri("http://127.0.0.1:8101/bye")
    assert not client.check_post_logout_redirect_uri("http://127.0.0.1:9999/bye")


def test_new_uris_of_a_web_client_are_refused_a_private_use_scheme(components):
    from idp.clients.service import update_client_uris

    client, _ = make_client(components)
    with transaction(components) as db, pytest.raises(InvalidInput) as refused:
        update_client_uris(
            db,
            client.client_id,
            redirect_uris=list(client.redirect_uris),
            post_logout_redirect_uris=[APP_URI],
            backchannel_logout_uri=None,
            events_uri=None,
        )
    assert refused.value.field == "post_logout_redirect_uri"


def test_the_form_action_scheme_is_the_native_clients_registered_one_only(components):
    client = _native(components, logout_uris=("com.example.app:/bye",))
    assert client.form_action_schemes(APP_URI) == ("ca.gc.ircc.app:",)
    assert client.form_action_schemes("com.example.app:/bye", logout=True) == ("com.example.app:",)
    assert client.form_action_schemes("com.example.app:/bye") == ()  # not a redirect_uri
    assert client.form_action_schemes("ca.gc.ircc.app:/other") == ()
    assert client.form_action_schemes(None) == ()


def test_a_pairwise_native_client_on_a_private_use_scheme_names_its_sector(components):
    with pytest.raises(InvalidInput) as refused:
        make_client(
            components,
            application_type="native",
            auth_method="none",
            redirect_uris=[APP_URI],
            subject_type="pairwise",
        )
    assert refused.value.field == "sector_identifier"


def test_the_policy_adds_exactly_the_schemes_given_to_form_action():
    policy = content_security_policy(form_action_schemes=["ca.gc.ircc.app:"])
    assert "form-action 'self' http: https: ca.gc.ircc.app:;" in policy
    assert content_security_policy().count("ca.gc") == 0
    for bad in ("javascript:", "ca.gc.ircc.app: 'unsafe-inline'", "x.y:;script-src *", "a.b"):
        with pytest.raises(ValueError, match="scheme"):
            content_security_policy(form_action_schemes=[bad])


def test_the_cli_refuses_a_web_client_a_private_use_uri_naming_the_field(cli_env):
    args = ["clients", "create", "--name", "Desktop", "--redirect-uri", APP_URI, "--json"]
    refused = cli_env.invoke(app, [*args, "--auth-method", "none"])
    assert refused.exit_code == 2, refused.output
    assert json.loads(refused.output)["field"] == "redirect_uri"
    created = cli_env.invoke(app, [*args, "--auth-method", "none", "--application-type", "native"])
    assert created.exit_code == 0, created.output


def test_a_profile_registers_a_private_use_uri_only_as_a_native_client(components):
    profile = load_portal_profile(PROFILES_FOLDER / "physical-presence-calculator.toml")
    app_profile = replace(profile, redirect_uris=(APP_URI,), frontchannel_logout_uri=None)
    with transaction(components) as db, pytest.raises(InvalidInput) as refused:
        sync_portal_profiles(db, [app_profile], components.clock.now())
    assert refused.value.field == "redirect_uri"
    with transaction(components) as db:
        native = replace(app_profile, application_type="native")
        (result,) = sync_portal_profiles(db, [native], components.clock.now())
    assert result.client_id

"""Native apps (RFC 8252): what a native client may register, and how its loopback
redirect URIs match; web clients keep exact matching."""

from __future__ import annotations

import pytest

from idp.clients.native_apps import is_loopback_redirect_match
from idp.errors import InvalidInput
from tests.factories.idp import make_client, transaction

NATIVE_URI = "http://127.0.0.1/cb"


def _native(components, *uris: str):
    client, _ = make_client(
        components, application_type="native", auth_method="none", redirect_uris=list(uris)
    )
    return client


def test_clients_are_web_clients_unless_registered_as_native(components):
    client, _ = make_client(components)
    assert client.application_type == "web"
    assert _native(components, NATIVE_URI).application_type == "native"


def test_an_unknown_application_type_is_refused_naming_the_field(components):
    with pytest.raises(InvalidInput) as refused:
        make_client(components, application_type="desktop")
    assert refused.value.field == "application_type"
    assert "web or native" in refused.value.message


@pytest.mark.parametrize("uri", ["http://localhost/cb", "http://localhost:8101/cb"])
def test_a_native_client_on_localhost_is_refused_and_told_to_use_127_0_0_1(components, uri):
    with pytest.raises(InvalidInput) as refused:
        _native(components, uri)
    assert refused.value.field == "redirect_uri"
    assert "127.0.0.1" in refused.value.message


@pytest.mark.parametrize(
    "uri",
    [
        "http://native.example/cb",  # http off loopback
        "http://127.0.0.2/cb",  # not the loopback literal RFC 8252 names
        "myapp:/callback",  # a private-use scheme must be a reverse domain name
    ],
)
def test_a_native_client_is_refused_what_is_neither_https_nor_a_loopback_ip(components, uri):
    with pytest.raises(InvalidInput) as refused:
        _native(components, uri)
    assert refused.value.field == "redirect_uri"


def test_a_native_client_registers_loopback_ips_and_https(components):
    uris = ("http://127.0.0.1/cb", "http://[::1]:8101/cb", "https://app.example/cb")
    assert _native(components, *uris).redirect_uris == uris


def test_a_web_client_may_still_register_localhost(components):
    client, _ = make_client(components, redirect_uris=["http://localhost:8101/cb"])
    assert client.redirect_uris == ("http://localhost:8101/cb",)


def test_new_uris_of_a_native_client_are_checked_as_a_native_clients(components):
    from idp.clients.service import update_client_uris

    client = _native(components, NATIVE_URI)
    with transaction(components) as db, pytest.raises(InvalidInput) as refused:
        update_client_uris(
            db,
            client.client_id,
            redirect_uris=["http://localhost/cb"],
            post_logout_redirect_uris=[],
            backchannel_logout_uri=None,
            events_uri=None,
        )
    assert refused.value.field == "redirect_uri"


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:53127/cb",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:1/cb",
        "http://127.0.0.1:65535/cb",
    ],
)
def test_a_native_clients_loopback_uri_matches_on_any_port(components, requested):
    assert _native(components, NATIVE_URI).check_redirect_uri(requested)


def test_a_native_clients_loopback_uri_registered_with_a_port_matches_another(components):
    client = _native(components, "http://[::1]:8101/cb?app=1")
    assert client.check_redirect_uri("http://[::1]:49152/cb?app=1")
    assert client.check_redirect_uri("http://[::1]/cb?app=1")


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:53127/cb/",  # another path
        "http://127.0.0.1:53127/other",
        "http://127.0.0.1:53127/CB",
        "http://127.0.0.1:53127/cb?x=1",  # another query
        "http://127.0.0.1:53127/cb#frag",
        "http://[::1]:53127/cb",  # another host: 127.0.0.1, [::1] and localhost differ
        "http://localhost:53127/cb",
        "https://127.0.0.1:53127/cb",  # another scheme
        "http://user@127.0.0.1:53127/cb",  # credentials
        "http://127.0.0.1:0/cb",  # not a port
        "http://127.0.0.1:65536/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:53127.evil.example/cb",
    ],
)
def test_a_native_clients_loopback_uri_differing_otherwise_is_refused(components, requested):
    assert not _native(components, NATIVE_URI).check_redirect_uri(requested)


def test_a_native_clients_https_uri_is_matched_exactly(components):
    client = _native(components, "https://app.example/cb")
    assert client.check_redirect_uri("https://app.example/cb")
    assert not client.check_redirect_uri("https://app.example:8443/cb")


def test_a_web_clients_loopback_uri_is_matched_exactly(components):
    client, _ = make_client(components, redirect_uris=["http://127.0.0.1:8101/cb"])
    assert client.check_redirect_uri("http://127.0.0.1:8101/cb")
    assert not client.check_redirect_uri("http://127.0.0.1:9999/cb")
    assert not client.check_redirect_uri("http://127.0.0.1/cb")


def test_only_loopback_ip_literals_over_http_match_on_another_port():
    assert is_loopback_redirect_match("http://127.0.0.1/cb", "http://127.0.0.1:5/cb")
    assert not is_loopback_redirect_match("http://localhost/cb", "http://localhost:5/cb")
    assert not is_loopback_redirect_match("https://app.example/cb", "https://app.example:5/cb")

"""docs/portal-integration.md, followed step by step against a real Passerelle.

Every `sh` block of the numbered steps runs as written, in bash, with the variables of
the blocks before it (a reader's terminal); every `text` URL is opened by the test's
browser; every `$ISSUER/...` address the steps name is requested. What needs a person
(signing in, appointing a representative) is done in the provider's pages, as a person
would. The test fails if the guide gains a command or an address it does not exercise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import KeySet

from sample_portal.tokens import current_actor, verify_delegated_token, verify_id_token
from tests.e2e.servers import IdpProcess, browser_client, new_port
from tests.idp.flows import pkce_pair
from tests.sample_portal.journeys import (
    Person,
    accept_appointment,
    appoint,
    create_person,
    follow_authorization,
    is_signed_in_at_portal,
    revoke_appointment,
    sign_in_at_portal,
    wait_until,
)
from tests.sample_portal.servers import start_provider

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "portal-integration.md"
STEP_HEADING = re.compile(r"^## (\d+)\. ", flags=re.M)
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", flags=re.M | re.S)
ISSUER_ADDRESS = re.compile(r"\$ISSUER(/[\w./-]*)")
NUMBER = "E1234567"  # the application the guide registers


@dataclass(frozen=True)
class Block:
    step: int
    lang: str
    text: str


def guide_blocks() -> list[Block]:
    """The code blocks of the numbered steps, in order."""
    text = GUIDE.read_text()
    starts = [(m.start(), int(m.group(1))) for m in STEP_HEADING.finditer(text)]
    ends = [*(start for start, _ in starts[1:]), text.index("\n## Checklist")]
    return [
        Block(step, match.group(1), match.group(2))
        for (start, step), end in zip(starts, ends, strict=True)
        for match in BLOCK.finditer(text[start:end])
    ]


def guide_addresses() -> set[str]:
    """Every `$ISSUER/...` path the numbered steps name, in prose or in code."""
    text = GUIDE.read_text()
    steps = text[STEP_HEADING.search(text).start() : text.index("\n## Checklist")]
    return set(ISSUER_ADDRESS.findall(steps))


@dataclass
class Terminal:
    """A reader's shell: each block runs in bash with the variables set so far, and the
    variables it sets are kept for the next (`set -a` exports every assignment)."""

    folder: Path
    env: dict[str, str]
    ran: list[Block] = field(default_factory=list)
    opened: set[str] = field(default_factory=set)

    def run(self, block: Block) -> str:
        assert block.lang == "sh", block
        saved = self.folder / ".env-after"
        script = f"set -euo pipefail\nset -a\n{block.text}\nenv -0 > {saved}\n"
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (block.text, result.stderr)
        pairs = saved.read_text().split("\0")
        self.env = dict(p.split("=", 1) for p in pairs if "=" in p)
        self.ran.append(block)
        self.opened |= set(ISSUER_ADDRESS.findall(block.text))
        return result.stdout

    def start(self, block: Block, log: Path) -> subprocess.Popen[bytes]:
        """Run a block that serves until stopped (the sample portal), in its own group."""
        self.ran.append(block)
        with log.open("wb") as handle:
            return subprocess.Popen(
                ["bash", "-c", f"set -a\n{block.text}"],
                cwd=self.folder,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def url(self, block: Block) -> str:
        """A `text` block's address with the variables substituted (all must be known)."""
        assert block.lang == "text", block
        self.ran.append(block)
        self.opened |= set(ISSUER_ADDRESS.findall(block.text))
        return re.sub(r"\$(\w+)", lambda m: self.env[m.group(1)], block.text.strip())

    def open(self, browser: httpx.Client, path: str) -> httpx.Response:
        self.opened.add(path)
        return browser.get(self.env["ISSUER"] + path)


def json_documents(output: str) -> list:
    """The JSON documents printed one after the other by a block's commands."""
    decoder, documents, position = json.JSONDecoder(), [], 0
    while position < len(output.rstrip()):
        document, end = decoder.raw_decode(output, position)
        documents.append(document)
        position = end + len(output[end:]) - len(output[end:].lstrip())
    return documents


def _reader_path(folder: Path) -> str:
    """`idp` and `python` as the reader has them: this checkout's code."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "idp"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m idp "$@"\n')
    shim.chmod(0o755)
    return os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IdpProcess, Terminal]]:
    for tool in ("bash", "curl", "jq"):
        if shutil.which(tool) is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true and {tool} is missing")
            pytest.skip(f"the guide's commands need {tool}")
    folder = tmp_path_factory.mktemp("guide")
    provider = start_provider(folder)
    env = {
        **provider.env,  # the operator's settings, for `idp clients create`
        "PATH": _reader_path(folder),
        "PYTHONPATH": str(ROOT),
        "ISSUER": provider.url,
        "PORTAL": f"http://localhost:{new_port()}",
    }
    yield provider, Terminal(folder, env)
    provider.stop()


@pytest.fixture
def sample_portal(reader) -> Iterator[str]:
    """Steps 1 and 2: register the portal, then run the worked example."""
    _, terminal = reader
    register, run = guide_blocks()[:2]
    terminal.run(register)
    assert terminal.env["CLIENT_ID"]
    assert terminal.env["CLIENT_SECRET"]
    process = terminal.start(run, terminal.folder / "portal.log")
    portal = terminal.env["PORTAL"]
    assert wait_until(lambda: _answers(portal), timeout_seconds=30), (
        terminal.folder / "portal.log"
    ).read_text()
    yield portal
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _blocks_of(step: int, lang: str | None = None) -> list[Block]:
    return [b for b in guide_blocks() if b.step == step and (lang is None or b.lang == lang)]


def _sign_in_by_hand(terminal: Terminal, browser: httpx.Client, person: Person) -> dict:
    """Step 3 for one person: the authorization URL, the code redeemed, the ID token
    validated. Returns the ID token's claims."""
    _, url_block, redeem, userinfo = _blocks_of(3)
    verifier, challenge = pkce_pair()
    terminal.env.update(
        STATE=f"s-{time.monotonic_ns()}",
        NONCE=f"n-{time.monotonic_ns()}",
        CODE_VERIFIER=verifier,
        CODE_CHALLENGE=challenge,
    )
    callback = follow_authorization(browser, terminal.url(url_block), person)
    portal = terminal.env["PORTAL"]
    assert callback.startswith(f"{portal}/callback?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert query["state"] == terminal.env["STATE"]
    assert query["iss"] == terminal.env["ISSUER"]  # RFC 9207
    terminal.env["CODE"] = query["code"]
    terminal.run(redeem)
    keys = KeySet.import_key_set(terminal.open(browser, "/jwks").json())
    claims = verify_id_token(
        terminal.env["ID_TOKEN"],
        keys,
        issuer=terminal.env["ISSUER"],
        client_id=terminal.env["CLIENT_ID"],
        nonce=terminal.env["NONCE"],
    )
    assert json.loads(terminal.run(userinfo))["sub"] == claims["sub"] == person.sub
    return claims


def _check_discovery(terminal: Terminal) -> None:
    discovery = json.loads(terminal.run(_blocks_of(3)[0]))
    assert discovery["issuer"] == terminal.env["ISSUER"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["authorization_response_iss_parameter_supported"] is True
    assert "urn:passerelle:loa:2" in discovery["acr_values_supported"]


def _register_applications(terminal: Terminal, browser: httpx.Client, applicant: Person) -> None:
    """Step 4: the portal's token, then register, update, list, and a refused body."""
    token, register, update_and_list, refused = _blocks_of(4)
    terminal.run(token)
    (registered,) = json_documents(terminal.run(register))
    assert registered["application_number"] == NUMBER
    assert registered["applicant_sub"] == applicant.sub
    assert json_documents(terminal.run(register)) == [registered]  # same Idempotency-Key
    patched, listed = json_documents(terminal.run(update_and_list))
    assert (patched["status"], patched["unread_count"]) == ("in_review", 2)
    assert NUMBER in [a["application_number"] for a in listed]
    (problem,) = json_documents(terminal.run(refused))
    assert problem["status"] == 422
    assert {"program", "status", "applicant"} <= {e["field"] for e in problem["errors"]}
    described = terminal.open(browser, "/api/openapi.json").json()
    assert {"/api/applications", "/api/decisions"} <= set(described["paths"])
    assert NUMBER in browser.get("/account/applications").text


def _act_for_the_applicant(terminal: Terminal, applicant: Person, representative: Person) -> None:
    """Step 5: exchange, read the delegated token, introspect, ask for a decision."""
    exchange, introspect, decide = _blocks_of(5, "sh")
    terminal.run(exchange)
    keys = KeySet.import_key_set(httpx.get(terminal.env["ISSUER"] + "/jwks", timeout=10).json())
    claims = verify_delegated_token(
        terminal.env["DELEGATED_TOKEN"],
        keys,
        issuer=terminal.env["ISSUER"],
        client_id=terminal.env["CLIENT_ID"],
    )
    assert claims["sub"] == applicant.sub
    assert current_actor(claims) == representative.sub
    assert claims["authorization_details"][0]["application"] == NUMBER
    introspected = json.loads(terminal.run(introspect))
    assert introspected["active"] is True
    assert introspected["act"] == {"sub": representative.sub}
    decision = json.loads(terminal.run(decide))
    assert decision["allowed"] is True
    assert decision["reason"] == "allowed"


def _appointed_representative(
    terminal: Terminal, provider: IdpProcess, applicant_browser: httpx.Client
) -> tuple[Person, list[str]]:
    """Between steps 4 and 5, at Passerelle: the applicant appoints a representative, who
    signs in at the portal by step 3 and accepts. Returns the representative and the
    applicant's unused recovery codes (they have a second factor now)."""
    representative = create_person(provider, "Rep Lee")
    actions = ["application.read", "documents.upload"]
    recovery_codes = appoint(applicant_browser, representative, NUMBER, actions)
    applicants_tokens = {k: terminal.env[k] for k in ("ID_TOKEN", "ACCESS_TOKEN", "NONCE")}
    with browser_client(provider.url) as rep_browser:
        _sign_in_by_hand(terminal, rep_browser, representative)
        accept_appointment(rep_browser)
    terminal.env.update(REP_ACCESS_TOKEN=terminal.env["ACCESS_TOKEN"], REP_SUB=representative.sub)
    terminal.env.update(applicants_tokens)
    return representative, recovery_codes


def _sign_out_everywhere(terminal: Terminal, browser: httpx.Client) -> None:
    """Step 6: RP-initiated logout; the worked example's session ends by back-channel."""
    portal = terminal.env["PORTAL"]
    assert is_signed_in_at_portal(browser, portal)
    terminal.env["STATE"] = f"out-{time.monotonic_ns()}"
    back = browser.get(terminal.url(_blocks_of(6)[0]))
    assert back.headers["location"] == f"{portal}/signed-out?state={terminal.env['STATE']}"
    assert wait_until(lambda: not is_signed_in_at_portal(browser, portal))


def test_the_guide_works_step_by_step(reader, sample_portal):
    provider, terminal = reader
    applicant = create_person(provider, "Amara Okafor", locale="fr")
    _check_discovery(terminal)
    with browser_client(provider.url) as browser:
        sign_in_at_portal(browser, sample_portal, applicant)  # step 2's worked example
        claims = _sign_in_by_hand(terminal, browser, applicant)
        assert claims["locale"] == "fr"
        _register_applications(terminal, browser, applicant)
        representative, recovery_codes = _appointed_representative(terminal, provider, browser)
        _act_for_the_applicant(terminal, applicant, representative)
        _sign_out_everywhere(terminal, browser)
        # Step 7: the applicant, signed in again, revokes; the portal hears of it.
        sign_in_at_portal(browser, sample_portal, applicant, recovery_codes[0])
        revoke_appointment(browser)
        events = lambda: browser.get(f"{sample_portal}/events").text  # noqa: E731
        assert wait_until(lambda: "delegation-revoked" in events())
        assert "delegation-activated" in events()
    runnable = [b for b in guide_blocks() if b.lang in ("sh", "text")]
    assert {b.text for b in runnable} == {b.text for b in terminal.ran}
    assert guide_addresses() <= terminal.opened

"""`/dev/mailbox` exists only on the embedded defaults with a loopback issuer (issue 7 item 17)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from adapters import OutgoingMail
from idp.app import create_app
from idp.settings import Settings
from tests.conftest import TEST_MASTER_KEY


def test_dev_mailbox_shows_mail_on_the_embedded_loopback_defaults(tmp_path, clock):
    settings = Settings(
        issuer="https://localhost",
        data_dir=tmp_path,
        master_key=TEST_MASTER_KEY.to_b64url(),  # type: ignore[arg-type]
        outbox_dispatcher=False,
    )
    app = create_app(settings, clock=clock)
    app.state.mailer.send(OutgoingMail(to="ana@example.ca", subject="Your code", text="12345678"))
    with TestClient(app, base_url="https://localhost") as browser:
        page = browser.get("/dev/mailbox")
        french = browser.get("/dev/mailbox?lang=fr")
    app.state.engine.dispose()
    assert page.status_code == 200
    assert "Your code" in page.text
    # When it was sent: in the service's zone, named in the page's language, not RFC 2822.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d (EST|EDT)</p>", page.text)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d (HNE|HAE)</p>", french.text)
    assert not re.search(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d", french.text)


def test_dev_mailbox_is_not_served_when_mail_goes_to_smtp(browser):
    assert browser.get("/dev/mailbox").status_code == 404

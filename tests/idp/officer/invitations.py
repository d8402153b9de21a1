"""What the invitation tests share: the invitee's password, the link of the last
invitation mail, the invitations kept for an address, accepting one."""

from __future__ import annotations

import re

from sqlalchemy import select

from idp.accounts.models import Invitation
from tests.factories.idp import transaction
from tests.idp.flows import csrf_of

PASSWORD = "invited and very welcome"


def mailed_link(mail, email):
    (link,) = re.findall(r"https://testserver/invitations/accept\?token=\S+", mail.texts(email)[-1])
    return link.removeprefix("https://testserver")


def link_in(inbox, email):
    """The link of the last mail the test's own SMTP server took for `email`."""
    (link,) = re.findall(
        r"https://testserver/invitations/accept\?token=\S+", inbox.last_text(email)
    )
    return link.removeprefix("https://testserver")


def invitations_to(components, email):
    with transaction(components) as db:
        return db.scalars(select(Invitation).where(Invitation.email == email)).all()


def accept(browser, token, password=PASSWORD):
    page = browser.get(f"/invitations/accept?token={token}")
    data = {"token": token, "name": "Aminata Diallo", "password": password}
    return browser.post("/invitations/accept", data=data | {"csrf_token": csrf_of(page)})

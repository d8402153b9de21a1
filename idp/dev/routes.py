"""`/dev/mailbox`: the messages of the development mailbox (embedded mode only, else 404)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import cast

from fastapi import HTTPException, Request
from starlette.responses import Response

from adapters import DevMailbox
from idp.http.deps import Router, shared
from idp.http.pages import render_page

router = Router()
SHOWN_MESSAGES = 50


@router.get("/dev/mailbox")
def mailbox(request: Request) -> Response:
    dev_mailbox = cast(DevMailbox | None, shared(request, "dev_mailbox"))
    if dev_mailbox is None:
        raise HTTPException(404)
    messages = dev_mailbox.messages()[:SHOWN_MESSAGES]
    # The RFC 2822 `Date` header, shown like every time on the page's language (not in English).
    sent = {m.id: parsedate_to_datetime(m.date) for m in messages if m.date}
    return render_page(request, "dev/mailbox.html", {"messages": messages, "sent": sent})

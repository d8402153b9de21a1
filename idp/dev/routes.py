"""`/dev/mailbox`: the messages of the development mailbox (embedded mode only, else 404)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from idp.http.pages import render_page
from idp.runtime import Runtime

router = APIRouter()


@router.get("/dev/mailbox")
async def mailbox(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    if runtime.dev_mailbox is None:
        raise HTTPException(404)
    messages = await run_in_threadpool(runtime.dev_mailbox.messages)
    return render_page(request, "dev/mailbox.html", {"messages": messages[:50]})

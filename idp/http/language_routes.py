"""`POST /language`: the language switch of a page answering a form.

The switch posts the page's snapshot id (`idp.http.snapshots`) with `?lang=` in its
action, so `LocaleMiddleware` renders the answer in the chosen language and remembers it.
The same page comes back, values and errors included. A snapshot that expired, was
already used, or belongs to another browser or session leads to the page's own address in
the chosen language (`back`, always a path on this host), as the link did before.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from idp.http.csrf import CsrfForm
from idp.http.deps import Router
from idp.http.pages import Pages

router = Router()
LANGUAGE_SWITCH_PATH = "/language"
MAX_BACK_LENGTH = 2000


@router.post(LANGUAGE_SWITCH_PATH)
def switch_language(request: Request, form: CsrfForm) -> Response:
    pages: Pages = request.app.state.pages
    snapshot = None
    if pages.snapshots is not None:
        snapshot = pages.snapshots.take(request, form.text("page"))
    if snapshot is None:
        # `//evil.example/x` would leave this host: one leading slash, always.
        back = "/" + form.text("back")[:MAX_BACK_LENGTH].lstrip("/\\")
        return RedirectResponse(back, status_code=303)
    return pages.render(
        request,
        snapshot.template_name,
        snapshot.context,
        status_code=snapshot.status_code,
        retry_after_seconds=snapshot.retry_after_seconds,
        frame_sources=snapshot.frame_sources,
        form_action_schemes=snapshot.form_action_schemes,
    )

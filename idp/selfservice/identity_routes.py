"""`/recover/identity`: someone who lost every second factor asks for an identity check;
`/help`: how to reach a person (linked from every page, error page and mail)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from idp.accounts.service import find_account_by_email, validate_email
from idp.authn.email_code import consume_code, verify_code
from idp.authn.identity_checks import DETAIL_LIMITS, IdentityClaim, request_identity_check
from idp.errors import InvalidInput
from idp.http.csrf import CsrfForm
from idp.http.deps import Db, Now, Router, Store
from idp.http.pages import render_page
from idp.http.params import Query
from idp.notifications.deps import Mail
from idp.notifications.mails import SUPPORT_PHONE, identity_check_mail
from idp.selfservice.recovery import RECOVER
from idp.selfservice.registration import email_key

router = Router()
IDENTITY = "/recover/identity"


@router.get("/help")
def help_page(request: Request) -> Response:
    return render_page(request, "help/help.html", {"phone": SUPPORT_PHONE})


def _identity_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    context = {"values": values, "errors": errors, "reference": None, "limits": DETAIL_LIMITS}
    return render_page(request, "accounts/recover_identity.html", context, status_code=status)


@router.get(IDENTITY)
def identity_form(request: Request, query: Query) -> Response:
    return _identity_page(request, {"email": query.text("email")[:254]}, {})


@router.post(IDENTITY)
def identity_submit(
    request: Request, form: CsrfForm, db: Db, store: Store, mail: Mail, now: Now
) -> Response:
    """The emailed recovery code proves the mailbox; an officer does the rest."""
    email = form.text("email").strip().lower()
    claim = IdentityClaim(
        form.text("name"),
        form.text("phone"),
        form.text("application_number"),
        form.text("explanation"),
    )
    values = {
        "email": email,
        **{k: getattr(claim, k) for k in ("name", "phone", "application_number", "explanation")},
    }
    errors = claim.errors()
    account = None
    try:
        # Empty, malformed or too long: the email is named, not the code it cannot match.
        validate_email(email)
    except InvalidInput as error:
        errors = {"email": error.code, **errors}
    else:
        if not form.text("code").strip():  # nothing typed: asked for, and no guess counted
            errors["code"] = "missing"
        else:
            checked = verify_code(store, RECOVER, email_key(email), form.text("code"))
            account = find_account_by_email(db, email) if checked.ok else None
            if account is None:
                errors["code"] = "exhausted" if checked.reason == "exhausted" else "wrong"
    if errors or account is None:
        return _identity_page(request, values, errors, 400)
    consume_code(store, RECOVER, email_key(email), db=db)
    check = request_identity_check(db, account, claim, now)
    mail.send(identity_check_mail(account.email, account.locale, "received", check.reference))
    context = {"values": {}, "errors": {}, "reference": check.reference, "limits": DETAIL_LIMITS}
    return render_page(request, "accounts/recover_identity.html", context)

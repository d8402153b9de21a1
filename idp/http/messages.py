"""Messages that routes pass to templates by msgid, marked here for extraction.

Templates translate them with `_(msgid)`; listing them keeps `make i18n` from missing a
string that appears in no template literally.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  # the conventional gettext no-op marker
    return message


PAGE_MESSAGES = (
    N_("This request cannot be completed"),
    N_(
        "The portal that sent you here made an invalid request. "
        "Go back to the portal and try again."
    ),
    N_(
        "This form could not be read. Go back, check what you typed (the details below name "
        "the field and its limit) and try again."
    ),
    N_("Page not found"),
    N_(
        "There is no page at this address. Check the address, or go back to the page you came from."
    ),
    N_(
        "This address only receives a form: it cannot be opened on its own. Go back to the "
        "page you came from and try again."
    ),
    N_("Something went wrong on our side"),
    N_("Your session has expired. Please start again."),
    N_("You are not allowed to see this page"),
    N_("This page is for officers. Your account can use the account pages."),
    N_("This page has expired. Go back, reload the page and try again."),
    N_("The service is briefly unavailable"),
    N_("Nothing you saved is lost. Try again in a few seconds."),
)

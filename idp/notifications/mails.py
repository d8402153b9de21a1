"""The messages Passerelle mails to people, in their language.

Each message names what happened and what to do if it was not them; codes appear only
in the body. Texts are msgids translated with the same catalogues as the pages.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from babel.support import Translations

from adapters import OutgoingMail
from idp.http.locale import load_translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SUPPORT_PHONE = "1-888-242-2100"


@lru_cache(maxsize=1)
def _catalogues() -> dict[str, Translations]:
    return load_translations(LOCALE_DIR)


def tr(locale: str, message: str, **values: object) -> str:
    catalogue = _catalogues().get(locale) or _catalogues()["en"]
    return catalogue.gettext(message) % values if values else catalogue.gettext(message)


def signature(locale: str) -> str:
    return tr(locale, "Passerelle — one sign-in for every immigration portal.")


def code_mail(to: str, locale: str, code: str, purpose: str) -> OutgoingMail:
    if purpose == "register":
        subject = tr(locale, "Your Passerelle confirmation code")
        intro = tr(locale, "Enter this code to confirm your email address and create your account:")
    else:
        subject = tr(locale, "Your Passerelle account recovery code")
        intro = tr(locale, "Enter this code to choose a new password for your account:")
    body = "\n\n".join(
        [
            intro,
            code,
            tr(locale, "The code expires in %(minutes)s minutes.", minutes=15),
            tr(locale, "If you did not ask for this, ignore this message: nothing changes."),
            signature(locale),
        ]
    )
    return OutgoingMail(to=to, subject=subject, text=body, language=locale)


def notice_mail(to: str, locale: str, event: str) -> OutgoingMail:
    """Tell the account holder a security event happened (recovery, new factor...)."""
    events = {
        "password_changed": tr(locale, "The password of your Passerelle account was changed."),
        "recovery_code_used": tr(
            locale, "A recovery code was used to sign in to your Passerelle account."
        ),
        "totp_enabled": tr(locale, "An authenticator app was added to your Passerelle account."),
        "totp_disabled": tr(
            locale, "The authenticator app was removed from your Passerelle account."
        ),
        "recovery_codes_regenerated": tr(
            locale, "New recovery codes were created for your Passerelle account."
        ),
        "passkey_added": tr(locale, "A passkey was added to your Passerelle account."),
        "passkey_removed": tr(locale, "A passkey was removed from your Passerelle account."),
        "registration_attempt": tr(
            locale,
            "Someone tried to create a Passerelle account with your email address. "
            "You already have one: sign in, or recover it if you forgot your password.",
        ),
        "password_attempts": tr(
            locale,
            "Several wrong passwords were entered for your Passerelle account. Signing in is "
            "paused for a few minutes. If it was not you, change your password.",
        ),
        "locked": tr(
            locale,
            "100 wrong passwords in a row were entered for your Passerelle account. To protect "
            "it, your password no longer opens it: choose a new one with “Forgot your "
            "password?” on the sign-in page (a code is sent to this address).",
        ),
        "second_factor_attempts": tr(
            locale,
            "Several wrong second-factor codes were entered for your Passerelle account: "
            "someone may know your password. Signing in is paused for 15 minutes. If it was "
            "not you, change your password now.",
        ),
    }
    body = "\n\n".join(
        [
            events[event],
            tr(
                locale,
                "If this was not you, recover your account now and contact us: the help page "
                "below says how.",
            ),
            signature(locale),
        ]
    )
    return OutgoingMail(
        to=to, subject=tr(locale, "Security notice from Passerelle"), text=body, language=locale
    )


def invitation_mail(to: str, locale: str, name: str, link: str, days: int) -> OutgoingMail:
    body = "\n\n".join(
        [
            tr(locale, "Hello %(name)s,", name=name or to),
            tr(
                locale,
                "Immigration, Refugees and Citizenship Canada invites you to create your "
                "Passerelle account. Open this link to choose your password:",
            ),
            link,
            tr(locale, "The link works once and expires in %(days)s days.", days=days),
            signature(locale),
        ]
    )
    return OutgoingMail(
        to=to, subject=tr(locale, "Your invitation to Passerelle"), text=body, language=locale
    )


def with_help(mail: OutgoingMail, issuer: str) -> OutgoingMail:
    """Every mail ends with where to get help: the help page and the phone line."""
    footer = tr(
        mail.language,
        "Help and contact: %(url)s or %(phone)s (Monday to Friday, 8:00 to 16:00).",
        url=f"{issuer}/help",
        phone=SUPPORT_PHONE,
    )
    return replace(mail, text=f"{mail.text}\n\n{footer}")


def identity_check_mail(
    to: str, locale: str, event: str, reference: str, reason: str = ""
) -> OutgoingMail:
    """The request to confirm who someone is: received, approved or refused."""
    if event == "received":
        subject = tr(locale, "We received your request (reference %(ref)s)", ref=reference)
        lines = [
            tr(
                locale,
                "An officer will check who you are and contact you within 2 business days, "
                "by email or at the telephone number you gave. Nothing changes on your "
                "account until then.",
            )
        ]
    elif event == "approved":
        subject = tr(locale, "Your identity was confirmed (reference %(ref)s)", ref=reference)
        lines = [
            tr(
                locale,
                "Your old second factors were removed and every session was signed out. "
                "Choose a new password with the account recovery page, then set up a new "
                "authenticator app or passkey at once.",
            )
        ]
    else:
        subject = tr(
            locale, "We could not confirm your identity (reference %(ref)s)", ref=reference
        )
        lines = [tr(locale, "An officer could not confirm who you are: %(reason)s", reason=reason)]
    lines += [
        tr(locale, "Reference: %(ref)s", ref=reference),
        tr(
            locale,
            "If this was not you, recover your account now and contact us: the help page "
            "below says how.",
        ),
        signature(locale),
    ]
    return OutgoingMail(to=to, subject=subject, text="\n\n".join(lines), language=locale)

"""Mail about representative enrolment and conversion, in the person's language.

Codes appear only in the body; each message says what happened, what to do next and what
to do if it was not them.
"""

from __future__ import annotations

from adapters import OutgoingMail
from idp.notifications.mails import signature, tr

CODE_MINUTES = 30


def _mail(to: str, locale: str, subject: str, parts: list[str]) -> OutgoingMail:
    body = "\n\n".join([*parts, signature(locale)])
    return OutgoingMail(to=to, subject=subject, text=body, language=locale)


def enrolment_code_mail(to: str, locale: str, code: str, *, conversion: bool) -> OutgoingMail:
    if conversion:
        subject = tr(locale, "Your Passerelle conversion code")
        intro = tr(
            locale,
            "Enter this conversion code to turn your client account into a representative "
            "account. You keep your sign-in, your own applications and your sessions; the "
            "applications you filed for other people become your clients' files.",
        )
    else:
        subject = tr(locale, "Your representative enrolment code")
        intro = tr(locale, "Enter this code to confirm your email address and go on enrolling:")
    return _mail(
        to,
        locale,
        subject,
        [
            intro,
            code,
            tr(locale, "The code expires in %(minutes)s minutes.", minutes=CODE_MINUTES),
            tr(locale, "If you did not ask for this, ignore this message: nothing changes."),
        ],
    )


def receipt_mail(to: str, locale: str, reference: str, submitted: str) -> OutgoingMail:
    return _mail(
        to,
        locale,
        tr(locale, "We received your representative enrolment %(reference)s", reference=reference),
        [
            tr(
                locale,
                "We received your representative enrolment on %(date)s. Its reference number "
                "is %(reference)s.",
                date=submitted,
                reference=reference,
            ),
            tr(
                locale,
                "An officer reviews it and writes to you. You can follow it on your account's "
                "enrolment page.",
            ),
        ],
    )


def decision_mail(
    to: str,
    locale: str,
    decision: str,
    *,
    reference: str,
    representative_id: str = "",
    message: str = "",
) -> OutgoingMail:
    """`decision` is approve, reject or ask (for more information)."""
    if decision == "approve":
        subject = tr(locale, "Your representative enrolment is approved")
        parts = [
            tr(
                locale,
                "Your representative enrolment %(reference)s is approved.",
                reference=reference,
            ),
            tr(locale, "Your representative ID is %(id)s.", id=representative_id),
        ]
    elif decision == "reject":
        subject = tr(locale, "Your representative enrolment was not approved")
        parts = [
            tr(
                locale,
                "Your representative enrolment %(reference)s was not approved, for this reason:",
                reference=reference,
            ),
            message,
            tr(locale, "You may enrol again once the reason is addressed."),
        ]
    else:
        subject = tr(locale, "More information is needed for your enrolment")
        parts = [
            tr(
                locale,
                "An officer needs more information about your representative enrolment "
                "%(reference)s:",
                reference=reference,
            ),
            message,
            tr(locale, "Answer on your account's enrolment page; the enrolment stays the same."),
        ]
    return _mail(to, locale, subject, parts)


def client_file_mail(
    to: str,
    locale: str,
    *,
    representative: str,
    application: str,
    link: str = "",
    days: int = 0,
) -> OutgoingMail:
    """The real applicant of a converted application: claim it (link) or confirm it."""
    parts = [
        tr(
            locale,
            "%(representative)s filed application %(application)s for you. It is now in "
            "your name, and %(representative)s keeps acting on it as your representative: "
            "you can see, change or end that access at any time.",
            representative=representative,
            application=application,
        ),
    ]
    if link:
        parts += [
            tr(locale, "Open this link to create your account and see your application:"),
            link,
            tr(locale, "The link works once and expires in %(days)s days.", days=days),
        ]
    else:
        parts.append(
            tr(
                locale,
                'Sign in to Passerelle and confirm on the "My applications" page that it is yours.',
            )
        )
    parts.append(tr(locale, "If you do not know this person or this application, contact us."))
    return _mail(to, locale, tr(locale, "An application was filed for you"), parts)


def suspension_mail(to: str, locale: str, *, suspended: bool, reason: str) -> OutgoingMail:
    if suspended:
        subject = tr(locale, "Your representative account is suspended")
        intro = tr(
            locale,
            "An officer suspended your representative account. You cannot act for your "
            "clients until it is reinstated. The reason given:",
        )
    else:
        subject = tr(locale, "Your representative account is reinstated")
        intro = tr(locale, "An officer reinstated your representative account. The reason given:")
    return _mail(to, locale, subject, [intro, reason])

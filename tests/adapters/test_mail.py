"""One contract for every Mailer: the SMTP mailer (against aiosmtpd) and the dev mailbox."""

from __future__ import annotations

import pytest

from adapters import DevMailbox, MailError, OutgoingMail, SmtpMailer
from tests.mail import smtp_server
from tests.servers import free_port

MAIL = OutgoingMail(to="ana@example.ca", subject="Votre code", text="Code : 123456", language="fr")


def test_smtp_mailer_delivers_to_a_real_smtp_server():
    with smtp_server() as (url, inbox):
        SmtpMailer(url, sender="Passerelle <no-reply@passerelle.example>").send(MAIL)
    (message,) = inbox.to("ana@example.ca")
    assert message["Subject"] == "Votre code"
    assert message["From"] == "Passerelle <no-reply@passerelle.example>"
    assert message["Content-Language"] == "fr"
    assert "123456" in message.get_body(preferencelist=("plain",)).get_content()


def test_smtp_mailer_reports_an_unreachable_server():
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", sender="no-reply@passerelle.example")
    with pytest.raises(MailError, match="SMTP delivery"):
        mailer.send(MAIL)


def test_smtp_url_must_be_smtp():
    with pytest.raises(ValueError, match="IDP_SMTP_URL"):
        SmtpMailer("http://mail:25", sender="x@example.ca")


def test_dev_mailbox_keeps_messages_newest_first(tmp_path):
    mailbox = DevMailbox(tmp_path / "mail")
    mailbox.send(MAIL)
    mailbox.send(OutgoingMail(to="ana@example.ca", subject="Second", text="two"))
    mailbox.send(OutgoingMail(to="other@example.ca", subject="Other", text="x"))
    subjects = [m.subject for m in mailbox.messages(to="ana@example.ca")]
    assert subjects == ["Second", "Votre code"]
    assert "123456" in mailbox.messages(to="ana@example.ca")[1].text


def test_empty_dev_mailbox_has_no_messages(tmp_path):
    assert DevMailbox(tmp_path / "none").messages() == []


def test_dev_mailbox_that_cannot_write_reports_a_mail_error(tmp_path):
    """A full or read-only data dir is a refused mail (503), not an unexpected error (500)."""
    (tmp_path / "not-a-folder").write_text("")
    with pytest.raises(MailError, match="development mailbox"):
        DevMailbox(tmp_path / "not-a-folder" / "mail").send(MAIL)


def test_dev_mailbox_on_a_full_disk_keeps_no_half_message(tmp_path, monkeypatch):
    mailbox = DevMailbox(tmp_path / "mail")
    mailbox.send(MAIL)

    def full_disk(_fd: int, _mode: str) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("adapters.mail.dev.os.fdopen", full_disk)
    with pytest.raises(MailError, match="No space left"):
        mailbox.send(OutgoingMail(to="ana@example.ca", subject="Lost", text="x"))
    assert [m.subject for m in mailbox.messages()] == ["Votre code"]

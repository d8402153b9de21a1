"""`idp invitations create`: refused for an existing account; a refused mail or a lost
database is one line, and asking again sends the same invitation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from idp.accounts.models import Invitation
from idp.cli.main import app as cli
from idp.cli.main import main
from tests.factories.idp import make_account, transaction
from tests.idp.officer.invitations import accept, invitations_to, link_in
from tests.servers import free_port


def test_inviting_an_existing_account_is_refused(cli_env, components):
    account = make_account(components)
    result = cli_env.invoke(cli, ["invitations", "create", "--email", account.email, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["field"] == "email"


def _run_idp(monkeypatch, capsys, *argv: str) -> tuple[int, str]:
    """`idp` as operators run it (its `main`, which turns failures into one line)."""
    monkeypatch.setattr("sys.argv", ["idp", *argv])
    monkeypatch.setattr("logging.config.dictConfig", lambda _config: None)  # keep pytest's
    with pytest.raises(SystemExit) as stopped:
        main()
    return int(stopped.value.code or 0), capsys.readouterr().err


def test_an_invitation_the_mail_server_refuses_says_it_is_saved_in_one_line(
    cli_env, monkeypatch, capsys, components
):
    monkeypatch.setenv("IDP_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    code, err = _run_idp(monkeypatch, capsys, "invitations", "create", "--email", "a@example.ca")
    assert code == 1
    assert err.startswith("error: the invitation to a@example.ca is saved but its mail was not")
    assert err.count("\n") == 1  # one line, no traceback
    with transaction(components) as db:
        assert db.scalar(select(Invitation).where(Invitation.email == "a@example.ca"))


def test_the_cli_asked_again_after_a_refused_mail_sends_the_same_invitation(
    cli_env, monkeypatch, capsys, components, browser, refusing_smtp
):
    url, inbox = refusing_smtp
    monkeypatch.setenv("IDP_SMTP_URL", url)
    argv = ("invitations", "create", "--email", "c@example.ca")
    code, err = _run_idp(monkeypatch, capsys, *argv)
    assert code == 1
    assert err.startswith("error: the invitation to c@example.ca is saved but its mail was not")
    inbox.refusing = False
    assert _run_idp(monkeypatch, capsys, *argv)[0] == 0
    assert len(invitations_to(components, "c@example.ca")) == 1
    assert len(inbox.to("c@example.ca")) == 1
    token = link_in(inbox, "c@example.ca").split("token=")[1]
    assert accept(browser, token).headers["location"] == "/account/security?notice=welcome"


def test_a_database_that_stops_answering_midway_is_one_line(cli_env, monkeypatch, capsys):
    def lost(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr("idp.cli.accounts.invite", lost)
    code, err = _run_idp(monkeypatch, capsys, "invitations", "create", "--email", "b@example.ca")
    assert code == 1
    expected = "the database did not answer (server closed the connection)"
    assert err == f"error: IDP_DATABASE_URL: {expected}\n"

"""`idp serve` refuses to start clearly: one line naming the setting and what to do, exit
code 2, no traceback (the traceback with IDP_LOG_LEVEL=debug); and the embedded data
folder is one server's (issue 10 must-show 4 and 5, issue 7 item 17)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from adapters import OutgoingMail
from idp.bootstrap import build_components
from idp.settings import Settings
from keys import MasterKey
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.servers import idp_env
from tests.servers import free_port

pytestmark = pytest.mark.e2e
START_SECONDS = 180  # a loaded CI machine starts Python slowly
OTHER_KEY = MasterKey.generate().to_b64url()


def run_idp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idp", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[str], *names: str) -> str:
    """Exit code 2 and one `error:` line naming each of `names`, without a traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for name in names:
        assert name in errors[0], errors[0]
    return errors[0]


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_idp(env, "serve", "--port", str(free_port()))


def test_a_master_key_that_cannot_open_the_signing_keys_stops_startup(tmp_path):
    build_components(
        Settings(data_dir=tmp_path, master_key=TEST_MASTER_KEY.to_b64url())  # type: ignore[arg-type]
    ).engine.dispose()
    result = serve(idp_env(data_dir=str(tmp_path), master_key=OTHER_KEY))
    line = assert_refused(result, "IDP_MASTER_KEY", "cannot open the stored signing keys")
    assert OTHER_KEY not in line


def test_debug_log_level_adds_the_traceback(tmp_path):
    build_components(
        Settings(data_dir=tmp_path, master_key=TEST_MASTER_KEY.to_b64url())  # type: ignore[arg-type]
    ).engine.dispose()
    result = serve(idp_env(data_dir=str(tmp_path), master_key=OTHER_KEY, log_level="debug"))
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert "error: IDP_MASTER_KEY cannot open" in result.stderr


def test_an_unreachable_database_stops_startup_naming_the_url_without_its_password():
    url = f"postgresql+psycopg://idp:hunter2secret@127.0.0.1:{free_port()}/idp"
    result = serve(idp_env(database_url=url, master_key=OTHER_KEY, smtp_url="smtp://127.0.0.1:25"))
    line = assert_refused(result, "IDP_DATABASE_URL", "cannot connect")
    assert "hunter2secret" not in result.stderr + result.stdout, line


def test_an_unmigrated_database_asks_for_idp_db_upgrade(pg_server):
    name = f"empty_{uuid.uuid4().hex[:8]}"
    pg_server.execute(f'CREATE DATABASE "{name}"')
    env = idp_env(
        database_url=pg_server.url(name), master_key=OTHER_KEY, smtp_url="smtp://127.0.0.1:25"
    )
    assert_refused(serve(env), "IDP_DATABASE_URL", "run `idp db upgrade`")
    upgraded = run_idp(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr


def test_a_malformed_redis_url_stops_startup(tmp_path):
    env = idp_env(
        data_dir=str(tmp_path), redis_url="localhost:6379", smtp_url="smtp://127.0.0.1:25"
    )
    assert_refused(serve(env), "IDP_REDIS_URL", "redis://host:6379/0")


def test_postgresql_without_a_master_key_never_generates_one(tmp_path, pg_server):
    env = idp_env(
        data_dir=str(tmp_path),
        database_url=pg_server.url("postgres"),
        smtp_url="smtp://127.0.0.1:25",
    )
    assert_refused(serve(env), "IDP_MASTER_KEY", "`idp keys master`")
    assert not (tmp_path / "master.key").exists()


def test_dev_mailbox_outside_the_embedded_loopback_defaults_stops_startup(tmp_path):
    env = idp_env(data_dir=str(tmp_path), issuer="https://idp.example", master_key=OTHER_KEY)
    assert_refused(serve(env), "IDP_SMTP_URL")


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "idp", "serve", "--port", str(port)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def _outcome(port: int, process: subprocess.Popen[bytes]) -> str:
    """ "ready" once /readyz answers 200, "exited" if the process ended first."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return "ready"
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return "timeout"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_two_first_starts_at_once_give_one_server_and_one_clear_refusal(tmp_path):
    env = idp_env(data_dir=str(tmp_path / "data"))
    ports = (free_port(), free_port())
    started = [_start(env, port, tmp_path / f"{port}.log") for port in ports]
    try:
        outcomes = [_outcome(port, process) for port, process in zip(ports, started, strict=True)]
    finally:
        for process in started:
            _stop(process)
    logs = [(tmp_path / f"{port}.log").read_text() for port in ports]
    assert sorted(outcomes) == ["exited", "ready"], logs
    loser = outcomes.index("exited")
    assert started[loser].returncode == 2, logs[loser]
    assert "another `idp serve`" in logs[loser], logs[loser]
    assert "already exists" not in "".join(logs), logs


def _create_user(env: dict[str, str], n: int) -> subprocess.CompletedProcess[str]:
    return run_idp(
        env,
        "users",
        "create",
        "--email",
        f"cli{n}@example.ca",
        "--password",
        "long enough password",
        "--name",
        f"Cli {n}",
    )


def test_simultaneous_first_commands_on_a_new_folder_migrate_once(tmp_path):
    env = idp_env(data_dir=str(tmp_path / "new"))
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda n: _create_user(env, n), range(3)))
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]


def test_cli_commands_run_while_the_server_holds_the_data_folder(tmp_path):
    env = idp_env(data_dir=str(tmp_path))
    port = free_port()
    server = _start(env, port, tmp_path / "server.log")
    try:
        assert _outcome(port, server) == "ready", (tmp_path / "server.log").read_text()
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda n: _create_user(env, n), range(4)))
    finally:
        _stop(server)
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr for r in results]


def test_the_embedded_files_are_readable_by_their_owner_only(tmp_path):
    data = tmp_path / "data"
    components = build_components(Settings(data_dir=data))
    try:
        with components.session_factory() as db, db.begin():
            db.execute(text("SELECT 1"))
            components.mailer.send(OutgoingMail(to="a@example.ca", subject="s", text="t"))
            files = {p: p.stat().st_mode for p in data.rglob("*") if p.is_file()}
    finally:
        components.engine.dispose()
    names = {p.name for p in files}
    assert {"idp.sqlite3", "idp.sqlite3-wal", "idp.sqlite3-shm", "master.key"} <= names
    assert any(p.suffix == ".eml" for p in files)
    assert {p: mode & 0o077 for p, mode in files.items() if mode & 0o077} == {}
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "mailbox").stat().st_mode & 0o777 == 0o700


def test_a_data_folder_that_cannot_be_written_stops_startup_naming_it(tmp_path):
    """Read-only, full or not a folder: one line naming IDP_DATA_DIR, not an OSError."""
    (tmp_path / "a-file").write_text("")
    env = idp_env(data_dir=str(tmp_path / "a-file" / "data"))
    assert_refused(serve(env), "IDP_DATA_DIR", "cannot write")
    assert_refused(run_idp(env, "clients", "list"), "IDP_DATA_DIR", "cannot write")

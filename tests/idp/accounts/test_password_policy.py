"""Password hashing defaults and limits: RFC 9106's second recommended argon2id parameters,
OWASP's floor as the least accepted, and a bound on the hashes that run at once."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from idp.accounts.passwords import PasswordPolicy, Passwords
from idp.bootstrap import create_passwords
from idp.settings import Settings

PASSWORD = "a long enough passphrase"


@pytest.fixture
def default_environment(monkeypatch):
    """No IDP_ variable: the settings' own defaults (the suite hashes at OWASP's floor)."""
    for name in list(os.environ):
        if name.startswith("IDP_"):
            monkeypatch.delenv(name)


def test_the_default_is_rfc_9106_second_recommended_option(default_environment, tmp_path):
    passwords = create_passwords(Settings(data_dir=tmp_path))
    stored = passwords.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordPolicy() == PasswordPolicy(
        memory_kib=RFC_9106_LOW_MEMORY.memory_cost,
        time_cost=RFC_9106_LOW_MEMORY.time_cost,
        parallelism=RFC_9106_LOW_MEMORY.parallelism,
    )
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "!")


def test_a_hash_at_owasp_floor_is_accepted_then_upgraded_to_the_defaults(default_environment):
    floor = PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1).hash(PASSWORD)
    passwords = Passwords(PasswordPolicy())
    assert passwords.verify(floor, PASSWORD)
    assert passwords.needs_rehash(floor)  # the sign-in then stores passwords.hash(...)
    assert not passwords.needs_rehash(passwords.hash(PASSWORD))


@pytest.mark.parametrize(
    ("name", "value", "limit"),
    [
        ("password_hash_memory_kib", 19455, "19456"),
        ("password_hash_time_cost", 1, "2"),
        ("password_hash_parallelism", 0, "1"),
        ("password_hashes_in_flight", 0, "1"),
    ],
)
def test_less_than_owasp_floor_is_refused_naming_the_limit(default_environment, name, value, limit):
    with pytest.raises(ValueError, match=limit) as refused:
        Settings(**{name: value})
    assert name in str(refused.value)


class _CountingHasher:
    """Stands for argon2's hasher: counts the calls running at the same moment."""

    def __init__(self) -> None:
        self.running = self.most = 0
        self._lock = threading.Lock()

    def _run(self) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1

    def hash(self, _password: str) -> str:
        self._run()
        return "$argon2id$counted"

    def verify(self, _hash: str, _password: str) -> bool:
        self._run()
        return True


@pytest.mark.parametrize("in_flight", [1, 3])
def test_no_more_hashes_run_at_once_than_in_flight(in_flight):
    passwords = Passwords(
        PasswordPolicy(memory_kib=19456, time_cost=2, parallelism=1, in_flight=in_flight)
    )
    counting = _CountingHasher()
    passwords._hasher = counting  # type: ignore[assignment]
    start = threading.Barrier(8)

    def sign_in(n: int) -> bool:
        start.wait()
        return passwords.verify("stored", "guess") if n % 2 else bool(passwords.hash("new"))

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(sign_in, range(8)))
    assert counting.most == in_flight


def test_unknown_accounts_cost_one_hash_at_the_configured_parameters(default_environment):
    """The timing equaliser: an unknown account is verified against a hash made at the same
    parameters as the real ones (so it costs the same), which no password matches."""
    passwords = Passwords(PasswordPolicy())
    real = passwords.hash(PASSWORD)
    equaliser = passwords._dummy_hash
    assert extract_parameters(equaliser) == extract_parameters(real)
    assert equaliser != Passwords(PasswordPolicy())._dummy_hash  # random salt and digest
    assert not passwords.verify(None, PASSWORD)
    assert not passwords.verify(None, "timing equaliser for unknown accounts")


def test_starting_computes_no_hash(monkeypatch):
    """A process or a CLI command does not pay a 64 MiB hash to start."""

    def refuse(*_args: object) -> str:
        raise AssertionError("a hash was computed at start")

    monkeypatch.setattr(PasswordHasher, "hash", refuse)
    passwords = Passwords(PasswordPolicy())
    assert passwords.needs_rehash(passwords._dummy_hash) is False

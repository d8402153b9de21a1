"""Emailed codes and their decoys: a decoy never verifies, and counts, burns and expires
wrong guesses exactly as a real code does."""

from __future__ import annotations

from idp.authn.email_code import (
    CODE_TTL_SECONDS,
    KEY_PREFIX,
    MAX_ATTEMPTS,
    issue_code,
    issue_decoy_code,
    verify_code,
)
from tests.concurrency import run_together


def _reasons(store, subject: str, guesses: list[str]) -> list[str]:
    return [verify_code(store, "test", subject, guess).reason for guess in guesses]


def test_a_decoy_counts_and_burns_wrong_guesses_like_a_real_code(store):
    code = issue_code(store, "test", "real", {"account_id": "a"})
    issue_decoy_code(store, "test", "decoy")
    wrong = [str((int(code) + n) % 10**8).zfill(8) for n in range(1, MAX_ATTEMPTS + 2)]
    expected = ["wrong"] * (MAX_ATTEMPTS - 1) + ["exhausted", "expired"]
    assert _reasons(store, "real", wrong) == _reasons(store, "decoy", wrong) == expected


def test_a_decoy_lives_as_long_as_a_real_code(store):
    issue_code(store, "test", "real", {})
    issue_decoy_code(store, "test", "decoy")
    lives = [store.ttl(f"{KEY_PREFIX}test:{subject}") for subject in ("real", "decoy")]
    assert lives[0] == lives[1]
    assert CODE_TTL_SECONDS - 5 <= lives[1] <= CODE_TTL_SECONDS


def test_no_code_verifies_a_decoy(store):
    issue_decoy_code(store, "test", "decoy")
    for guess in ("", "00000000", "99999999", "0123456789", "1" * 40):
        checked = verify_code(store, "test", "decoy", guess)
        assert not checked.ok
        issue_decoy_code(store, "test", "decoy")  # a fresh budget for the next guess


def test_guesses_sent_at_once_are_counted_one_by_one(store):
    """Thirty wrong guesses at the same moment (many replicas, many threads): only
    `MAX_ATTEMPTS` are ever compared with the code, as when they come one after another."""
    code = issue_code(store, "test", "burst", {"account_id": "a"})
    wrong = [str((int(code) + n) % 10**8).zfill(8) for n in range(1, 31)]
    reasons = run_together(
        *[lambda guess=guess: verify_code(store, "test", "burst", guess).reason for guess in wrong]
    )
    assert reasons.count("wrong") == MAX_ATTEMPTS - 1, reasons
    assert reasons.count("exhausted") == 1, reasons
    assert not verify_code(store, "test", "burst", code).ok  # burnt

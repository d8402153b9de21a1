"""One contract for every EphemeralStore: Redis and the in-process store behave alike."""

from __future__ import annotations

import threading

from adapters import MemoryStore


def test_set_then_get_returns_the_value(store):
    store.set("k", b"v", 60)
    assert store.get("k") == b"v"


def test_missing_key_is_none(store):
    assert store.get("absent") is None
    assert store.pop("absent") is None
    assert store.ttl("absent") is None


def test_add_stores_only_once(store):
    assert store.add("once", b"1", 60) is True
    assert store.add("once", b"2", 60) is False
    assert store.get("once") == b"1"


def test_pop_hands_the_value_to_exactly_one_caller(store):
    store.set("code", b"c", 60)
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.pop("code"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(b"c") == 1
    assert store.get("code") is None


def test_incr_counts_within_a_window(store):
    assert [store.incr("n", 60) for _ in range(3)] == [1, 2, 3]
    assert 0 < store.ttl("n") <= 60


def test_delete_removes(store):
    store.set("gone", b"x", 60)
    store.delete("gone")
    assert store.get("gone") is None


def test_memory_store_expires_values_with_time():
    now = [1000.0]
    store = MemoryStore(monotonic=lambda: now[0])
    store.set("k", b"v", 10)
    store.incr("c", 10)
    now[0] += 11
    assert store.get("k") is None
    assert store.incr("c", 10) == 1


def test_ping_says_the_store_answers(store):
    assert store.ping() is True

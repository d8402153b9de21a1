"""`adapters` exports a sorted `__all__` that is complete: every family's public names."""

from __future__ import annotations

import importlib
import pkgutil

import adapters


def rank(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def families() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules(adapters.__path__) if m.ispkg]
    return [f"adapters.{name}" for name in found]


def test_adapters_all_is_sorted_and_every_name_exists():
    assert list(adapters.__all__) == sorted(adapters.__all__, key=rank)
    for name in adapters.__all__:
        assert hasattr(adapters, name), name


def test_each_family_all_is_sorted_and_every_name_exists():
    assert families() == [
        "adapters.mail",
        "adapters.portals",
        "adapters.registers",
        "adapters.store",
    ]
    for family in families():
        module = importlib.import_module(family)
        assert list(module.__all__) == sorted(module.__all__, key=rank), family
        for name in module.__all__:
            assert hasattr(module, name), f"{family}.{name}"


def test_adapters_all_is_exactly_what_the_families_export():
    exported = {name for family in families() for name in importlib.import_module(family).__all__}
    assert set(adapters.__all__) == exported

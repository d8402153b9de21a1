"""Each library package exports a sorted, complete `__all__`."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["keys", "adapters", "consent"])
def test_all_is_sorted_and_every_name_exists(package):
    module = importlib.import_module(package)

    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    def rank(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(module.__all__) == sorted(module.__all__, key=rank)
    for name in module.__all__:
        assert hasattr(module, name)

"""The benchmarks still run and print their figures (a smoke run on tiny inputs; the
figures themselves are never asserted: performance is read, not tested)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_decision_benchmark_prints_a_line_per_case():
    out = _run("bench/decisions.py", "300")
    assert re.search(r"^decide: allowed .* calls/s .* p99", out, flags=re.M), out
    assert re.search(r"^delegation_allows \(introspect\) .* calls/s", out, flags=re.M), out


def test_token_benchmark_prints_latency_and_throughput():
    out = _run("bench/token_endpoint.py", "20", "2")
    assert re.search(r"^POST /token \(client creds\) +p50 .* ms", out, flags=re.M), out
    assert re.search(r"^POST /introspect +\d+ req/s with 2 clients$", out, flags=re.M), out


@pytest.mark.e2e
def test_soak_runs_two_instances_and_finds_every_write():
    out = _run("bench/soak.py", "--minutes", "0.1", "--workers", "2", "--people", "2")
    assert re.search(r"^requests: decision \d+, introspect \d+", out, flags=re.M), out
    assert "errors: none" in out, out
    assert re.search(r"^RSS instance 1 .* end [\d.]+ MiB$", out, flags=re.M), out
    assert re.search(r"^writes checked: .*: all present$", out, flags=re.M), out

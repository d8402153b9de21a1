"""The benchmarks still run and print their figures (a smoke run on tiny inputs; the
figures themselves are never asserted: performance is read, not tested)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import ServerUnavailable, find_postgres_bin

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, **extra_env: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's packages (and tests/servers.py)
    env.update(extra_env)
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


def _needs_postgres() -> None:
    if shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true and PostgreSQL's binaries are missing")
    pytest.skip("PostgreSQL's binaries are missing")


def test_signin_benchmark_prints_both_rates_and_their_ratio():
    out = _run("bench/signin.py", "2", "1", "1")
    assert re.search(r"^argon2id verify \(.*\) +[\d.]+ /s", out, flags=re.M), out
    assert re.search(r"^sign-in \(authorize\.\.token.* [\d.]+ /s +p50", out, flags=re.M), out
    assert re.search(r"^RATIO sign-ins/argon2id [\d.]+", out, flags=re.M), out


def test_lean_signin_shape_signs_in_without_failures_and_prints_its_ratio():
    out = _run("bench/lean_signin.py", "2", "1", "1")
    line = re.search(r"^lean sign-in \(authorize\.\.token.* [\d.]+ /s +p50.*$", out, flags=re.M)
    assert line, out
    assert "failed" not in line.group(0), out
    assert re.search(r"^RATIO lean sign-ins/argon2id [\d.]+", out, flags=re.M), out


def test_signin_steps_print_the_cpu_of_each_request_and_the_rest_beside_a_hash():
    out = _run("bench/signin_steps.py", "2")
    for step in ("GET /authorize", "GET /login", "POST /login", "POST /token"):
        assert re.search(rf"^  {step} +[\d.]+ ms +x1\.0$", out, flags=re.M), out
    assert re.search(r"^total per sign-in [\d.]+ ms; argon2id verify alone [\d.]+ ms", out, re.M)
    assert re.search(r"^the rest -?[\d.]+ ms = -?[\d.]+ of a hash", out, flags=re.M), out


def test_stack_costs_print_each_path_three_ways():
    out = _run("bench/stack_costs.py", "5")
    rows = [line for line in out.splitlines() if line.startswith("/")]
    assert [row.split()[0] for row in rows] == [
        "/healthz",
        "/api/applications",
        "/userinfo",
        "/account/dashboard",
        "/no-such-page",
    ]
    assert all(row.count("µs") == 3 for row in rows), out
    assert rows[0].split()[1] == "200", out
    assert rows[-1].split()[1] == "404", out
    probes = [line.split() for line in out.splitlines() if line.startswith("  /probe/")]
    assert [(p[0], p[1]) for p in probes] == [
        ("/probe/async", "200"),
        ("/probe/def", "200"),
        ("/probe/authorize-dependencies", "200"),  # its dependencies resolved, not a 422
    ], out
    assert re.search(r"six do-nothing routes with those dependencies cost [\d.]+ ms", out), out


def test_refresh_benchmark_prints_rotations_beside_client_credentials():
    out = _run("bench/refresh.py", "10", "1", "1")
    assert re.search(r"^refresh_token rotation .* /s +p50", out, flags=re.M), out
    assert re.search(r"^RATIO rotation/client_credentials [\d.]+", out, flags=re.M), out


def test_client_assertions_benchmark_prints_both_rates_and_their_ratio():
    out = _run("bench/client_assertions.py", "8", "2", "1")
    assert "client_secret_basic" in out
    assert "private_key_jwt (ES256)" in out
    assert "failed" not in out
    assert "RATIO private_key_jwt/client_secret_basic" in out


def test_delegated_benchmark_compares_a_large_and_a_small_database():
    _needs_postgres()
    out = _run("bench/delegated.py", "100", "10", "1", "1", SMALL="40")
    for kind in ("exchange", "introspect"):
        assert re.search(rf"^RATIO {kind} large/small rps [\d.]+", out, flags=re.M), out
    assert "failed" not in out, out


def test_micro_costs_print_a_line_per_unit_cost():
    _needs_postgres()
    out = _run("bench/micro_costs.py", "50")
    assert re.search(r"^thread-pool hop: anyio.* µs CPU$", out, flags=re.M), out
    assert re.search(r"^ES256 verify, cryptography .* µs CPU$", out, flags=re.M), out
    assert re.search(r"^PostgreSQL: psycopg on a held connection .* µs CPU$", out, flags=re.M), out


needs_wrk = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)


@needs_wrk
def test_http_floor_prints_a_rate_per_server_shape():
    out = _run("bench/http_floor.py", "1", "1")
    assert re.search(r"^raw ASGI, httptools +\d+ req/s .* µs CPU/request$", out, flags=re.M), out


@needs_wrk
def test_lean_shapes_print_a_rate_and_a_cpu_cost_per_shape():
    out = _run("bench/lean_shapes.py", "1", "1")
    line = r"^client_credentials: def \+ SELECT \+ INSERT +\d+ req/s +\d+ µs CPU/request$"
    assert re.search(line, out, flags=re.M), out
    assert len(re.findall(r"µs CPU/request$", out, flags=re.M)) >= 8, out


@needs_wrk
@pytest.mark.skipif(shutil.which("py-spy") is None, reason="py-spy is not installed")
def test_endpoint_profile_splits_each_endpoint_by_component():
    out = _run("bench/profile_endpoints.py", "1")
    split = r"CPU per request \d+ µs = event-loop thread -?\d+ \+ other threads -?\d+"
    assert len(re.findall(split, out)) == 4, out


@needs_wrk
def test_replicas_benchmark_prints_a_line_per_case_and_process_count():
    _needs_postgres()
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is missing")
    out = _run("bench/replicas.py", "1", "1", "1")
    assert re.search(r"^client_credentials, 1 replica +\d+ req/s x1.00", out, flags=re.M), out
    assert re.search(r"^introspection, 1 replica +\d+ req/s", out, flags=re.M), out


def test_legacy_import_benchmark_prints_rows_per_second():
    try:
        find_postgres_bin("initdb")
    except ServerUnavailable as missing:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(missing))
    out = _run("bench/legacy_import.py", "2000")
    assert re.search(r"^first import: +2,000 rows in .* rows/s .*new 2,000", out, flags=re.M), out
    assert re.search(r"^re-import: +2,000 rows .* unchanged 2,000", out, flags=re.M), out

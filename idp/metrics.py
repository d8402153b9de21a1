"""The service's Prometheus metrics: what is counted, by which labels (issue 10).

Counters and histograms live in prometheus-client's default registry, as its
documentation does, so any capability counts with one line (`TOKENS_ISSUED.labels(...)
.inc()`); `/metrics` (`idp.ops`) exposes them with the outbox gauges read from the
database at scrape time. Labels are bounded: route templates (never raw paths), grant
types, reason codes.

Several worker processes (`idp serve --workers N`): `idp serve` points
`PROMETHEUS_MULTIPROC_DIR` at a fresh folder before the workers start, and prometheus-
client's multiprocess mode sums every worker's files at scrape time, so one scrape of any
worker reports the whole server (per-process labels would show only the worker the load
balancer picked).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "idp_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "idp_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS_SECONDS,
)
TOKENS_ISSUED = Counter(
    "idp_tokens_issued_total",
    "Successful token endpoint responses, by grant type.",
    ["grant_type"],
)
SIGN_INS = Counter(
    "idp_sign_ins_total",
    "Sign-in attempts by factor and outcome (success, invalid_credentials, rate_limited...).",
    ["factor", "outcome"],
)
DELEGATION_DECISIONS = Counter(
    "idp_delegation_decisions_total",
    "Delegation decisions asked by portals, by outcome (allowed or the reason refused).",
    ["outcome"],
)
OUTBOX_ATTEMPTS = Counter(
    "idp_outbox_delivery_attempts_total",
    "Outbox delivery attempts, by message kind and outcome (delivered, failed, dead_letter).",
    ["kind", "outcome"],
)
KNOWN_GRANT_TYPES = frozenset(
    {
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
)


def count_token_issued(grant_type: str | None) -> None:
    """Count a token response (an unknown grant type is never 200, but stays bounded)."""
    TOKENS_ISSUED.labels(grant_type if grant_type in KNOWN_GRANT_TYPES else "other").inc()


# (method, route template, status) -> its counter and histogram children. As bounded as
# prometheus-client's own table of children (methods are the parser's, routes templates),
# and it saves the two `labels()` look-ups (~3 µs) every request would make.
_HTTP_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def count_http_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count an answered request and its duration (`RequestLog`, once per request)."""
    key = (method, route, status)
    children = _HTTP_CHILDREN.get(key)
    if children is None:
        labels = (method, route, str(status))
        children = HTTP_REQUESTS.labels(*labels), HTTP_LATENCY.labels(*labels)
        _HTTP_CHILDREN[key] = children
    children[0].inc()
    children[1].observe(seconds)

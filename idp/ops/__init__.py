"""Operations: is the service alive, ready, and how is it doing (issue 10).

- `health.py`: `Readiness`, the checks behind `/readyz` (database, store, signing keys),
  each bounded by `IDP_READINESS_TIMEOUT_SECONDS`.
- `exposition.py`: `/metrics` in Prometheus text (the counters of `idp.metrics`, summed
  over worker processes, and the outbox gauges read at scrape time).
- `routes.py`: `/healthz`, `/readyz`, `/metrics`.
- `deps.py`: their typed dependencies.
"""

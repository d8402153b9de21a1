"""The password hashing the tests run at: OWASP's floor (19 MiB, t=2, p=1), the least the
settings accept, instead of the service's default (RFC 9106: 64 MiB, t=3, p=4, ~7x the CPU).

`tests/conftest.py` puts it in the environment of the test process; the helpers that start
servers with a clean environment (`tests/e2e/servers.py`, `tests/sample_portal/servers.py`)
add it back. `tests/idp/accounts/test_password_policy.py` checks the defaults themselves.
"""

from __future__ import annotations

TEST_PASSWORD_HASHING = {
    "IDP_PASSWORD_HASH_MEMORY_KIB": "19456",
    "IDP_PASSWORD_HASH_TIME_COST": "2",
    "IDP_PASSWORD_HASH_PARALLELISM": "1",
}

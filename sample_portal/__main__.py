"""`python -m sample_portal`: serve the sample portal, configured by `PORTAL_*` variables.

    PORTAL_ISSUER=http://127.0.0.1:8000 PORTAL_CLIENT_ID=... PORTAL_CLIENT_SECRET=... \
    PORTAL_NAME="IRCC Portal" PORTAL_BASE_URL=http://localhost:8100 PORTAL_PORT=8100 \
    python -m sample_portal
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

import uvicorn

from sample_portal.config import ConfigError, load_config


def _quiet_authlib_httpx_notice() -> None:
    """authlib 1.9 warns at import that it falls back from the httpx2 fork to httpx; httpx
    is what this project uses and tests, so the notice is noise in the portal's log. (The
    filter must follow authlib's own `simplefilter("always")`, hence the import here.)"""
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.filterwarnings(
        "ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning
    )


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per outbound call
    try:
        config = load_config(os.environ)
    except ConfigError as error:
        sys.exit(f"sample_portal: {error}")
    _quiet_authlib_httpx_notice()
    from sample_portal.app import create_app

    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="warning")


if __name__ == "__main__":
    main()

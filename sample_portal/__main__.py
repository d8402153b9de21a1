"""`python -m sample_portal`: serve the sample portal, configured by `PORTAL_*` variables.

    PORTAL_ISSUER=http://localhost:8000 PORTAL_CLIENT_ID=... PORTAL_CLIENT_SECRET=... \
    PORTAL_NAME="IRCC Portal" PORTAL_BASE_URL=http://localhost:8100 PORTAL_PORT=8100 \
    python -m sample_portal
"""

from __future__ import annotations

import logging
import os
import sys

import uvicorn

from sample_portal.app import create_app
from sample_portal.config import ConfigError, load_config


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    try:
        config = load_config(os.environ)
    except ConfigError as error:
        sys.exit(f"sample_portal: {error}")
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="warning")


if __name__ == "__main__":
    main()

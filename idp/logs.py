"""How the service's log lines look: one JSON object per line, with the request id.

Everything logs through the standard `logging` module (ours, uvicorn's, SQLAlchemy's);
structlog's `ProcessorFormatter` renders each record as JSON with `timestamp` (UTC ISO
8601), `level`, `logger`, `event`, `process` (the worker's pid) and the context bound for
the request (`request_id`, bound by `idp.http.access_log`). `logging_config` is a
`dictConfig` dictionary, so uvicorn applies the same configuration in each worker process.

What is never logged: query strings (the access log has the route template only), SQL
parameters (`hide_parameters` on the engines), tokens, codes, passwords, keys.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.processors import CallsiteParameter

LOG_LEVELS = ("debug", "info", "warning", "error")
# Libraries whose debug or info lines quote secrets: authlib logs every token it issues,
# SQLAlchemy statements and python-multipart form fields, httpx URLs. They log warnings
# and errors only, whatever IDP_LOG_LEVEL says.
QUIET_LOGGERS = (
    "authlib",
    "sqlalchemy",
    "python_multipart",
    "multipart",
    "httpx",
    "httpcore",
    "uvicorn.access",
)


def _drop_color_message(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """uvicorn passes a copy of its message with terminal colours as `color_message`."""
    event.pop("color_message", None)
    return event


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.CallsiteParameterAdder([CallsiteParameter.PROCESS]),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )


def logging_config(level: str) -> dict[str, Any]:
    """JSON lines on stderr at `level` (debug, info, warning, error)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "idp.logs.json_formatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            **{name: {"level": "WARNING"} for name in QUIET_LOGGERS},
        },
    }

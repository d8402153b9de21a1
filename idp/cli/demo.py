"""`idp demo`: Passerelle with three sample portals, seeded people, and a printed guide.

The advertised issuer follows `--port` (`http://localhost:<port>`) unless `IDP_ISSUER` is
set. The portals run as `python -m sample_portal` processes on `--portal-ports`; they stop
when the demo stops, by Ctrl-C or by SIGTERM. Running it again adds nothing (see
`idp.demo.seed`).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from idp.cli.output import components, fail, load_settings
from idp.cli.serving import run_server
from idp.db import unit_of_work
from idp.demo.guide import demo_guide
from idp.demo.portals import DEFAULT_PORTAL_PORTS, DEMO_PORTAL_SLUGS, DemoPortal
from idp.demo.processes import busy_ports, start_portals
from idp.demo.seed import seed_demo
from idp.settings import Settings

DEMO_LOG_FOLDER = "demo-logs"


def demo_issuer(port: int) -> str:
    """`IDP_ISSUER` when set, else the loopback address the demo serves on.

    localhost, not 127.0.0.1: Chromium keeps `Secure` cookies on http://localhost only,
    and the portals (on 127.0.0.1) then never receive Passerelle's cookies.
    """
    return os.environ.get("IDP_ISSUER") or f"http://localhost:{port}"


def parse_portal_ports(value: str) -> tuple[int, ...] | None:
    """Three distinct port numbers, comma-separated; None when `value` is not that."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != len(DEMO_PORTAL_SLUGS) or not all(p.isdigit() for p in parts):
        return None
    ports = tuple(int(p) for p in parts)
    if len(set(ports)) != len(ports) or not all(0 < p < 65536 for p in ports):
        return None
    return ports


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)  # unwinds through `finally`, which stops the portals


def _seed(settings: Settings, ports: tuple[int, ...]) -> list[DemoPortal]:
    with components(settings) as parts, unit_of_work(parts.session_factory) as db:
        return seed_demo(
            db,
            passwords=parts.passwords,
            master=parts.master_key,
            events=parts.delegation_events,
            ports=ports,
            now=parts.clock.now(),
        )


def demo(
    host: Annotated[str, typer.Option(help="Address to listen on (Passerelle and portals).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Passerelle's port; the issuer follows it.")] = 8000,
    portal_ports: Annotated[
        str, typer.Option(help="Ports of the IRCC, PR and representatives' portals.")
    ] = ",".join(map(str, DEFAULT_PORTAL_PORTS)),
) -> None:
    """Add three sample portals and people, print how to try them, then serve."""
    ports = parse_portal_ports(portal_ports)
    if ports is None or port in ports:
        fail(
            "portal_ports", "--portal-ports takes three distinct ports, e.g. 8101,8102,8103", False
        )
    busy = busy_ports(host, (port, *ports))
    if busy:
        fail("port", f"port {busy[0]} is in use: choose others with --port/--portal-ports", False)
    os.environ["IDP_ISSUER"] = demo_issuer(port)  # the server reads its settings from here
    settings = load_settings()
    portals = _seed(settings, ports)
    log_dir = settings.data_dir / DEMO_LOG_FOLDER
    for line in demo_guide(settings.issuer, portals, log_dir, has_mailbox=not settings.smtp_url):
        typer.echo(line)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    running = start_portals(portals, issuer=settings.issuer, host=host, log_dir=log_dir)
    try:
        run_server(settings, host=host, port=port)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        running.stop()

"""Turning `Settings` into a `Runtime`: database, store, master key, signing keys.

Embedded mode (no IDP_DATABASE_URL, no IDP_MASTER_KEY) creates its data folder, migrates
its SQLite file and generates a master key on first start, saying loudly that production
must supply one. Production mode never generates secrets and never migrates by itself
(`idp db upgrade` does).
"""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from adapters import DevMailbox, EphemeralStore, Mailer, MemoryStore, RedisStore, SmtpMailer
from idp.authn.password import PasswordPolicy, Passwords
from idp.authn.sessions import BrowserSessions
from idp.clock import Clock, SystemClock
from idp.db import create_db_engine, create_session_factory
from idp.migrations.runner import upgrade_database
from idp.oauth.tokens import TokenPolicy
from idp.oidc.backchannel import announce_session_end
from idp.runtime import Runtime
from idp.settings import Settings
from keys import Keyring, MasterKey, ensure_signing_keys

log = logging.getLogger("idp.bootstrap")
MASTER_KEY_FILE = "master.key"
SIGNING_ALGS = ("ES256", "RS256")


def load_master_key(settings: Settings) -> MasterKey:
    configured = settings.master_key.get_secret_value()
    if configured:
        return MasterKey.from_b64url(configured)
    path = settings.data_dir / MASTER_KEY_FILE
    if path.exists():
        master = MasterKey.from_b64url(path.read_text().strip())
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        master = MasterKey.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(master.to_b64url())
    log.warning(
        "EMBEDDED MODE: the master key is a generated file (%s). Production MUST set "
        "IDP_MASTER_KEY (generate one with `idp keys master`).",
        path,
    )
    return master


def create_store(settings: Settings) -> EphemeralStore:
    if settings.redis_url:
        return RedisStore(settings.redis_url, prefix=settings.redis_prefix)
    return MemoryStore()


def prepare_database(settings: Settings) -> Engine:
    if settings.is_embedded_database:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url)
    if settings.is_embedded_database:
        upgrade_database(engine)
    return engine


def signing_algs(settings: Settings) -> tuple[str, ...]:
    wanted = (*SIGNING_ALGS, settings.access_token_alg, settings.id_token_default_alg)
    return tuple(dict.fromkeys(wanted))


def create_mailer(settings: Settings) -> tuple[Mailer, DevMailbox | None]:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from), None
    mailbox = DevMailbox(settings.data_dir / "mailbox", settings.mail_from)
    log.warning(
        "EMBEDDED MODE: mail goes to the development mailbox at /dev/mailbox; "
        "production MUST set IDP_SMTP_URL."
    )
    return mailbox, mailbox


def build_runtime(
    settings: Settings, *, clock: Clock | None = None, store: EphemeralStore | None = None
) -> Runtime:
    settings.validate_for_startup()
    clock = clock or SystemClock()
    engine = prepare_database(settings)
    factory = create_session_factory(engine)
    master = load_master_key(settings)
    with factory() as session, session.begin():
        ensure_signing_keys(session, master, signing_algs(settings), clock.now())
    store = store or create_store(settings)
    keyring = Keyring(master)
    mailer, dev_mailbox = create_mailer(settings)
    on_end = partial(
        announce_session_end,
        issuer=settings.issuer,
        keyring=keyring,
        default_alg=settings.id_token_default_alg,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=factory,
        store=store,
        keyring=keyring,
        clock=clock,
        passwords=Passwords(
            PasswordPolicy(
                memory_kib=settings.password_hash_memory_kib,
                time_cost=settings.password_hash_time_cost,
                parallelism=settings.password_hash_parallelism,
            )
        ),
        browser_sessions=BrowserSessions(factory, clock, settings.session_ttl_seconds, on_end),
        token_policy=TokenPolicy(
            issuer=settings.issuer,
            access_token_alg=settings.access_token_alg,
            access_token_ttl_seconds=settings.access_token_ttl_seconds,
            refresh_token_ttl_seconds=settings.refresh_token_ttl_seconds,
        ),
        master_key=master,
        mailer=mailer,
        dev_mailbox=dev_mailbox,
    )

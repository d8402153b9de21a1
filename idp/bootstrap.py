"""Turning `Settings` into the service's components: database, store, keys, mail, policies.

`build_components` is called by `create_app` and by the CLI, so both run the same
objects. `Components` is what one running service shares between requests; only the
composition root (`idp.app`, `idp.cli`) holds it: `create_app` puts each field on
`app.state`, where the typed request dependencies read them, and services receive the
pieces they use as parameters, never the whole.

Embedded mode (no IDP_DATABASE_URL, no IDP_MASTER_KEY) creates its data folder, migrates
its SQLite file and generates a master key on first start, saying loudly that production
must supply one. Production mode never generates secrets and never migrates by itself
(`idp db upgrade` does).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from limits import parse
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from adapters import (
    AsyncStore,
    DevMailbox,
    EphemeralStore,
    FileMembershipRegister,
    Mailer,
    MembershipRegister,
    MemoryStore,
    RedisStore,
    RegisterError,
    SmtpMailer,
)
from idp.accounts.passwords import PasswordPolicy, Passwords
from idp.authn.attempts import AttemptBudget, Budgets
from idp.authn.device_cookies import DeviceCookies
from idp.authn.sessions import SessionEndListener, SessionPolicy
from idp.clients.cache import ClientDirectory
from idp.clients.profiles import PortalProfiles
from idp.clock import Clock, SystemClock
from idp.db import (
    DatabaseLimits,
    create_read_session_factory,
    create_session_factory,
    unit_of_work,
)
from idp.delegation.events import SecurityEventOutbox
from idp.http.documents import StaticDocument
from idp.migrations.runner import upgrade_database
from idp.oauth.liveness import RevocationGeneration, TokenLiveness, watch_revocations
from idp.oauth.server import IdpAuthorizationServer, ServerConfig
from idp.oauth.tokens import TokenPolicy
from idp.oidc.backchannel import BackchannelLogout
from idp.oidc.discovery import provider_metadata
from idp.oidc.id_token import IdTokenExtension
from idp.oidc.jwks import PublishedKeys
from idp.settings import Settings, SettingsError
from idp.startup import (
    StartupRefused,
    first_start_lock,
    make_private_file,
    make_private_folder,
    open_database,
    require_migrated,
    require_signing_keys,
)
from idp.subjects.service import SubjectIdentifiers
from keys import InvalidMasterKey, Keyring, MasterKey, ensure_signing_keys

log = logging.getLogger("idp.bootstrap")
MASTER_KEY_FILE = "master.key"
# Every algorithm discovery advertises for ID tokens has a key: a portal may register any.
SIGNING_ALGS = ("ES256", "RS256", "EdDSA")


@dataclass(frozen=True)
class Components:
    settings: Settings
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    store: EphemeralStore
    async_store: AsyncStore | None  # the store for the event loop, where it cannot block
    master_key: MasterKey
    keyring: Keyring
    mailer: Mailer
    dev_mailbox: DevMailbox | None
    passwords: Passwords
    budgets: Budgets
    session_policy: SessionPolicy
    session_listener: SessionEndListener
    token_policy: TokenPolicy
    oauth_server: IdpAuthorizationServer
    clients: ClientDirectory  # the server's: every request reads clients through it
    delegation_events: SecurityEventOutbox
    discovery: StaticDocument
    jwks: PublishedKeys
    membership_register: MembershipRegister
    subjects: SubjectIdentifiers
    portal_profiles: PortalProfiles
    device_cookies: DeviceCookies


def load_master_key(settings: Settings) -> MasterKey:
    """IDP_MASTER_KEY, or (embedded mode, under the first-start lock) the generated file."""
    configured = settings.master_key.get_secret_value()
    try:
        if configured:
            return MasterKey.from_b64url(configured)
        return _generated_master_key(settings.data_dir / MASTER_KEY_FILE)
    except InvalidMasterKey as error:
        raise StartupRefused(error.message) from None


def _generated_master_key(path: Path) -> MasterKey:
    if path.exists():
        make_private_file(path)
        master = MasterKey.from_b64url(path.read_text().strip())
    else:
        make_private_folder(path.parent)
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


def master_key_source(settings: Settings) -> str:
    if settings.master_key.get_secret_value():
        return "IDP_MASTER_KEY"
    return f"the generated master key ({settings.data_dir / MASTER_KEY_FILE})"


def create_store(settings: Settings) -> EphemeralStore:
    if not settings.redis_url:
        return MemoryStore()
    try:
        return RedisStore(
            settings.redis_url,
            prefix=settings.redis_prefix,
            socket_timeout=settings.redis_timeout_seconds,
            connect_timeout=settings.redis_timeout_seconds,
        )
    except ValueError as error:
        raise StartupRefused(f"IDP_REDIS_URL is malformed: {error}") from None


def database_limits(settings: Settings) -> DatabaseLimits:
    return DatabaseLimits(
        connect_timeout_seconds=settings.database_connect_timeout_seconds,
        statement_timeout_ms=settings.database_statement_timeout_ms,
        pool_size=settings.database_pool_size,
    )


def _open_embedded_database(settings: Settings) -> Engine:
    """The SQLite file (0600, as its -wal and -shm, which SQLite creates alike), migrated."""
    make_private_folder(settings.data_dir)
    path = make_url(settings.resolved_database_url).database
    if path and path != ":memory:":
        make_private_file(Path(path))
    engine = open_database(settings.resolved_database_url, database_limits(settings))
    upgrade_database(engine)
    return engine


def _open_production_database(settings: Settings) -> Engine:
    engine = open_database(settings.resolved_database_url, database_limits(settings))
    try:
        require_migrated(engine)
    except StartupRefused:
        engine.dispose()
        raise
    return engine


def prepare_database(settings: Settings) -> Engine:
    """The database, reachable and at this version's schema (embedded mode migrates it)."""
    if settings.is_embedded_database:
        with first_start_lock(settings.data_dir):
            return _open_embedded_database(settings)
    return _open_production_database(settings)


def _ensure_keys(engine: Engine, master: MasterKey, settings: Settings, now: datetime) -> None:
    with unit_of_work(create_session_factory(engine)) as db:
        ensure_signing_keys(db, master, signing_algs(settings), now)


def prepare_storage(settings: Settings, now: datetime) -> tuple[Engine, MasterKey]:
    """The migrated database holding signing keys, and the master key that opens them.

    Embedded mode does its first start (master key file, migrations, first keys) under
    the data folder's first-start lock, so two processes starting at once do it once.
    """
    if not settings.is_embedded_database:
        master = load_master_key(settings)
        engine = _open_production_database(settings)
        _ensure_keys(engine, master, settings, now)
        return engine, master
    with first_start_lock(settings.data_dir):
        master = load_master_key(settings)
        engine = _open_embedded_database(settings)
        _ensure_keys(engine, master, settings, now)
    return engine, master


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


def create_membership_register(settings: Settings) -> MembershipRegister:
    """The file-backed register (the shipped sample unless IDP_MEMBERSHIP_REGISTER_DIR)."""
    try:
        return FileMembershipRegister(settings.membership_register_dir)
    except RegisterError as error:
        raise SettingsError(f"IDP_MEMBERSHIP_REGISTER_DIR: {error}") from None


def create_passwords(settings: Settings) -> Passwords:
    return Passwords(
        PasswordPolicy(
            memory_kib=settings.password_hash_memory_kib,
            time_cost=settings.password_hash_time_cost,
            parallelism=settings.password_hash_parallelism,
            in_flight=settings.password_hashes_in_flight,
        )
    )


def create_budgets(settings: Settings) -> Budgets:
    limit = parse(settings.login_rate_limit)
    password = AttemptBudget(limit.amount, int(limit.get_expiry()))
    return Budgets(password_per_account=password, password_per_address=password)


def create_token_policy(settings: Settings) -> TokenPolicy:
    return TokenPolicy(
        issuer=settings.issuer,
        access_token_alg=settings.access_token_alg,
        access_token_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_token_ttl_seconds=settings.refresh_token_ttl_seconds,
    )


def create_async_store(store: EphemeralStore) -> AsyncStore | None:
    """The store for the event loop, where using it cannot block: the in-process store, or a
    non-blocking client of the Redis store; None for any other store (a test's), whose
    users then go to the threads."""
    return store.async_store() if isinstance(store, MemoryStore | RedisStore) else None


def create_token_liveness(store: EphemeralStore, async_store: AsyncStore | None) -> TokenLiveness:
    """Access tokens read alive, remembered until the next revocation generation (read on
    the event loop through `async_store`, else in threads)."""
    return TokenLiveness(RevocationGeneration(store, async_store))


def create_oauth_server(
    settings: Settings,
    keyring: Keyring,
    store: EphemeralStore,
    tokens: TokenPolicy,
    subjects: SubjectIdentifiers,
    profiles: PortalProfiles,
    liveness: TokenLiveness,
) -> IdpAuthorizationServer:
    config = ServerConfig(
        issuer=settings.issuer,
        tokens=tokens,
        auth_code_ttl_seconds=settings.auth_code_ttl_seconds,
        id_token_ttl_seconds=settings.id_token_ttl_seconds,
        id_token_default_alg=settings.id_token_default_alg,
        interaction_ttl_seconds=settings.interaction_ttl_seconds,
    )
    return IdpAuthorizationServer(
        config, keyring, store, subjects, liveness, token_extensions=[IdTokenExtension(profiles)]
    )


def build_components(
    settings: Settings, *, clock: Clock | None = None, store: EphemeralStore | None = None
) -> Components:
    settings.validate_for_startup()
    clock = clock or SystemClock()
    store = store or create_store(settings)
    engine, master = prepare_storage(settings, clock.now())
    factory = create_session_factory(engine)
    async_store = create_async_store(store)
    liveness = create_token_liveness(store, async_store)
    watch_revocations(factory, liveness)
    keyring = Keyring(master)
    try:
        require_signing_keys(factory, keyring, signing_algs(settings), master_key_source(settings))
    except StartupRefused:
        engine.dispose()
        raise
    mailer, dev_mailbox = create_mailer(settings)
    tokens = create_token_policy(settings)
    jwks = PublishedKeys(factory, clock)
    jwks.load()
    metadata = json.dumps(provider_metadata(settings.issuer), separators=(",", ":"))
    subjects = SubjectIdentifiers.from_master_key(master)
    profiles = PortalProfiles.load(settings.portal_profiles_dir)
    server = create_oauth_server(settings, keyring, store, tokens, subjects, profiles, liveness)
    return Components(
        settings=settings,
        clock=clock,
        engine=engine,
        session_factory=factory,
        read_session_factory=create_read_session_factory(engine),
        store=store,
        async_store=async_store,
        master_key=master,
        keyring=keyring,
        mailer=mailer,
        dev_mailbox=dev_mailbox,
        passwords=create_passwords(settings),
        budgets=create_budgets(settings),
        session_policy=SessionPolicy(settings.session_ttl_seconds),
        session_listener=BackchannelLogout(
            issuer=settings.issuer,
            default_alg=settings.id_token_default_alg,
            subjects=subjects,
        ),
        token_policy=tokens,
        oauth_server=server,
        clients=server.clients,
        delegation_events=SecurityEventOutbox(
            issuer=settings.issuer,
            alg=settings.access_token_alg,
            subjects=subjects,
        ),
        discovery=StaticDocument(metadata.encode()),
        jwks=jwks,
        membership_register=create_membership_register(settings),
        subjects=subjects,
        portal_profiles=profiles,
        device_cookies=DeviceCookies.from_master_key(master),
    )

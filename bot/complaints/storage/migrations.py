"""The schema, as numbered migrations: named functions registered in the order they shipped.

Append only: never edit or reorder a migration that has shipped; add a new one. Each runs inside the
transaction that records it in `schema_migrations`, so a database is never left half-migrated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.complaints.storage.database import Clock, Database, Transaction, iso_utc


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    apply: Callable[[Transaction], None]


MIGRATIONS: list[Migration] = []


def migration(apply: Callable[[Transaction], None]) -> Callable[[Transaction], None]:
    """Register `apply` as the next migration (numbered from 1 in definition order)."""
    MIGRATIONS.append(Migration(len(MIGRATIONS) + 1, apply.__name__, apply))
    return apply


def _run(tx: Transaction, *statements: str) -> None:
    for statement in statements:
        tx.execute(statement)


@migration
def initial_schema(tx: Transaction) -> None:
    _run(
        tx,
        """CREATE TABLE complaints (
            code TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            ward_code TEXT NOT NULL,
            route TEXT NOT NULL,
            category TEXT NOT NULL,
            occurred TEXT NOT NULL,
            description TEXT NOT NULL,
            official TEXT,
            dossier TEXT,
            photo TEXT,
            consent INTEGER NOT NULL DEFAULT 0,
            contact_name TEXT,
            contact TEXT,
            status TEXT NOT NULL,
            sensitive INTEGER NOT NULL DEFAULT 0,
            commitment_ids TEXT NOT NULL DEFAULT '[]',
            rating INTEGER,
            reopened INTEGER NOT NULL DEFAULT 0,
            fingerprint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            acknowledged_at TEXT,
            resolved_at TEXT
        )""",
        "CREATE INDEX complaints_user ON complaints(user, created_at)",
        "CREATE INDEX complaints_route ON complaints(route, status)",
        """CREATE TABLE status_history (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL REFERENCES complaints(code),
            status TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            note TEXT
        )""",
        "CREATE INDEX status_history_code ON status_history(code)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            code TEXT,
            detail TEXT
        )""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            target TEXT NOT NULL,
            code TEXT,
            purpose TEXT NOT NULL,
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at)",
        """CREATE TABLE sessions (
            user TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    )


@migration
def group_registration(tx: Transaction) -> None:
    # Telegram groups registered to a ward or supervisory unit at run time (overrides config).
    _run(
        tx,
        """CREATE TABLE groups (
            route TEXT PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            registered_at TEXT NOT NULL,
            registered_by TEXT NOT NULL
        )""",
        """CREATE TABLE registration_codes (
            code TEXT PRIMARY KEY,
            route TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        )""",
    )


@migration
def working_time_deadlines(tx: Transaction) -> None:
    # Deadlines in working time (bot/complaints/deadlines.py) and what the scheduler did.
    _run(
        tx,
        "ALTER TABLE complaints ADD COLUMN ack_due TEXT",
        "ALTER TABLE complaints ADD COLUMN resolve_due TEXT",
        "ALTER TABLE complaints ADD COLUMN level INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE complaints ADD COLUMN reminded_ack_at TEXT",
        "ALTER TABLE complaints ADD COLUMN reminded_resolve_at TEXT",
        "ALTER TABLE complaints ADD COLUMN overdue_at TEXT",
        "ALTER TABLE complaints ADD COLUMN supervisor_due TEXT",
        "ALTER TABLE complaints ADD COLUMN supervisor_overdue_at TEXT",
        "CREATE INDEX complaints_status_due ON complaints(status, ack_due, resolve_due)",
        "CREATE INDEX complaints_created ON complaints(created_at)",
        """CREATE TABLE digests (
            unit TEXT NOT NULL,
            day TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (unit, day)
        )""",
    )


@migration
def outbox_claims(tx: Transaction) -> None:
    # A sender claims a message before sending it, so the periodic worker and an immediate delivery
    # (the citizen's confirmation) never send the same message at the same time.
    _run(tx, "ALTER TABLE outbox ADD COLUMN claimed_until TEXT")


@migration
def personal_data(tx: Transaction) -> None:
    # bot/privacy: consent records, erasure, keyed author lookups, retention runs, the key's id.
    _run(
        tx,
        "ALTER TABLE complaints ADD COLUMN consent_at TEXT",
        "ALTER TABLE complaints ADD COLUMN consent_version TEXT",
        "ALTER TABLE complaints ADD COLUMN consent_withdrawn_at TEXT",
        "ALTER TABLE complaints ADD COLUMN erased_at TEXT",
        "ALTER TABLE complaints ADD COLUMN author TEXT",  # keyed hash of `user` (bot.privacy.cipher)
        "UPDATE complaints SET author = user",
        "CREATE INDEX complaints_author ON complaints(author, created_at)",
        "ALTER TABLE sessions ADD COLUMN owner TEXT",  # the session key, sealed, so a key rotation can re-hash it
        "ALTER TABLE sessions ADD COLUMN flow TEXT",  # intake, answer, staff: what retention needs to know
        "CREATE TABLE privacy_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE purge_runs (day TEXT PRIMARY KEY, at TEXT NOT NULL, summary TEXT NOT NULL)",
    )


def migrate(db: Database, clock: Clock, migrations: list[Migration] | None = None) -> None:
    """Apply every migration the database has not recorded yet, each in its own transaction."""
    with db.write() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, at TEXT)")
    for step in MIGRATIONS if migrations is None else migrations:
        with db.write() as tx:
            # Checked inside the write lock: two processes opening a new file migrate it once.
            if tx.one("SELECT 1 AS done FROM schema_migrations WHERE version = ?", [step.number]):
                continue
            step.apply(tx)
            tx.insert("schema_migrations", {"version": step.number, "at": iso_utc(clock())})


def schema_version(db: Database) -> int:
    return db.scalar("SELECT MAX(version) FROM schema_migrations") or 0

"""Durable state in SQLite: the facade the rest of the project uses.

The work is done per concern in `bot.complaints.storage` (connections and transactions, migrations,
complaints and their history, outbox, sessions, groups, audit); `Store` composes them and decides
what commits together. Every state change is one transaction: a complaint and the messages
announcing it are committed together, so a crash can never leave a stored complaint unforwarded,
nor a forward without its case. Every status change goes through `bot.complaints.lifecycle`.

Safe to use from many threads at once: each thread works on its own connection (see
`storage.database`), reads never open a transaction of their own, writes are BEGIN IMMEDIATE.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.complaints import lifecycle
from bot.complaints.storage import migrations as _migrations
from bot.complaints.storage.audit import AuditLog
from bot.complaints.storage.complaints import TIME_COLUMNS, Complaint, Complaints, NewComplaint, complaint_row
from bot.complaints.storage.database import (
    BUSY_TIMEOUT_MS,
    Clock,
    Database,
    NestedTransaction,
    StorageFull,
    Transaction,
    iso_utc,
    parse_time,
    utc_now,
)
from bot.complaints.storage.groups import Groups
from bot.complaints.storage.health import StoreUnavailable, diagnose, quick_check
from bot.complaints.storage.outbox import (
    CLAIM_LEASE,
    Outbox,
    OutboxItem,
    Outgoing,
    reply_from_json,
    reply_to_json,
)
from bot.complaints.storage.sessions import Sessions
from bot.privacy import codec
from bot.privacy.cipher import Cipher, PlainCipher

# The schema's migrations, in order (see bot.complaints.storage.migrations).
MIGRATIONS = _migrations.MIGRATIONS

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CLAIM_LEASE",
    "MIGRATIONS",
    "TIME_COLUMNS",
    "Clock",
    "Complaint",
    "NestedTransaction",
    "NewComplaint",
    "OutboxItem",
    "Outgoing",
    "StorageFull",
    "Store",
    "StoreUnavailable",
    "complaint_row",
    "iso_utc",
    "parse_time",
    "reply_from_json",
    "reply_to_json",
    "utc_now",
]


class Store:
    """The project's SQLite database, safe to share between threads."""

    def __init__(
        self,
        path: Path | str,
        clock: Clock = utc_now,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        migrations: list[_migrations.Migration] | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        self.clock = clock
        # Personal data is sealed with `cipher` (bot.privacy) where rows meet objects, in each concern.
        # Without one nothing is encrypted (throw-away databases); `bot.app.open_store` always passes
        # the deployment's key.
        self.cipher: Cipher = cipher or PlainCipher()
        self._local = threading.local()
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = Database(path, busy_timeout_ms=busy_timeout_ms)
        except (OSError, sqlite3.Error) as exc:
            raise diagnose(Path(path), exc) from exc
        try:
            # Looked up at call time so a test may run an older schema by patching this module's MIGRATIONS.
            _migrations.migrate(self._db, self._now, migrations if migrations is not None else MIGRATIONS)
        except sqlite3.Error as exc:
            self._db.close()
            raise diagnose(Path(path), exc) from exc
        except BaseException:
            self._db.close()
            raise
        self.audit = AuditLog(self._db, self._now, self.cipher)
        self.complaints = Complaints(self._db, self._now, self.cipher)
        self.outbox_table = Outbox(self._db, self._now, self.cipher)
        self.sessions = Sessions(self._db, self._now, self.cipher)
        self.groups = Groups(self._db, self._now, self.audit)
        try:
            codec.check_key(self, self.cipher)  # refuse a wrong key; encrypt a database written before encryption
        except BaseException:
            self._db.close()
            raise

    def _now(self) -> dt.datetime:
        # Through the attribute, so that replacing `store.clock` (tests do) reaches every concern.
        return self.clock()

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def database(self) -> Database:
        """The connection layer (reads, `write()` transactions) for modules that need raw SQL."""
        return self._db

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over this thread's connection: for reports, tests and introspection.

        Store methods never use it; anything writing through it should do so inside `transaction()`.
        """
        wrapped = getattr(self._local, "db", None)
        conn = self._db.connection()
        if wrapped is None or wrapped.conn is not conn:
            wrapped = sqlite_utils.Database(conn)
            self._local.db = wrapped
        return wrapped

    def close(self) -> None:
        self._db.close()

    def integrity_problems(self) -> list[str]:
        """`PRAGMA quick_check` of the file: empty when it is sound (run at start-up)."""
        return quick_check(self._db)

    def schema_version(self) -> int:
        return _migrations.schema_version(self._db)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One atomic unit of work on this thread's connection (BEGIN IMMEDIATE; cannot nest)."""
        with self._db.write() as tx:
            yield tx

    # -- complaints -------------------------------------------------------------------------

    def find_duplicate(self, new: NewComplaint, within: dt.timedelta) -> Complaint | None:
        """A complaint with the same fingerprint filed recently (a double submission)."""
        return self.complaints.find_duplicate(new, within)

    def count_citing(self, commitment_id: str, ward_code: str | None, within: dt.timedelta) -> int:
        """Complaints in the window that cite a commitment, for one ward or all."""
        return self.complaints.count_citing(commitment_id, ward_code, within)

    def count_recent(self, user: str, within: dt.timedelta) -> int:
        return self.complaints.count_recent(user, within)

    def file(self, new: NewComplaint, messages: Callable[[str], list[Outgoing]]) -> tuple[Complaint, list[int]]:
        """Like `create`, also returning the ids of the outbox messages queued with the case."""
        with self._db.write() as tx:
            code = self.complaints.insert(tx, new)
            self.audit.add(tx, new.user, "create", code, f"route={new.route}")
            ids = self.outbox_table.enqueue(tx, messages(code))
        complaint = self.get(code)
        assert complaint is not None
        return complaint, ids

    def create(self, new: NewComplaint, messages: Callable[[str], list[Outgoing]]) -> Complaint:
        """Store a complaint, its first status, an audit entry and its outbox messages atomically.

        `messages` receives the new tracking code and returns what to send (forward to the ward...).
        """
        return self.file(new, messages)[0]

    def get(self, code: str) -> Complaint | None:
        return self.complaints.get(code)

    def list(
        self, *, user: str | None = None, route: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[Complaint]:
        """Complaints filtered by author, route or status, newest first."""
        return self.complaints.list(user, route, status, limit)

    def open_cases(self) -> list[Complaint]:
        """Cases a unit still has to act on (for the scheduler)."""
        return self.complaints.open_cases()

    def digest_cases(self, ward_codes: list[str], route: str, since: dt.datetime) -> list[Complaint]:
        """What a unit's digest needs: its open cases and those created or resolved since `since`.

        Read in SQL rather than by loading every case: the digest must stay cheap with years of data.
        """
        return self.complaints.digest_cases(ward_codes, route, since)

    def apply_batch(self, changes: list[tuple[str, str, dict[str, Any]]], actor: str, messages: list[Outgoing]) -> None:
        """Several cases' updates (code, action, column values) and their messages in one transaction."""
        with self._db.write() as tx:
            for code, action, updates in changes:
                self.complaints.update(tx, code, updates)
                self.audit.add(tx, actor, action, code, "batched after downtime")
            self.outbox_table.enqueue(tx, messages)

    def digest_sent(self, unit: str, day: str) -> bool:
        return self.outbox_table.digest_sent(unit, day)

    def mark_digest(self, unit: str, day: str, message: Outgoing) -> bool:
        """Queue a unit's digest for `day` unless one was already queued (then False)."""
        with self._db.write() as tx:
            if not self.outbox_table.record_digest(tx, unit, day):
                return False
            self.audit.add(tx, "scheduler", "digest", None, f"{unit} {day}")
            self.outbox_table.enqueue(tx, [message])
            return True

    def history(self, code: str) -> list[dict[str, Any]]:
        return self.complaints.history(code)

    def audit_log(self, code: str | None = None) -> list[dict[str, Any]]:
        return self.audit.entries(code)

    def change(
        self,
        code: str,
        actor: str,
        action: str,
        *,
        status: str | None = None,
        note: str | None = None,
        updates: dict[str, Any] | None = None,
        messages: list[Outgoing] = (),  # type: ignore[assignment]
        expect_status: tuple[str, ...] | None = None,
    ) -> Complaint | None:
        """Apply one action to a complaint atomically: fields, status, history, audit, outbox.

        Returns None (and changes nothing) when the complaint is missing, when the lifecycle does not
        allow moving it to `status` (`bot.complaints.lifecycle.TRANSITIONS`), or when it is not in
        `expect_status` (an extra restriction some callers still pass). That makes a button pressed
        twice harmless.
        """
        with self._db.write() as tx:
            current = self.complaints.status_of(tx, code)
            if current is None or (expect_status is not None and current not in expect_status):
                return None
            if status is not None:
                if not self.complaints.move(tx, code, current, status, actor, note, updates):
                    return None
            else:
                self.complaints.update(tx, code, dict(updates or {}))
            self.audit.add(tx, actor, action, code, note)
            self.outbox_table.enqueue(tx, list(messages))
        return self.get(code)

    def record(
        self, actor: str, action: str, code: str | None = None, detail: str | None = None, messages: list[Outgoing] = ()
    ) -> None:  # type: ignore[assignment]
        """An audited event that changes no complaint (a relayed message, a refused action...)."""
        with self._db.write() as tx:
            self.audit.add(tx, actor, action, code, detail)
            self.outbox_table.enqueue(tx, list(messages))

    # -- outbox -----------------------------------------------------------------------------

    def due(self, limit: int = 50) -> list[OutboxItem]:
        """Undelivered, unclaimed messages whose next attempt is due, oldest first."""
        return self.outbox_table.due(limit)

    def pending_count(self) -> int:
        return self.outbox_table.pending_count()

    def outbox(self, code: str | None = None) -> list[OutboxItem]:
        return self.outbox_table.items(code)

    def outbox_item(self, item_id: int) -> OutboxItem | None:
        return self.outbox_table.get(item_id)

    def claim(self, item_id: int, lease: dt.timedelta = CLAIM_LEASE, *, due_only: bool = True) -> bool:
        """Take the right to send one message now (False: sent, being sent by another, or not due)."""
        return self.outbox_table.claim(item_id, lease, due_only=due_only)

    def release_claims(self) -> int:
        """At start-up: claims of a previous process are void (it is no longer sending anything)."""
        return self.outbox_table.release_claims()

    def mark_sent(self, item_id: int, message_id: str | None) -> bool:
        """Record a delivery; False if it was already recorded (never deliver twice)."""
        return self.outbox_table.mark_sent(item_id, message_id)

    def mark_failed(self, item_id: int, error: str, retry_in: dt.timedelta) -> None:
        self.outbox_table.mark_failed(item_id, error, retry_in)

    def retarget(self, item_id: int, target: str, actor: str, reason: str) -> None:
        """Send an undeliverable message to another chat (a ward's supervisor), audited."""
        with self._db.write() as tx:
            code, old = self.outbox_table.retarget(tx, item_id, target)
            self.audit.add(tx, actor, "retarget", code, f"{old or '?'} -> {target}: {reason}")

    # -- group registration -------------------------------------------------------------------

    def new_registration_code(self, route: str, valid_for: dt.timedelta = dt.timedelta(days=2)) -> str:
        """A one-time code an operator gives a ward; `/dangky CODE` in its group registers the group."""
        return self.groups.new_code(route, valid_for)

    def use_registration_code(self, code: str, chat_id: int, actor: str) -> str | None:
        """Register `chat_id` for the code's route; None if the code is unknown, used or expired."""
        return self.groups.use_code(code, chat_id, actor)

    def registered_groups(self) -> dict[str, int]:
        return self.groups.registered()

    # -- conversation sessions -----------------------------------------------------------------

    def load_session(self, user: str) -> tuple[dict[str, Any] | None, dt.datetime | None]:
        return self.sessions.load(user)

    def save_session(self, user: str, state: dict[str, Any]) -> None:
        self.sessions.save(user, state)

    def clear_session(self, user: str) -> None:
        self.sessions.clear(user)


# Kept importable for older callers; `lifecycle` is where statuses live now.
OPEN_STATUSES = lifecycle.OPEN

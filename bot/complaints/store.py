"""Durable state in SQLite (through sqlite-utils): complaints, their history, the audit log, the
outbox of messages to deliver, and unfinished conversations.

Every state change is one transaction: a complaint and the messages announcing it are committed
together, so a crash can never leave a stored complaint unforwarded, nor a forward without its case.
WAL mode lets the outbox worker read while a conversation writes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.complaints.codes import new_code
from bot.replies import Button, Reply

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_utc(moment: dt.datetime) -> str:
    """How this module stores a moment: ISO 8601 in UTC, which also sorts as text."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(text: str) -> dt.datetime:
    """A timestamp stored by this module, back as an aware datetime."""
    return dt.datetime.fromisoformat(text)


# Numbered migrations: append only, never edit one that has shipped.
MIGRATIONS: list[list[str]] = [
    [
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
    ],
    [
        # Telegram groups registered to a ward or supervisory unit at run time (overrides config).
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
    ],
    [
        # Deadlines in working time (bot/complaints/deadlines.py) and what the scheduler did.
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
    ],
]


TIME_COLUMNS = (
    "created_at",
    "updated_at",
    "acknowledged_at",
    "resolved_at",
    "ack_due",
    "resolve_due",
    "reminded_ack_at",
    "reminded_resolve_at",
    "overdue_at",
    "supervisor_due",
    "supervisor_overdue_at",
)


@dataclass(frozen=True)
class Complaint:
    """A stored complaint, as read back from the database."""

    code: str
    user: str
    ward_code: str
    route: str  # "ward:<code>" or "supervisor:<id>": who must handle it now
    category: str
    occurred: str
    description: str
    official: str | None
    dossier: str | None
    photo: str | None
    consent: bool
    contact_name: str | None
    contact: str | None
    status: str
    sensitive: bool
    commitment_ids: tuple[str, ...]
    rating: int | None
    reopened: int
    created_at: dt.datetime
    updated_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    ack_due: dt.datetime | None = None
    resolve_due: dt.datetime | None = None
    level: int = 0  # 0: with the responsible unit; 1: overdue, escalated; 2: overdue at the supervisor too
    reminded_ack_at: dt.datetime | None = None
    reminded_resolve_at: dt.datetime | None = None
    overdue_at: dt.datetime | None = None
    supervisor_due: dt.datetime | None = None
    supervisor_overdue_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Complaint:
        values = {k: v for k, v in row.items() if k != "fingerprint"}
        values["consent"] = bool(values["consent"])
        values["sensitive"] = bool(values["sensitive"])
        values["commitment_ids"] = tuple(json.loads(values["commitment_ids"]))
        for key in TIME_COLUMNS:
            if key in values:
                values[key] = parse_time(values[key]) if values[key] else None
        return cls(**values)


@dataclass(frozen=True)
class Outgoing:
    """A message to deliver later through a channel: to a ward group or a citizen."""

    target: str  # channel-qualified chat, e.g. "tg:-1001234567890" or "tg:12345"
    reply: Reply
    purpose: str  # "forward", "notify", "relay", "reminder", "digest"...
    code: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    """A pending or delivered outbox row."""

    id: int
    target: str
    reply: Reply
    purpose: str
    code: str | None
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None


def reply_to_json(reply: Reply) -> str:
    if isinstance(reply.photo, bytes):
        raise ValueError("the outbox carries photos by file id; send generated images as direct replies")
    return json.dumps(asdict(reply), ensure_ascii=False)


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    buttons = tuple(tuple(Button(**b) for b in row) for row in data.get("buttons", []))
    return Reply(data["text"], buttons, force_reply=data.get("force_reply", False), photo=data.get("photo"))


@dataclass
class NewComplaint:
    """What the intake collected, ready to store."""

    user: str
    ward_code: str
    route: str
    category: str
    occurred: str
    description: str
    official: str | None = None
    dossier: str | None = None
    photo: str | None = None
    consent: bool = False
    contact_name: str | None = None
    contact: str | None = None
    sensitive: bool = False
    commitment_ids: list[str] = field(default_factory=list)
    deadlines: dict[str, Any] = field(default_factory=dict)  # ack_due, resolve_due... (deadlines.py)

    def fingerprint(self) -> str:
        """Same citizen, ward, category and text: the same complaint sent twice."""
        return json.dumps([self.user, self.ward_code, self.category, " ".join(self.description.split()).lower()])


class Store:
    """The project's SQLite database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: Path | str, clock: Clock = utc_now) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.clock = clock
        self._lock = threading.RLock()
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a complaint the citizen saw confirmed survives a power cut, not only a crash.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    def close(self) -> None:
        self.db.conn.close()

    def _migrate(self) -> None:
        with self.transaction():
            self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, at TEXT)")
            done = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations").fetchall()}
            for number, statements in enumerate(MIGRATIONS, start=1):
                if number in done:
                    continue
                for statement in statements:
                    self.db.execute(statement)
                self.db["schema_migrations"].insert({"version": number, "at": iso_utc(self.clock())})

    def schema_version(self) -> int:
        row = self.db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return row[0] or 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work (BEGIN IMMEDIATE so writers never deadlock on upgrade)."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # -- writes used inside transactions -------------------------------------------------------

    def _audit(self, actor: str, action: str, code: str | None, detail: str | None = None) -> None:
        self.db["audit"].insert(
            {"at": iso_utc(self.clock()), "actor": actor, "action": action, "code": code, "detail": detail}
        )

    def _history(self, code: str, status: str, actor: str, note: str | None) -> None:
        self.db["status_history"].insert(
            {"code": code, "status": status, "at": iso_utc(self.clock()), "actor": actor, "note": note}
        )

    def _enqueue(self, messages: list[Outgoing]) -> None:
        now = iso_utc(self.clock())
        for msg in messages:
            self.db["outbox"].insert(
                {
                    "created_at": now,
                    "target": msg.target,
                    "code": msg.code,
                    "purpose": msg.purpose,
                    "payload": reply_to_json(msg.reply),
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            )

    # -- complaints -------------------------------------------------------------------------

    def find_duplicate(self, new: NewComplaint, within: dt.timedelta) -> Complaint | None:
        """A complaint with the same fingerprint filed recently (a double submission)."""
        since = iso_utc(self.clock() - within)
        rows = list(
            self.db.query(
                "SELECT * FROM complaints WHERE fingerprint = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1",
                [new.fingerprint(), since],
            )
        )
        return Complaint.from_row(rows[0]) if rows else None

    def count_citing(self, commitment_id: str, ward_code: str | None, within: dt.timedelta) -> int:
        """Complaints in the window that cite a commitment, for one ward or all."""
        sql = (
            "SELECT COUNT(*) FROM complaints WHERE created_at >= ? AND EXISTS "
            "(SELECT 1 FROM json_each(complaints.commitment_ids) WHERE value = ?)"
        )
        params: list[Any] = [iso_utc(self.clock() - within), commitment_id]
        if ward_code is not None:
            sql += " AND ward_code = ?"
            params.append(ward_code)
        return self.db.execute(sql, params).fetchone()[0]

    def count_recent(self, user: str, within: dt.timedelta) -> int:
        since = iso_utc(self.clock() - within)
        row = self.db.execute(
            "SELECT COUNT(*) FROM complaints WHERE user = ? AND created_at >= ?", [user, since]
        ).fetchone()
        return row[0]

    def create(self, new: NewComplaint, messages: Callable[[str], list[Outgoing]]) -> Complaint:
        """Store a complaint, its first status, an audit entry and its outbox messages atomically.

        `messages` receives the new tracking code and returns what to send (forward to the ward...).
        """
        now = iso_utc(self.clock())
        with self.transaction():
            code = new_code()
            while self.db.execute("SELECT 1 FROM complaints WHERE code = ?", [code]).fetchone():
                code = new_code()
            row = {
                "code": code,
                "user": new.user,
                "ward_code": new.ward_code,
                "route": new.route,
                "category": new.category,
                "occurred": new.occurred,
                "description": new.description,
                "official": new.official,
                "dossier": new.dossier,
                "photo": new.photo,
                "consent": int(new.consent),
                "contact_name": new.contact_name if new.consent else None,
                "contact": new.contact if new.consent else None,
                "status": "new",
                "sensitive": int(new.sensitive),
                "commitment_ids": json.dumps(new.commitment_ids),
                "fingerprint": new.fingerprint(),
                "created_at": now,
                "updated_at": now,
                **new.deadlines,
            }
            self.db["complaints"].insert(row)
            self._history(code, "new", new.user, None)
            self._audit(new.user, "create", code, f"route={new.route}")
            self._enqueue(messages(code))
        complaint = self.get(code)
        assert complaint is not None
        return complaint

    def get(self, code: str) -> Complaint | None:
        rows = list(self.db.query("SELECT * FROM complaints WHERE code = ?", [code]))
        return Complaint.from_row(rows[0]) if rows else None

    def list(
        self, *, user: str | None = None, route: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[Complaint]:
        """Complaints filtered by author, route or status, newest first."""
        where, params = [], []
        for column, value in (("user", user), ("route", route), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT * FROM complaints"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, code LIMIT ?"
        return [Complaint.from_row(r) for r in self.db.query(sql, [*params, limit])]

    def open_cases(self) -> list[Complaint]:
        """Cases a unit still has to act on (for the scheduler)."""
        rows = self.db.query(
            "SELECT * FROM complaints WHERE status IN ('new', 'acknowledged', 'info_requested', 'reopened') "
            "ORDER BY created_at"
        )
        return [Complaint.from_row(r) for r in rows]

    def digest_cases(self, ward_codes: list[str], route: str, since: dt.datetime) -> list[Complaint]:
        """What a unit's digest needs: its open cases and those created or resolved since `since`.

        Read in SQL rather than by loading every case: the digest must stay cheap with years of data.
        """
        marks = ",".join("?" * len(ward_codes)) or "NULL"
        stamp = iso_utc(since)
        sql = (
            f"SELECT * FROM complaints WHERE (ward_code IN ({marks}) OR route = ?) AND ("
            "status IN ('new', 'acknowledged', 'info_requested', 'reopened') OR created_at >= ? OR resolved_at >= ?)"
        )
        return [Complaint.from_row(r) for r in self.db.query(sql, [*ward_codes, route, stamp, stamp])]

    def apply_batch(self, changes: list[tuple[str, str, dict[str, Any]]], actor: str, messages: list[Outgoing]) -> None:
        """Several cases' updates (code, action, column values) and their messages in one transaction."""
        now = iso_utc(self.clock())
        with self.transaction():
            for code, action, updates in changes:
                self.db["complaints"].update(code, {**updates, "updated_at": now})
                self._audit(actor, action, code, "batched after downtime")
            self._enqueue(messages)

    def digest_sent(self, unit: str, day: str) -> bool:
        return self.db.execute("SELECT 1 FROM digests WHERE unit = ? AND day = ?", [unit, day]).fetchone() is not None

    def mark_digest(self, unit: str, day: str, message: Outgoing) -> bool:
        """Queue a unit's digest for `day` unless one was already queued (then False)."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO digests (unit, day, sent_at) VALUES (?, ?, ?)",
                [unit, day, iso_utc(self.clock())],
            )
            if cur.rowcount != 1:
                return False
            self._audit("scheduler", "digest", None, f"{unit} {day}")
            self._enqueue([message])
            return True

    def history(self, code: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT status, at, actor, note FROM status_history WHERE code = ? ORDER BY id", [code])
        )

    def audit_log(self, code: str | None = None) -> list[dict[str, Any]]:
        if code is None:
            return list(self.db.query("SELECT * FROM audit ORDER BY id"))
        return list(self.db.query("SELECT * FROM audit WHERE code = ? ORDER BY id", [code]))

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

        Returns None (and changes nothing) when the complaint is missing or not in `expect_status`,
        which makes a button pressed twice harmless.
        """
        now = iso_utc(self.clock())
        with self.transaction():
            row = self.db.execute("SELECT status FROM complaints WHERE code = ?", [code]).fetchone()
            if row is None or (expect_status is not None and row[0] not in expect_status):
                return None
            values = dict(updates or {})
            values["updated_at"] = now
            if status is not None:
                values["status"] = status
                if status == "acknowledged":
                    values.setdefault("acknowledged_at", now)
                if status == "resolved":
                    values["resolved_at"] = now
            self.db["complaints"].update(code, values)
            if status is not None:
                self._history(code, status, actor, note)
            self._audit(actor, action, code, note)
            self._enqueue(list(messages))
        return self.get(code)

    def record(
        self, actor: str, action: str, code: str | None = None, detail: str | None = None, messages: list[Outgoing] = ()
    ) -> None:  # type: ignore[assignment]
        """An audited event that changes no complaint (a relayed message, a refused action...)."""
        with self.transaction():
            self._audit(actor, action, code, detail)
            self._enqueue(list(messages))

    # -- outbox -----------------------------------------------------------------------------

    def due(self, limit: int = 50) -> list[OutboxItem]:
        """Undelivered messages whose next attempt is due, oldest first."""
        rows = self.db.query(
            "SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            [iso_utc(self.clock()), limit],
        )
        return [self._outbox_item(r) for r in rows]

    def pending_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]

    def outbox(self, code: str | None = None) -> list[OutboxItem]:
        if code is None:
            rows = self.db.query("SELECT * FROM outbox ORDER BY id")
        else:
            rows = self.db.query("SELECT * FROM outbox WHERE code = ? ORDER BY id", [code])
        return [self._outbox_item(r) for r in rows]

    @staticmethod
    def _outbox_item(row: dict[str, Any]) -> OutboxItem:
        return OutboxItem(
            id=row["id"],
            target=row["target"],
            reply=reply_from_json(row["payload"]),
            purpose=row["purpose"],
            code=row["code"],
            attempts=row["attempts"],
            next_attempt_at=parse_time(row["next_attempt_at"]),
            sent_at=parse_time(row["sent_at"]) if row["sent_at"] else None,
        )

    def mark_sent(self, item_id: int, message_id: str | None) -> bool:
        """Record a delivery; False if it was already recorded (never deliver twice)."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 "
                "WHERE id = ? AND sent_at IS NULL",
                [iso_utc(self.clock()), message_id, item_id],
            )
            return cur.rowcount == 1

    def mark_failed(self, item_id: int, error: str, retry_in: dt.timedelta) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                [error[:500], iso_utc(self.clock() + retry_in), item_id],
            )

    def retarget(self, item_id: int, target: str, actor: str, reason: str) -> None:
        """Send an undeliverable message to another chat (a ward's supervisor), audited."""
        with self.transaction():
            row = self.db.execute("SELECT code, target FROM outbox WHERE id = ?", [item_id]).fetchone()
            self.db.execute(
                "UPDATE outbox SET target = ?, next_attempt_at = ? WHERE id = ?",
                [target, iso_utc(self.clock()), item_id],
            )
            self._audit(actor, "retarget", row[0] if row else None, f"{row[1] if row else '?'} -> {target}: {reason}")

    # -- group registration -------------------------------------------------------------------

    def new_registration_code(self, route: str, valid_for: dt.timedelta = dt.timedelta(days=2)) -> str:
        """A one-time code an operator gives a ward; `/dangky CODE` in its group registers the group."""
        code = new_code()
        with self.transaction():
            self.db["registration_codes"].insert(
                {"code": code, "route": route, "expires_at": iso_utc(self.clock() + valid_for), "used_at": None}
            )
            self._audit("operator", "registration_code", None, route)
        return code

    def use_registration_code(self, code: str, chat_id: int, actor: str) -> str | None:
        """Register `chat_id` for the code's route; None if the code is unknown, used or expired."""
        now = iso_utc(self.clock())
        with self.transaction():
            row = self.db.execute(
                "SELECT route FROM registration_codes WHERE code = ? AND used_at IS NULL AND expires_at >= ?",
                [code, now],
            ).fetchone()
            if row is None:
                return None
            self.db.execute("UPDATE registration_codes SET used_at = ? WHERE code = ?", [now, code])
            self.db["groups"].upsert(
                {"route": row[0], "chat_id": chat_id, "registered_at": now, "registered_by": actor}, pk="route"
            )
            self._audit(actor, "register_group", None, f"{row[0]} -> {chat_id}")
        return row[0]

    def registered_groups(self) -> dict[str, int]:
        return {r["route"]: r["chat_id"] for r in self.db.query("SELECT route, chat_id FROM groups")}

    # -- conversation sessions -----------------------------------------------------------------

    def load_session(self, user: str) -> tuple[dict[str, Any] | None, dt.datetime | None]:
        row = self.db.execute("SELECT state, updated_at FROM sessions WHERE user = ?", [user]).fetchone()
        if row is None:
            return None, None
        return json.loads(row[0]), parse_time(row[1])

    def save_session(self, user: str, state: dict[str, Any]) -> None:
        with self.transaction():
            self.db["sessions"].upsert(
                {"user": user, "state": json.dumps(state, ensure_ascii=False), "updated_at": iso_utc(self.clock())},
                pk="user",
            )

    def clear_session(self, user: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE user = ?", [user])

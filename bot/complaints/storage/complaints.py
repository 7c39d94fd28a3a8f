"""Complaints and their status history: the case record, and the one place rows become objects.

`complaint_row` (NewComplaint -> row) and `Complaint.from_row` (row -> Complaint) are the only
mappings between the `complaints` table and Python; a field-level transformation (encryption at
rest, say) hooks in there and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from bot.complaints import lifecycle
from bot.complaints.codes import new_code
from bot.complaints.lifecycle import Status
from bot.complaints.storage.database import Clock, Database, Transaction, iso_utc, parse_time
from bot.privacy import codec
from bot.privacy.cipher import Cipher, PlainCipher

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
    "consent_at",
    "consent_withdrawn_at",
    "erased_at",
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
    consent_at: dt.datetime | None = None  # when the citizen agreed to the consent notice
    consent_version: str | None = None  # which notice (bot.privacy.consent.version)
    consent_withdrawn_at: dt.datetime | None = None
    erased_at: dt.datetime | None = None  # identity and free text erased; kept as anonymous statistics

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Complaint:
        values = {k: v for k, v in row.items() if k not in ("fingerprint", "author")}
        values["consent"] = bool(values["consent"])
        values["sensitive"] = bool(values["sensitive"])
        values["commitment_ids"] = tuple(json.loads(values["commitment_ids"]))
        for key in TIME_COLUMNS:
            if key in values:
                values[key] = parse_time(values[key]) if values[key] else None
        return cls(**values)


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
    consent_at: str | None = None  # ISO UTC, from the intake's consent step
    consent_version: str | None = None
    sensitive: bool = False
    commitment_ids: list[str] = field(default_factory=list)
    deadlines: dict[str, Any] = field(default_factory=dict)  # ack_due, resolve_due... (deadlines.py)

    def fingerprint(self) -> str:
        """Same citizen, ward, category and text: the same complaint sent twice."""
        return codec.fingerprint(self.user, self.ward_code, self.category, self.description)


def complaint_row(new: NewComplaint, code: str, now: str) -> dict[str, Any]:
    """The `complaints` row of a new case (contact details are kept only with consent)."""
    return {
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
        "consent_at": new.consent_at if new.consent else None,
        "consent_version": new.consent_version if new.consent else None,
        "status": str(lifecycle.INITIAL),
        "sensitive": int(new.sensitive),
        "commitment_ids": json.dumps(new.commitment_ids),
        "fingerprint": new.fingerprint(),
        "created_at": now,
        "updated_at": now,
        **new.deadlines,
    }


class Complaints:
    """Rows of the `complaints` and `status_history` tables."""

    def __init__(self, db: Database, clock: Clock, cipher: Cipher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.cipher: Cipher = cipher or PlainCipher()

    # -- reads ------------------------------------------------------------------------------------

    def _many(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Complaint]:
        # privacy: sealed columns are opened here, where rows become objects
        return [Complaint.from_row(codec.open_row(self.cipher, "complaints", r)) for r in self.db.rows(sql, params)]

    def get(self, code: str) -> Complaint | None:
        found = self._many("SELECT * FROM complaints WHERE code = ?", [code])
        return found[0] if found else None

    def find_duplicate(self, new: NewComplaint, within: dt.timedelta) -> Complaint | None:
        found = self._many(
            "SELECT * FROM complaints WHERE fingerprint = ? AND created_at >= ? ORDER BY created_at DESC LIMIT 1",
            [self.cipher.digest(new.fingerprint()), iso_utc(self.clock() - within)],
        )
        return found[0] if found else None

    def count_citing(self, commitment_id: str, ward_code: str | None, within: dt.timedelta) -> int:
        sql = (
            "SELECT COUNT(*) FROM complaints WHERE created_at >= ? AND EXISTS "
            "(SELECT 1 FROM json_each(complaints.commitment_ids) WHERE value = ?)"
        )
        params: list[Any] = [iso_utc(self.clock() - within), commitment_id]
        if ward_code is not None:
            sql += " AND ward_code = ?"
            params.append(ward_code)
        return self.db.scalar(sql, params)

    def count_recent(self, user: str, within: dt.timedelta) -> int:
        return self.db.scalar(
            "SELECT COUNT(*) FROM complaints WHERE author = ? AND created_at >= ?",
            [self.cipher.author_key(user), iso_utc(self.clock() - within)],
        )

    def list(self, user: str | None, route: str | None, status: str | None, limit: int) -> list[Complaint]:
        where, params = [], []
        author = self.cipher.author_key(user) if user is not None else None  # lookups by keyed hash
        for column, value in (("author", author), ("route", route), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        sql = "SELECT * FROM complaints"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, code LIMIT ?"
        return self._many(sql, [*params, limit])

    def open_cases(self) -> list[Complaint]:
        condition, params = lifecycle.open_sql()
        return self._many(f"SELECT * FROM complaints WHERE {condition} ORDER BY created_at", params)

    def digest_cases(self, ward_codes: list[str], route: str, since: dt.datetime) -> list[Complaint]:
        marks = ",".join("?" * len(ward_codes)) or "NULL"
        condition, statuses = lifecycle.open_sql()
        stamp = iso_utc(since)
        sql = (
            f"SELECT * FROM complaints WHERE (ward_code IN ({marks}) OR route = ?) AND ("
            f"{condition} OR created_at >= ? OR resolved_at >= ?)"
        )
        return self._many(sql, [*ward_codes, route, *statuses, stamp, stamp])

    def history(self, code: str) -> list[dict[str, Any]]:
        rows = self.db.rows("SELECT status, at, actor, note FROM status_history WHERE code = ? ORDER BY id", [code])
        return [codec.open_row(self.cipher, "status_history", r) for r in rows]

    # -- writes inside the caller's transaction ----------------------------------------------------------

    def insert(self, tx: Transaction, new: NewComplaint) -> str:
        """Store a new case under a fresh tracking code, with its first history step; returns the code."""
        now = iso_utc(self.clock())
        code = new_code()
        while tx.one("SELECT 1 AS taken FROM complaints WHERE code = ?", [code]):
            code = new_code()
        row = complaint_row(new, code, now)
        row["author"] = self.cipher.author_key(new.user)
        row["fingerprint"] = self.cipher.digest(row["fingerprint"])
        tx.insert("complaints", codec.seal_row(self.cipher, "complaints", row))
        self.add_history(tx, code, lifecycle.INITIAL, new.user, None)
        return code

    def add_history(self, tx: Transaction, code: str, status: str, actor: str, note: str | None) -> None:
        row = {"code": code, "status": str(status), "at": iso_utc(self.clock()), "actor": actor, "note": note}
        tx.insert("status_history", codec.seal_row(self.cipher, "status_history", row))

    def status_of(self, tx: Transaction, code: str) -> str | None:
        row = tx.one("SELECT status FROM complaints WHERE code = ?", [code])
        return row["status"] if row else None

    def update(self, tx: Transaction, code: str, values: dict[str, Any]) -> None:
        """Set columns of a case (and its `updated_at`); a status must come through `move`."""
        if "status" in values:
            raise ValueError("change a status through Complaints.move (the lifecycle), not a column update")
        values = codec.seal_row(self.cipher, "complaints", values)
        tx.update("complaints", "code", code, {**values, "updated_at": iso_utc(self.clock())})

    def move(
        self,
        tx: Transaction,
        code: str,
        current: str,
        new: Status | str,
        actor: str,
        note: str | None,
        updates: dict[str, Any] | None = None,
    ) -> bool:
        """Move a case to status `new` (with column `updates`) if the lifecycle allows it from `current`.

        False changes nothing. The status, its timestamps and its history step are written together.
        """
        if not lifecycle.allowed(current, new):
            return False
        now = iso_utc(self.clock())
        values: dict[str, Any] = {**(updates or {}), "status": str(new), "updated_at": now}
        if new == Status.ACKNOWLEDGED:
            values.setdefault("acknowledged_at", now)
        if new == Status.RESOLVED:
            values["resolved_at"] = now
        tx.update("complaints", "code", code, codec.seal_row(self.cipher, "complaints", values))
        self.add_history(tx, code, new, actor, note)
        return True

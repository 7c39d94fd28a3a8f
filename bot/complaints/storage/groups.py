"""Telegram groups registered to a unit at run time, and the one-time codes that register them."""

from __future__ import annotations

import datetime as dt

from bot.complaints.codes import new_code
from bot.complaints.storage.audit import AuditLog
from bot.complaints.storage.database import Clock, Database, iso_utc


class Groups:
    """Rows of the `groups` and `registration_codes` tables."""

    def __init__(self, db: Database, clock: Clock, audit: AuditLog) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit

    def new_code(self, route: str, valid_for: dt.timedelta) -> str:
        code = new_code()
        with self.db.write() as tx:
            tx.insert(
                "registration_codes",
                {"code": code, "route": route, "expires_at": iso_utc(self.clock() + valid_for), "used_at": None},
            )
            self.audit.add(tx, "operator", "registration_code", None, route)
        return code

    def use_code(self, code: str, chat_id: int, actor: str) -> str | None:
        now = iso_utc(self.clock())
        with self.db.write() as tx:
            row = tx.one(
                "SELECT route FROM registration_codes WHERE code = ? AND used_at IS NULL AND expires_at >= ?",
                [code, now],
            )
            if row is None:
                return None
            route = row["route"]
            tx.execute("UPDATE registration_codes SET used_at = ? WHERE code = ?", [now, code])
            tx.execute(
                "INSERT INTO groups (route, chat_id, registered_at, registered_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(route) DO UPDATE SET chat_id = excluded.chat_id, "
                "registered_at = excluded.registered_at, registered_by = excluded.registered_by",
                [route, chat_id, now, actor],
            )
            self.audit.add(tx, actor, "register_group", None, f"{route} -> {chat_id}")
        return route

    def registered(self) -> dict[str, int]:
        return {r["route"]: r["chat_id"] for r in self.db.rows("SELECT route, chat_id FROM groups")}

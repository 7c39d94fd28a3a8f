"""Unfinished conversations (an intake in progress, a pending answer), so a restart loses nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.complaints.storage.database import Clock, Database, iso_utc, parse_time


class Sessions:
    """Rows of the `sessions` table: one JSON state per channel user (or user in a group)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def load(self, user: str) -> tuple[dict[str, Any] | None, dt.datetime | None]:
        row = self.db.one("SELECT state, updated_at FROM sessions WHERE user = ?", [user])
        if row is None:
            return None, None
        return json.loads(row["state"]), parse_time(row["updated_at"])

    def save(self, user: str, state: dict[str, Any]) -> None:
        text = json.dumps(state, ensure_ascii=False)
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO sessions (user, state, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(user) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                [user, text, iso_utc(self.clock())],
            )

    def clear(self, user: str) -> None:
        with self.db.write() as tx:
            tx.execute("DELETE FROM sessions WHERE user = ?", [user])

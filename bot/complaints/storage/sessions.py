"""Unfinished conversations (an intake in progress, a pending answer), so a restart loses nothing.

The key column holds a keyed hash of the channel user (bot.privacy), the state is sealed, and the
sealed `owner` lets a key rotation re-hash the key; `flow` stays readable for the retention purge.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.complaints.storage.database import Clock, Database, iso_utc, parse_time
from bot.privacy.cipher import Cipher, PlainCipher


class Sessions:
    """Rows of the `sessions` table: one JSON state per channel user (or user in a group)."""

    def __init__(self, db: Database, clock: Clock, cipher: Cipher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.cipher: Cipher = cipher or PlainCipher()

    def load(self, user: str) -> tuple[dict[str, Any] | None, dt.datetime | None]:
        row = self.db.one("SELECT state, updated_at FROM sessions WHERE user = ?", [self.cipher.author_key(user)])
        if row is None:
            return None, None
        return json.loads(self.cipher.open(row["state"]) or "{}"), parse_time(row["updated_at"])

    def save(self, user: str, state: dict[str, Any]) -> None:
        text = self.cipher.seal(json.dumps(state, ensure_ascii=False))
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO sessions (user, owner, state, updated_at, flow) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(user) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, "
                "owner = excluded.owner, flow = excluded.flow",
                [
                    self.cipher.author_key(user),
                    self.cipher.seal(user),
                    text,
                    iso_utc(self.clock()),
                    str(state.get("flow", "")),
                ],
            )

    def clear(self, user: str) -> None:
        with self.db.write() as tx:
            tx.execute("DELETE FROM sessions WHERE user = ?", [self.cipher.author_key(user)])

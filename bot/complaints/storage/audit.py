"""The audit log: who did what to which case, append only."""

from __future__ import annotations

from typing import Any

from bot.complaints.storage.database import Clock, Database, Transaction, iso_utc


class AuditLog:
    """Rows of the `audit` table."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def add(self, tx: Transaction, actor: str, action: str, code: str | None, detail: str | None = None) -> None:
        """Record one event inside the caller's transaction."""
        tx.insert(
            "audit", {"at": iso_utc(self.clock()), "actor": actor, "action": action, "code": code, "detail": detail}
        )

    def entries(self, code: str | None = None) -> list[dict[str, Any]]:
        if code is None:
            return self.db.rows("SELECT * FROM audit ORDER BY id")
        return self.db.rows("SELECT * FROM audit WHERE code = ? ORDER BY id", [code])

"""The audit log: who did what to which case, append only.

Actor and detail are sealed (bot.privacy): a citizen's channel id or a staff reply quoted in a
detail reveals nothing without the data key.
"""

from __future__ import annotations

from typing import Any

from bot.complaints.storage.database import Clock, Database, Transaction, iso_utc
from bot.privacy import codec
from bot.privacy.cipher import Cipher, PlainCipher


class AuditLog:
    """Rows of the `audit` table."""

    def __init__(self, db: Database, clock: Clock, cipher: Cipher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.cipher: Cipher = cipher or PlainCipher()

    def add(self, tx: Transaction, actor: str, action: str, code: str | None, detail: str | None = None) -> None:
        """Record one event inside the caller's transaction."""
        row = {"at": iso_utc(self.clock()), "actor": actor, "action": action, "code": code, "detail": detail}
        tx.insert("audit", codec.seal_row(self.cipher, "audit", row))

    def entries(self, code: str | None = None) -> list[dict[str, Any]]:
        if code is None:
            rows = self.db.rows("SELECT * FROM audit ORDER BY id")
        else:
            rows = self.db.rows("SELECT * FROM audit WHERE code = ? ORDER BY id", [code])
        return [codec.open_row(self.cipher, "audit", r) for r in rows]

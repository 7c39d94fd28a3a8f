"""The outbox table: messages to deliver through a channel, committed with the change that causes them.

A sender claims a message (`claim`) before sending it, records the delivery (`mark_sent`) or the
failure (`mark_failed`) afterwards; a message once marked sent is never offered again. The claim is a
lease: if the process dies while sending, the message becomes due again when the lease runs out (or
at the next start, see `release_claims`), which is the one case where it may be delivered twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from bot.complaints.storage.database import Clock, Database, Transaction, iso_utc, parse_time
from bot.privacy import codec
from bot.privacy.cipher import Cipher, PlainCipher
from bot.replies import Button, Reply

CLAIM_LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Outgoing:
    """A message to deliver later through a channel: to a ward group or a citizen."""

    target: str  # channel-qualified chat, e.g. "tg:-1001234567890" or "tg:12345"
    reply: Reply
    purpose: str  # "forward", "notify", "relay", "reminder", "digest", "confirm"...
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
    data = asdict(reply)
    # Only Reply's own fields: a subclass's bookkeeping (QueuedReply.outbox_id) is not message content.
    return json.dumps({k: data[k] for k in ("text", "buttons", "force_reply", "photo")}, ensure_ascii=False)


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    buttons = tuple(tuple(Button(**b) for b in row) for row in data.get("buttons", []))
    return Reply(data["text"], buttons, force_reply=data.get("force_reply", False), photo=data.get("photo"))


def item_from_row(row: dict[str, Any]) -> OutboxItem:
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


class Outbox:
    """Rows of the `outbox` table (and `digests`, which records that a digest was queued)."""

    def __init__(self, db: Database, clock: Clock, cipher: Cipher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.cipher: Cipher = cipher or PlainCipher()

    def _item(self, row: dict[str, Any]) -> OutboxItem:
        # privacy: target, payload and error are sealed at rest
        return item_from_row(codec.open_row(self.cipher, "outbox", row))

    def enqueue(self, tx: Transaction, messages: list[Outgoing]) -> list[int]:
        """Queue messages inside the caller's transaction; returns their ids."""
        now = iso_utc(self.clock())
        return [
            tx.insert(
                "outbox",
                codec.seal_row(
                    self.cipher,
                    "outbox",
                    {
                        "created_at": now,
                        "target": msg.target,
                        "code": msg.code,
                        "purpose": msg.purpose,
                        "payload": reply_to_json(msg.reply),
                        "attempts": 0,
                        "next_attempt_at": now,
                    },
                ),
            )
            for msg in messages
        ]

    def due(self, limit: int) -> list[OutboxItem]:
        now = iso_utc(self.clock())
        rows = self.db.rows(
            "SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ?",
            [now, now, limit],
        )
        return [self._item(r) for r in rows]

    def get(self, item_id: int) -> OutboxItem | None:
        row = self.db.one("SELECT * FROM outbox WHERE id = ?", [item_id])
        return self._item(row) if row else None

    def pending_count(self) -> int:
        return self.db.scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")

    def items(self, code: str | None) -> list[OutboxItem]:
        if code is None:
            return [self._item(r) for r in self.db.rows("SELECT * FROM outbox ORDER BY id")]
        return [self._item(r) for r in self.db.rows("SELECT * FROM outbox WHERE code = ? ORDER BY id", [code])]

    def claim(self, item_id: int, lease: dt.timedelta = CLAIM_LEASE, *, due_only: bool = True) -> bool:
        """Take the right to send one message now; False if it is sent, claimed by another or not due."""
        now = iso_utc(self.clock())
        sql = (
            "UPDATE outbox SET claimed_until = ? WHERE id = ? AND sent_at IS NULL "
            "AND (claimed_until IS NULL OR claimed_until <= ?)"
        )
        params: list[Any] = [iso_utc(self.clock() + lease), item_id, now]
        if due_only:
            sql += " AND next_attempt_at <= ?"
            params.append(now)
        with self.db.write() as tx:
            return tx.execute(sql, params).rowcount == 1

    def release_claims(self) -> int:
        """Forget every claim: at start-up no sender of this database is running any more."""
        with self.db.write() as tx:
            return tx.execute("UPDATE outbox SET claimed_until = NULL WHERE claimed_until IS NOT NULL").rowcount

    def mark_sent(self, item_id: int, message_id: str | None) -> bool:
        with self.db.write() as tx:
            cursor = tx.execute(
                "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1, claimed_until = NULL "
                "WHERE id = ? AND sent_at IS NULL",
                [iso_utc(self.clock()), message_id, item_id],
            )
            return cursor.rowcount == 1

    def mark_failed(self, item_id: int, error: str, retry_in: dt.timedelta) -> None:
        with self.db.write() as tx:
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_until = NULL "
                "WHERE id = ? AND sent_at IS NULL",
                [self.cipher.seal(error[:500]), iso_utc(self.clock() + retry_in), item_id],
            )

    def retarget(self, tx: Transaction, item_id: int, target: str) -> tuple[str | None, str | None]:
        """Point an undelivered message at another chat; returns its (code, old target)."""
        row = tx.one("SELECT code, target FROM outbox WHERE id = ?", [item_id])
        tx.execute(
            "UPDATE outbox SET target = ?, next_attempt_at = ? WHERE id = ? AND sent_at IS NULL",
            [self.cipher.seal(target), iso_utc(self.clock()), item_id],
        )
        return (row["code"], self.cipher.open(row["target"])) if row else (None, None)

    # -- digests ----------------------------------------------------------------------------------

    def digest_sent(self, unit: str, day: str) -> bool:
        return self.db.one("SELECT 1 AS sent FROM digests WHERE unit = ? AND day = ?", [unit, day]) is not None

    def record_digest(self, tx: Transaction, unit: str, day: str) -> bool:
        cursor = tx.execute(
            "INSERT OR IGNORE INTO digests (unit, day, sent_at) VALUES (?, ?, ?)", [unit, day, iso_utc(self.clock())]
        )
        return cursor.rowcount == 1

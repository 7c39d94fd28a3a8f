"""The outbox worker: deliver stored messages through a channel, retrying until each is delivered.

A message is claimed before it is sent (so two senders never send it at once), marked delivered only
after the channel accepted it, and never sent again once accepted: if recording the delivery fails
locally, the worker retries the record, not the send.
Failures are retried with exponential backoff (or after the channel's own `retry_after`), forever:
a forward is never dropped. A chat that keeps refusing (bot removed from a ward's group) is
replaced by the ward's supervisory unit after a few attempts, so a complaint never goes nowhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from bot.complaints.store import OutboxItem, Store
from bot.replies import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")
_LONG_NUMBER = re.compile(r"\d{5,}")

MAX_BACKOFF = dt.timedelta(minutes=10)
FALLBACK_AFTER_ATTEMPTS = 5


class DeliveryError(Exception):
    """A channel could not deliver a message now.

    `retry_after`: seconds the channel asked us to wait (Telegram's flood control).
    `permanent`: the chat itself refuses (not found, bot blocked or removed); retrying the same
    chat is pointless for a while, and a ward's forward should go to its supervisor instead.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Sender(Protocol):
    """What a channel adapter provides to the worker."""

    async def send(self, target: str, reply: Reply) -> str | None:
        """Deliver `reply` to `target`; return the channel's message id; raise DeliveryError."""
        ...


def target_kind(target: str) -> str:
    """What a target is, for logs: a unit's route key as is, "group" or "citizen" for a chat id."""
    if target.startswith(("ward:", "supervisor:")):
        return target
    _channel, _, chat = target.partition(":")
    return "group" if chat.startswith("-") else "citizen"


def scrub(error: str, target: str) -> str:
    """A channel's error text without the chat id or any other long number it may quote."""
    return _LONG_NUMBER.sub("…", error.replace(target, target_kind(target)))


def backoff(attempts: int, cap: dt.timedelta = MAX_BACKOFF) -> dt.timedelta:
    """2, 4, 8 ... seconds, capped (ten minutes by default)."""
    return min(dt.timedelta(seconds=2 ** min(attempts + 1, 20)), cap)


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass of the worker did."""

    sent: int
    failed: int


@dataclass
class Ledger:
    """Deliveries the channel accepted but the database has not recorded yet (item id -> message id).

    Kept by the long-lived worker (the Telegram channel) across passes: while an id is here it is
    never sent again, only its bookkeeping is retried. Lost only if the process dies, the one case
    (with a crash between send and record) where a message may be delivered twice.
    """

    unrecorded: dict[int, str | None] = field(default_factory=dict)


BOOKKEEPING_RETRIES = (0.05, 0.2, 0.5, 1.0)  # seconds between attempts to record a delivery


async def _store_call(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    # SQLite work off the event loop: a write may wait for the lock while other threads commit.
    return await asyncio.to_thread(function, *args, **kwargs)


async def _record_sent(store: Store, item_id: int, message_id: str | None, ledger: Ledger) -> bool:
    """Record a delivery, retrying the bookkeeping (never the send); park it in `ledger` if it still fails."""
    for pause in (*BOOKKEEPING_RETRIES, None):
        try:
            await _store_call(store.mark_sent, item_id, message_id)
        except sqlite3.Error:
            if pause is None:
                log.exception("outbox %s was delivered but could not be recorded; will retry the record", item_id)
                ledger.unrecorded[item_id] = message_id
                return False
            await asyncio.sleep(pause)
            continue
        ledger.unrecorded.pop(item_id, None)
        return True
    return False  # pragma: no cover - the loop always returns


async def _flush(store: Store, ledger: Ledger) -> None:
    for item_id, message_id in list(ledger.unrecorded.items()):
        try:
            await _store_call(store.mark_sent, item_id, message_id)
        except sqlite3.Error:
            log.warning("outbox %s: recording its delivery failed again", item_id, exc_info=True)
            continue
        ledger.unrecorded.pop(item_id, None)


async def _deliver(
    store: Store,
    sender: Sender,
    item: OutboxItem,
    fallback: Callable[[OutboxItem], str | None],
    max_backoff: dt.timedelta,
    ledger: Ledger,
) -> str:
    """Send one claimed item: "sent", "failed" (retried later) or "unrecorded" (sent, record pending)."""
    try:
        message_id = await sender.send(item.target, item.reply)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            # A bug or an unexpected channel error: retried like a transient failure, and logged in full.
            log.exception("outbox %s to %s: unexpected error while sending", item.id, target_kind(item.target))
            exc = DeliveryError(f"{type(exc).__name__}: {exc}")
        wait = dt.timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(item.attempts, max_backoff)
        error = scrub(str(exc), item.target)
        # Never the chat id of a citizen, nor the message: logs are kept and shared more widely than the db.
        log.warning(
            "outbox %s (%s to %s) failed (attempt %s): %s",
            item.id,
            item.purpose,
            target_kind(item.target),
            item.attempts + 1,
            error,
        )
        try:
            await _store_call(store.mark_failed, item.id, error, wait)
            if exc.permanent and item.attempts + 1 >= FALLBACK_AFTER_ATTEMPTS:
                other = fallback(item)
                if other and other != item.target:
                    await _store_call(store.retarget, item.id, other, "system", f"undeliverable: {exc}")
        except sqlite3.Error:
            # Nothing was sent: the claim's lease runs out and the item is simply due again later.
            log.exception("outbox %s: could not record the failure", item.id)
        return "failed"
    return "sent" if await _record_sent(store, item.id, message_id, ledger) else "unrecorded"


async def deliver_due(
    store: Store,
    sender: Sender,
    fallback: Callable[[OutboxItem], str | None] = lambda item: None,
    limit: int = 50,
    max_backoff: dt.timedelta = MAX_BACKOFF,
    ledger: Ledger | None = None,
) -> DeliveryReport:
    """Try every due message once. `fallback` names another target for a refused forward.

    Each message is claimed before it is sent, so an immediate delivery (`deliver_one`) or another
    worker never sends it at the same time; a local error on one message never ends the pass.
    """
    ledger = ledger if ledger is not None else Ledger()
    await _flush(store, ledger)
    sent = failed = 0
    for item in await _store_call(store.due, limit):
        if item.id in ledger.unrecorded:
            continue  # delivered already; only its record is missing
        try:
            claimed = await _store_call(store.claim, item.id)
        except sqlite3.Error:
            log.exception("outbox %s: could not claim it; next pass", item.id)
            continue
        if not claimed:
            continue
        outcome = await _deliver(store, sender, item, fallback, max_backoff, ledger)
        sent += outcome == "sent"
        failed += outcome == "failed"
    return DeliveryReport(sent, failed)


async def deliver_one(
    store: Store,
    sender: Sender,
    item_id: int,
    fallback: Callable[[OutboxItem], str | None] = lambda item: None,
    max_backoff: dt.timedelta = MAX_BACKOFF,
    ledger: Ledger | None = None,
) -> bool:
    """Deliver one queued message now (the citizen's confirmation right after a submission).

    False if it could not be sent now, or if another sender has it: either way the outbox worker
    delivers it later, once.
    """
    ledger = ledger if ledger is not None else Ledger()
    try:
        if not await _store_call(store.claim, item_id):
            return False
        item = await _store_call(store.outbox_item, item_id)
    except sqlite3.Error:
        log.exception("outbox %s: could not claim it for immediate delivery; the worker will send it", item_id)
        return False
    if item is None or item.sent_at is not None:
        return False
    return await _deliver(store, sender, item, fallback, max_backoff, ledger) != "failed"

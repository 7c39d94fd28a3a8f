"""The outbox worker: deliver stored messages through a channel, retrying until each is delivered.

A message is marked delivered only after the channel accepted it, and never sent again once marked.
Failures are retried with exponential backoff (or after the channel's own `retry_after`), forever:
a forward is never dropped. A chat that keeps refusing (bot removed from a ward's group) is
replaced by the ward's supervisory unit after a few attempts, so a complaint never goes nowhere.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.complaints.store import OutboxItem, Store
from bot.replies import Reply

log = logging.getLogger(__name__)

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


def backoff(attempts: int, cap: dt.timedelta = MAX_BACKOFF) -> dt.timedelta:
    """2, 4, 8 ... seconds, capped (ten minutes by default)."""
    return min(dt.timedelta(seconds=2 ** min(attempts + 1, 20)), cap)


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass of the worker did."""

    sent: int
    failed: int


async def deliver_due(
    store: Store,
    sender: Sender,
    fallback: Callable[[OutboxItem], str | None] = lambda item: None,
    limit: int = 50,
    max_backoff: dt.timedelta = MAX_BACKOFF,
) -> DeliveryReport:
    """Try every due message once. `fallback` names another target for a refused forward."""
    sent = failed = 0
    for item in store.due(limit):
        try:
            message_id = await sender.send(item.target, item.reply)
        except DeliveryError as exc:
            failed += 1
            wait = dt.timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(item.attempts, max_backoff)
            store.mark_failed(item.id, str(exc), wait)
            log.warning("outbox %s to %s failed (attempt %s): %s", item.id, item.target, item.attempts + 1, exc)
            if exc.permanent and item.attempts + 1 >= FALLBACK_AFTER_ATTEMPTS:
                other = fallback(item)
                if other and other != item.target:
                    store.retarget(item.id, other, "system", f"undeliverable: {exc}")
            continue
        if store.mark_sent(item.id, message_id):
            sent += 1
    return DeliveryReport(sent, failed)

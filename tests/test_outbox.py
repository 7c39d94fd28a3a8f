"""The outbox worker: at-least-once delivery, never twice once marked, backoff, fallback targets."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    CITIZEN,
    CODE_PATTERN,
    SUPERVISOR,
    TEST_KEY,
    Clock,
    FakeSender,
    Person,
    build,
    file_complaint,
    fill_intake,
    outbox_of,
)

from bot.complaints import outbox as outbox_module
from bot.complaints.outbox import (
    FALLBACK_AFTER_ATTEMPTS,
    MAX_BACKOFF,
    DeliveryError,
    Ledger,
    backoff,
    deliver_due,
    deliver_one,
)
from bot.complaints.store import Outgoing, Store
from bot.privacy.cipher import FieldCipher
from bot.replies import QueuedReply, Reply

WARD = f"ward:{BEN_THANH}"
FALLBACK = f"supervisor:{SUPERVISOR}"


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Store:
    return Store(tmp_path / "db.sqlite3", clock=clock)


def enqueue(store: Store, target: str = WARD, text: str = "Phản ánh mới", code: str | None = "K7MA-Q9X3") -> int:
    store.record("system", "test", code, messages=[Outgoing(target, Reply(text), "forward", code)])
    return store.outbox()[-1].id


def item(store: Store, item_id: int):
    return next(i for i in store.outbox() if i.id == item_id)


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(5)] == [2, 4, 8, 16, 32]
    assert backoff(30) == MAX_BACKOFF


async def test_retries_with_backoff_until_delivered_exactly_once(store: Store, clock: Clock) -> None:
    failures = 3
    sender = FakeSender({WARD: [DeliveryError("network down") for _ in range(failures)]})
    item_id = enqueue(store)

    for attempt in range(failures):
        report = await deliver_due(store, sender)
        assert (report.sent, report.failed) == (0, 1)
        current = item(store, item_id)
        assert current.attempts == attempt + 1
        wait = backoff(attempt)
        assert current.next_attempt_at == clock() + wait
        # Not due again before the backoff has passed: the channel is not even called.
        clock.advance(seconds=wait.total_seconds() - 1)
        calls = len(sender.calls)
        assert await deliver_due(store, sender) == type(report)(0, 0)
        assert len(sender.calls) == calls
        clock.advance(seconds=1)

    report = await deliver_due(store, sender)
    assert (report.sent, report.failed) == (1, 0)
    assert sender.sent == [(WARD, Reply("Phản ánh mới"))]
    delivered = item(store, item_id)
    assert delivered.sent_at == clock()
    assert delivered.attempts == failures + 1
    assert len(sender.calls) == failures + 1
    assert store.pending_count() == 0

    clock.advance(hours=1)
    assert (await deliver_due(store, sender)).sent == 0
    assert len(sender.sent) == 1


async def test_retry_after_from_the_channel_is_honoured(store: Store, clock: Clock) -> None:
    sender = FakeSender({WARD: [DeliveryError("flood control", retry_after=30)]})
    item_id = enqueue(store)

    await deliver_due(store, sender)
    assert item(store, item_id).next_attempt_at == clock() + dt.timedelta(seconds=30)  # not the 2 s backoff

    clock.advance(seconds=29)
    assert (await deliver_due(store, sender)).sent == 0
    assert sender.calls == [WARD]
    clock.advance(seconds=1)
    assert (await deliver_due(store, sender)).sent == 1


async def test_a_marked_message_is_never_sent_again(store: Store, clock: Clock) -> None:
    item_id = enqueue(store)
    assert store.mark_sent(item_id, "42") is True
    assert store.mark_sent(item_id, "43") is False  # a second record is refused

    sender = FakeSender()
    clock.advance(days=1)
    assert (await deliver_due(store, sender)).sent == 0
    assert sender.calls == []
    assert item(store, item_id).attempts == 1


async def test_one_failing_chat_does_not_hold_up_the_others(store: Store) -> None:
    enqueue(store, WARD, "cho phường")
    enqueue(store, CITIZEN, "cho người dân")
    sender = FakeSender({WARD: [DeliveryError("timeout")]})

    report = await deliver_due(store, sender)

    assert (report.sent, report.failed) == (1, 1)
    assert sender.sent == [(CITIZEN, Reply("cho người dân"))]


async def test_a_complaint_stored_before_a_crash_is_forwarded_once_after_restart(
    loaded, tmp_path: Path, clock: Clock
) -> None:
    assistant = build(loaded, tmp_path, clock)
    code = file_complaint(Person(assistant))
    assistant.store.close()  # the process dies between the commit and the send

    restarted = Store(tmp_path / "db.sqlite3", clock=clock, cipher=FieldCipher(TEST_KEY))
    sender = FakeSender()
    report = await deliver_due(restarted, sender)

    # The forward, and the citizen's confirmation with the tracking code (queued in the same commit).
    assert report.sent == 2
    [(target, reply), (to_citizen, confirmation)] = sender.sent
    assert target == WARD
    assert code in reply.text
    assert f"w:ack:{code}" in [b.data for b in reply.all_buttons()]
    assert to_citizen == CITIZEN
    assert code in confirmation.text

    clock.advance(minutes=5)
    assert (await deliver_due(restarted, sender)).sent == 0
    assert len(sender.sent) == 2
    assert restarted.pending_count() == 0

    restarted.close()
    again = Store(tmp_path / "db.sqlite3", clock=clock, cipher=FieldCipher(TEST_KEY))  # and a further restart sends nothing either
    assert (await deliver_due(again, sender)).sent == 0
    assert [i.sent_at is not None for i in outbox_of(again, code)] == [True, True]


async def test_a_refusing_chat_falls_back_to_the_supervisor(store: Store, clock: Clock) -> None:
    sender = FakeSender({WARD: [DeliveryError("bot was kicked", permanent=True)] * 10})
    asked: list[str] = []

    def fallback(pending) -> str | None:
        asked.append(pending.target)
        return FALLBACK

    item_id = enqueue(store)
    for attempt in range(FALLBACK_AFTER_ATTEMPTS):
        assert item(store, item_id).target == WARD
        report = await deliver_due(store, sender, fallback)
        assert report.failed == 1
        clock.advance(seconds=backoff(attempt).total_seconds())
        if attempt < FALLBACK_AFTER_ATTEMPTS - 1:
            assert asked == []  # not before the threshold

    assert asked == [WARD]
    moved = item(store, item_id)
    assert moved.target == FALLBACK
    assert moved.sent_at is None

    retarget = [row for row in store.audit_log() if row["action"] == "retarget"]
    assert len(retarget) == 1
    assert retarget[0]["actor"] == "system"
    assert retarget[0]["code"] == "K7MA-Q9X3"
    assert f"{WARD} -> {FALLBACK}" in retarget[0]["detail"]
    assert "bot was kicked" in retarget[0]["detail"]

    report = await deliver_due(store, sender, fallback)
    assert report.sent == 1
    assert sender.sent == [(FALLBACK, Reply("Phản ánh mới"))]


async def test_transient_failures_never_trigger_the_fallback(store: Store, clock: Clock) -> None:
    sender = FakeSender({WARD: [DeliveryError("timeout")] * (FALLBACK_AFTER_ATTEMPTS + 2)})
    asked: list[str] = []
    item_id = enqueue(store)

    for _ in range(FALLBACK_AFTER_ATTEMPTS + 2):
        await deliver_due(store, sender, lambda pending: asked.append(pending.target) or FALLBACK)
        clock.advance(seconds=MAX_BACKOFF.total_seconds())

    assert asked == []
    assert item(store, item_id).target == WARD
    assert (await deliver_due(store, sender)).sent == 1  # retried forever, never dropped


async def test_the_worker_can_cap_the_backoff_lower(store: Store, clock: Clock) -> None:
    sender = FakeSender({WARD: [DeliveryError("down")] * 4})
    item_id = enqueue(store)
    cap = dt.timedelta(seconds=5)

    waits = []
    for _ in range(4):
        await deliver_due(store, sender, max_backoff=cap)
        waits.append(item(store, item_id).next_attempt_at - clock())
        clock.advance(seconds=cap.total_seconds())

    assert waits == [dt.timedelta(seconds=s) for s in (2, 4, 5, 5)]
    assert (await deliver_due(store, sender, max_backoff=cap)).sent == 1


class FlakyRecords:
    """`Store.mark_sent` failing locally (locked, I/O error) the first `failures` times."""

    def __init__(self, store: Store, failures: int) -> None:
        self.real = store.mark_sent
        self.failures = failures
        self.calls = 0

    def __call__(self, item_id: int, message_id: str | None) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise sqlite3.OperationalError("database is locked")
        return self.real(item_id, message_id)


async def test_a_delivery_whose_record_fails_once_is_recorded_not_resent(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(outbox_module, "BOOKKEEPING_RETRIES", (0, 0))
    enqueue(store, WARD, "cho phường")
    enqueue(store, CITIZEN, "cho người dân")
    store.mark_sent = FlakyRecords(store, failures=1)  # type: ignore[method-assign]
    sender = FakeSender()

    report = await deliver_due(store, sender)

    assert (report.sent, report.failed) == (2, 0)  # the record was retried; the rest of the pass went on
    assert sender.sent == [(WARD, Reply("cho phường")), (CITIZEN, Reply("cho người dân"))]
    assert store.pending_count() == 0


async def test_a_delivery_that_cannot_be_recorded_is_never_sent_again(store: Store, clock: Clock, monkeypatch) -> None:
    monkeypatch.setattr(outbox_module, "BOOKKEEPING_RETRIES", (0, 0))
    item_id = enqueue(store, WARD, "cho phường")
    enqueue(store, CITIZEN, "cho người dân")
    flaky = FlakyRecords(store, failures=3)  # every attempt of the first pass fails
    store.mark_sent = flaky  # type: ignore[method-assign]
    sender = FakeSender()
    ledger = Ledger()

    first = await deliver_due(store, sender, ledger=ledger)
    assert (first.sent, first.failed) == (1, 0)  # the second message still went out in the same pass
    assert ledger.unrecorded == {item_id: "m1"}
    assert item(store, item_id).sent_at is None

    clock.advance(hours=1)  # long after the claim's lease: the item looks due again
    await deliver_due(store, sender, ledger=ledger)

    assert sender.sent == [(WARD, Reply("cho phường")), (CITIZEN, Reply("cho người dân"))]  # no second copy
    assert ledger.unrecorded == {}
    assert item(store, item_id).sent_at is not None
    assert store.pending_count() == 0


async def test_a_claimed_message_is_not_sent_by_another_pass(store: Store, clock: Clock) -> None:
    item_id = enqueue(store)
    assert store.claim(item_id) is True
    assert store.claim(item_id) is False  # the second sender backs off
    sender = FakeSender()
    assert (await deliver_due(store, sender)).sent == 0
    assert sender.calls == []
    assert await deliver_one(store, sender, item_id) is False

    store.release_claims()  # a restart: the claimant is gone
    assert await deliver_one(store, sender, item_id) is True
    assert await deliver_one(store, sender, item_id) is False
    assert sender.sent == [(WARD, Reply("Phản ánh mới"))]


async def test_the_confirmation_survives_a_channel_failure_at_submission(loaded, tmp_path: Path, clock: Clock) -> None:
    assistant = build(loaded, tmp_path, clock)
    fill_intake(Person(assistant))
    [confirmation] = Person(assistant).press("i:submit")
    assert isinstance(confirmation, QueuedReply)
    code = CODE_PATTERN.search(confirmation.text).group(0)
    down = FakeSender({CITIZEN: [DeliveryError("network down")]})

    assert await deliver_one(assistant.store, down, confirmation.outbox_id) is False  # Telegram fails right now
    assert down.sent == []

    clock.advance(seconds=backoff(0).total_seconds())
    await deliver_due(assistant.store, down)
    to_citizen = [reply for target, reply in down.sent if target == CITIZEN]
    assert [code in reply.text for reply in to_citizen] == [True]  # delivered once, later
    clock.advance(hours=1)
    await deliver_due(assistant.store, down)
    assert len([target for target, _ in down.sent if target == CITIZEN]) == 1

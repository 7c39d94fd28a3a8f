"""Retention: the daily purge erases what the policy no longer allows to keep (fixed clock)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from complaint_helpers import (
    CITIZEN,
    CONTACT,
    STAFF,
    WARD_CHAT,
    Clock,
    Person,
    build,
    file_complaint,
    fill_intake,
    with_channels,
)

from bot.complaints.store import Store
from bot.conversation import Assistant
from bot.privacy.retention import months_before, purge, run_daily


@pytest.fixture
def assistant(loaded, tmp_path: Path, clock: Clock) -> Assistant:
    return build(loaded, tmp_path, clock, with_channels(loaded.config))


def closed_case(assistant: Assistant, citizen: Person) -> str:
    code = file_complaint(citizen, contact=CONTACT, description="Cán bộ quát tôi rồi bỏ đi uống nước.")
    ward = Person(assistant, user=STAFF, name="Cán bộ", chat=WARD_CHAT)
    ward.press(f"w:ack:{code}")
    ward.press(f"w:resolve:{code}")
    ward.say("Đã xử lý.")
    citizen.press(f"r:{code}:5")
    return code


def test_months_before_clamps_to_the_end_of_month() -> None:
    moment = dt.datetime(2026, 3, 31, 10, tzinfo=dt.UTC)
    assert months_before(moment, 1) == dt.datetime(2026, 2, 28, 10, tzinfo=dt.UTC)
    assert months_before(moment, 24) == dt.datetime(2024, 3, 31, 10, tzinfo=dt.UTC)


def test_closed_cases_lose_identity_and_text_after_the_retention_period(assistant: Assistant, clock: Clock) -> None:
    citizen = Person(assistant)
    old = closed_case(assistant, citizen)
    still_open = file_complaint(citizen, description="Cán bộ không tiếp dân, bảo về chờ.")
    store, config = assistant.store, assistant.config

    clock.advance(days=365 * 2 - 5)  # not yet 24 months
    assert purge(store, config, clock()).cases_erased == 0
    assert store.get(old).contact == "0901234567" or store.get(old).contact_name == "Trần Thị Mai"

    clock.advance(days=10)
    report = purge(store, config, clock())
    assert report.cases_erased == 1
    case = store.get(old)
    assert case.erased_at is not None and case.description == "" and case.contact is None and case.user == ""
    assert case.rating == 5 and case.status == "closed"  # the statistic stays
    assert store.get(still_open).description  # an open case is never purged
    assert ("retention", "erase") in [(r["actor"], r["action"]) for r in store.audit_log(old)]
    assert purge(store, config, clock()).cases_erased == 0  # idempotent


def test_drafts_sessions_and_delivered_messages_expire(assistant: Assistant, clock: Clock) -> None:
    citizen = Person(assistant)
    file_complaint(citizen)
    for item in assistant.store.due():
        assistant.store.mark_sent(item.id, "m")
    fill_intake(citizen)  # a draft
    assistant.store.save_session("tg:3003", {"flow": "answer", "code": "XXXX-XXXX"})
    store, config = assistant.store, assistant.config
    pending = store.pending_count()

    clock.advance(days=29)
    report = purge(store, config, clock())
    assert report.sessions_dropped == 0 and report.messages_dropped == 0

    clock.advance(days=2)
    report = purge(store, config, clock())
    assert report.sessions_dropped == 1 and store.load_session(CITIZEN) == (None, None)
    assert report.messages_dropped >= 1 and store.pending_count() == pending  # undelivered ones stay
    assert store.load_session("tg:3003")[0] is not None

    clock.advance(days=60)
    assert purge(store, config, clock()).sessions_dropped == 1


def test_daily_run_once_a_day_after_purge_time_and_survives_restart(loaded, tmp_path: Path) -> None:
    # 20/11/2026 01:00 in Hồ Chí Minh City (UTC+7): before the 03:00 purge time.
    clock = Clock(dt.datetime(2026, 11, 19, 18, 0, tzinfo=dt.UTC))
    store = Store(tmp_path / "db.sqlite3", clock=clock)
    config = loaded.config
    assert run_daily(store, config) is None
    clock.advance(hours=2, minutes=30)  # 03:30 local
    assert run_daily(store, config) is not None
    assert run_daily(store, config) is None  # once a day
    store.close()

    restarted = Store(tmp_path / "db.sqlite3", clock=clock)
    assert run_daily(restarted, config) is None  # the run is remembered across a restart
    clock.advance(days=3)  # the bot was down: the first tick afterwards catches up
    assert run_daily(restarted, config) is not None
    runs = restarted.db.execute("SELECT day FROM purge_runs ORDER BY day").fetchall()
    assert [r[0] for r in runs] == ["2026-11-20", "2026-11-23"]
    audit = [r for r in restarted.audit_log() if r["action"] == "purge"]
    assert len(audit) == 2 and audit[0]["detail"].startswith("cases=")

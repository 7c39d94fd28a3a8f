"""Deadlines, reminders, escalation, catch-up and the daily digest, on a clock the test controls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import load
from bot.complaints import cases, deadlines
from bot.complaints.intake import Draft
from bot.complaints.store import Store
from bot.conversation import Assistant

ROOT = Path(__file__).resolve().parent.parent
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WARD = "26743"
CITIZEN = "tg:1001"


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HCM)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def loaded():
    return load(ROOT / "config.yaml")


@pytest.fixture
def config(loaded):
    return loaded.config


def make(loaded, tmp_path: Path, now: dt.datetime) -> tuple[Assistant, Clock]:
    from bot.app import make_assistant

    clock = Clock(now)
    assistant = make_assistant(loaded, Store(tmp_path / "db.sqlite3", clock=clock))
    assistant.clock = clock
    return assistant, clock


def file(assistant: Assistant, category: str = "hach-dich", text: str = "Cán bộ quát tháo", user: str = CITIZEN) -> str:
    draft = Draft(ward_code=WARD, category=category, occurred="Hôm nay", description=text)
    case, _ = cases.submit(assistant.cases(), user, draft)
    assert case is not None
    return case.code


def purposes(store: Store, code: str | None = None) -> list[str]:
    return [item.purpose for item in store.outbox(code)]


# -- deadline arithmetic --------------------------------------------------------------------------


def test_acknowledge_deadline_skips_the_weekend_without_saturday(config) -> None:
    friday_afternoon = local(2026, 11, 20, 15, 0)
    no_saturday = config.model_copy(
        update={"deadlines": config.deadlines.model_copy(update={"saturday_morning": False})}
    )
    ack, _ = deadlines.due_dates(no_saturday, "hach-dich", friday_afternoon)
    # 2 h on Friday, then 6 h on Monday 23/11: 4 h in the morning and 2 h after lunch.
    assert ack == local(2026, 11, 23, 15, 0)


def test_saturday_morning_counts_when_the_desk_opens(config) -> None:
    ack, _ = deadlines.due_dates(config, "hach-dich", local(2026, 11, 20, 15, 0))
    # 2 h Friday + 4 h Saturday morning + 2 h Monday morning.
    assert ack == local(2026, 11, 23, 9, 30)


def test_resolve_deadline_skips_reunification_day_and_labour_day(config) -> None:
    _, resolve = deadlines.due_dates(config, "hach-dich", local(2026, 4, 28, 9, 0))
    # 30/4 and 1/5 are holidays, Sundays are off, Saturdays count (morning, closing 11:30).
    days = []
    d = dt.date(2026, 4, 29)
    while len(days) < 10:
        if d not in (dt.date(2026, 4, 30), dt.date(2026, 5, 1)) and d.weekday() != 6:
            days.append(d)
        d += dt.timedelta(days=1)
    closing = dt.time(11, 30) if days[-1].weekday() == 5 else dt.time(17, 0)
    assert resolve == dt.datetime.combine(days[-1], closing, tzinfo=HCM)


def test_deadlines_across_tet_2026(config) -> None:
    # Received Friday 13/2/2026; Tết holidays run Monday 16/2 to Friday 20/2.
    ack, resolve = deadlines.due_dates(config, "hach-dich", local(2026, 2, 13, 16, 0))
    cal = deadlines.calendar(config)
    assert all(not cal.is_working_day(dt.date(2026, 2, d)) for d in range(16, 21))
    assert ack.date() >= dt.date(2026, 2, 21)
    assert resolve.date() > dt.date(2026, 2, 27)


def test_money_seeking_is_urgent(config) -> None:
    start = local(2026, 11, 17, 8, 0)
    urgent, _ = deadlines.due_dates(config, "doi-tien", start)
    normal, _ = deadlines.due_dates(config, "hach-dich", start)
    assert urgent == local(2026, 11, 17, 13, 30)  # 3.5 h before lunch, 0.5 h after
    assert normal < local(2026, 11, 18, 23, 59) and normal > urgent


# -- reminders and escalation ---------------------------------------------------------------------


def test_reminder_once_then_escalation_once(loaded, tmp_path: Path) -> None:
    assistant, clock = make(loaded, tmp_path, local(2026, 11, 17, 8, 0))  # a Tuesday
    code = file(assistant)
    case = assistant.store.get(code)
    assert case.ack_due == local(2026, 11, 18, 8, 0)  # 7.5 h on Tuesday, the last 0.5 h on Wednesday

    clock.now = local(2026, 11, 17, 14, 0)  # 3.5 working hours left: too early to remind
    assert deadlines.tick(assistant.store, assistant.config).reminders == 0
    clock.now = local(2026, 11, 17, 15, 45)  # 1.75 working hours left
    assert deadlines.tick(assistant.store, assistant.config).reminders == 1
    assert deadlines.tick(assistant.store, assistant.config).reminders == 0
    assert purposes(assistant.store, code).count("reminder") == 1

    clock.now = local(2026, 11, 18, 8, 5)
    report = deadlines.tick(assistant.store, assistant.config)
    assert report.escalations == 1
    assert deadlines.tick(assistant.store, assistant.config).escalations == 0
    case = assistant.store.get(code)
    assert case.level == 1 and case.overdue_at is not None and case.supervisor_due is not None
    escalations = [i for i in assistant.store.outbox(code) if i.purpose == "escalation"]
    assert [i.target for i in escalations] == ["supervisor:so-noi-vu"]
    notes = [i for i in assistant.store.outbox(code) if i.purpose == "notify" and i.target == CITIZEN]
    assert any("báo lên" in i.reply.text for i in notes)
    assert any(a["action"] == "overdue" and a["actor"] == "scheduler" for a in assistant.store.audit_log(code))

    # The supervisor has its own deadline; when it passes, level 2, once.
    clock.now = case.supervisor_due + dt.timedelta(minutes=5)
    assert deadlines.tick(assistant.store, assistant.config).supervisor_overdue == 1
    assert deadlines.tick(assistant.store, assistant.config).supervisor_overdue == 0
    assert assistant.store.get(code).level == 2


def test_an_acknowledged_case_is_not_escalated_for_acknowledgement(loaded, tmp_path: Path) -> None:
    assistant, clock = make(loaded, tmp_path, local(2026, 11, 17, 8, 0))
    code = file(assistant)
    case = assistant.store.get(code)
    cases.acknowledge(assistant.cases(), case, "tg:501")
    clock.now = local(2026, 11, 18, 9, 0)  # past the acknowledge deadline, long before the resolve one
    report = deadlines.tick(assistant.store, assistant.config)
    assert report.escalations == 0
    assert assistant.store.get(code).level == 0


def test_reopening_restarts_the_clock(loaded, tmp_path: Path) -> None:
    assistant, clock = make(loaded, tmp_path, local(2026, 11, 17, 8, 0))
    code = file(assistant)
    ctx = assistant.cases()
    cases.acknowledge(ctx, assistant.store.get(code), "tg:501")
    cases.ward_text(ctx, assistant.store.get(code), "tg:501", "resolve", "Đã nhắc nhở cán bộ")
    clock.now = local(2026, 11, 24, 9, 0)
    cases.rate(ctx, assistant.store.get(code), 0)
    reopened = assistant.store.get(code)
    assert reopened.status == "reopened"
    assert reopened.ack_due > clock.now and reopened.level == 0


# -- downtime and digests -------------------------------------------------------------------------


def test_catch_up_after_three_days_sends_one_message_per_unit(loaded, tmp_path: Path) -> None:
    assistant, clock = make(loaded, tmp_path, local(2026, 11, 17, 8, 0))
    codes = [file(assistant, text=f"Sự việc số {n}", user=f"tg:{1100 + n}") for n in range(6)]
    clock.now = local(2026, 11, 20, 9, 0)  # three days later, nothing ran meanwhile
    before = len(assistant.store.outbox())
    report = deadlines.tick(assistant.store, assistant.config)
    assert report.batched == 6 and report.escalations == 6
    new = assistant.store.outbox()[before:]
    to_supervisor = [i for i in new if i.target == "supervisor:so-noi-vu"]
    assert len(to_supervisor) == 1 and to_supervisor[0].purpose == "digest"
    assert all(code in to_supervisor[0].reply.text for code in codes)
    assert all(assistant.store.get(code).level == 1 for code in codes)
    # Nothing is sent again on the next tick.
    after = len(assistant.store.outbox())
    deadlines.tick(assistant.store, assistant.config)
    assert len(assistant.store.outbox()) == after


def test_daily_digest_once_per_unit_and_day(loaded, tmp_path: Path) -> None:
    assistant, clock = make(loaded, tmp_path, local(2026, 11, 17, 8, 0))
    file(assistant)
    clock.now = local(2026, 11, 17, 17, 0)  # before digest time
    assert deadlines.send_digests(assistant.store, assistant.config, clock.now) == 0
    clock.now = local(2026, 11, 17, 17, 45)
    units = len(deadlines.digest_units(assistant.config))
    # Only units with a group of their own get one: the supervisors, not ~170 wards without a group.
    assert units == len(assistant.config.supervisors)
    assert deadlines.send_digests(assistant.store, assistant.config, clock.now) == units
    assert deadlines.send_digests(assistant.store, assistant.config, clock.now) == 0
    digests = [i for i in assistant.store.outbox() if i.purpose == "digest"]
    assert not [i for i in digests if i.target.startswith("ward:")]
    [supervisor_digest] = [i for i in digests if i.target == "supervisor:so-noi-vu"]
    assert "Mới trong 24 giờ: <b>1</b>" in supervisor_digest.reply.text
    # A ward that registers its group gets its own digest from the next day.
    assistant.store.use_registration_code(assistant.store.new_registration_code(f"ward:{WARD}"), -5, "tg:1")
    assert f"ward:{WARD}" in deadlines.digest_units(assistant.config, assistant.store.registered_groups())
    # Three days of downtime: only today's digest goes out, not one per missed day.
    clock.now = local(2026, 11, 20, 18, 0)
    assert deadlines.send_digests(assistant.store, assistant.config, clock.now) == units + 1


def test_digest_lists_the_oldest_overdue_first(loaded, tmp_path: Path) -> None:
    assistant, clock = make(loaded, tmp_path, local(2026, 11, 16, 8, 0))
    first = file(assistant, text="Sự việc cũ")
    clock.now = local(2026, 11, 17, 8, 0)
    second = file(assistant, text="Sự việc mới hơn")
    clock.now = local(2026, 11, 16, 17, 5)
    deadlines.tick(assistant.store, assistant.config)
    clock.now = local(2026, 11, 17, 17, 5)
    deadlines.tick(assistant.store, assistant.config)
    clock.now = local(2026, 11, 18, 9, 0)
    deadlines.tick(assistant.store, assistant.config)
    text = deadlines.digest(assistant.store, assistant.config, f"ward:{WARD}", local(2026, 11, 18, 18, 0)).text
    assert text.index(first) < text.index(second)

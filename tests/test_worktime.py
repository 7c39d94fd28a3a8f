"""Tests for bot.worktime: working hours and working days at a one-stop desk.

Every datetime is fixed; nothing reads the real clock.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.worktime import WorkCalendar, vn_make_up_working_days, vn_public_holidays

VN = ZoneInfo("Asia/Ho_Chi_Minh")

WEEKDAYS = WorkCalendar()
SATURDAYS = WorkCalendar(saturday_morning=True)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN)


# ------------------------------------------------------------ what the package says


def test_package_tet_2026_is_16_to_20_february() -> None:
    days = vn_public_holidays(2026)
    # Tết Bính Ngọ is Tue 17/2/2026; announced: off Mon 16/2 (29 Tết) to Fri 20/2 (mùng 4).
    assert {date(2026, 2, d) for d in range(16, 21)} <= days
    assert date(2026, 2, 13) not in days
    assert date(2026, 2, 23) not in days


def test_package_tet_2027_shifts_weekend_days() -> None:
    days = vn_public_holidays(2027)
    # Tết Đinh Mùi is Sat 6/2/2027: the two weekend days are moved to Thu 4/2 and Wed 10/2.
    assert {date(2027, 2, d) for d in (4, 5, 8, 9, 10)} <= days
    assert date(2027, 2, 3) not in days
    assert date(2027, 2, 11) not in days


def test_package_fixed_holidays_2026_2027() -> None:
    h26, h27 = vn_public_holidays(2026), vn_public_holidays(2027)
    assert {date(2026, 1, 1), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 1), date(2026, 9, 2)} <= h26
    assert date(2026, 4, 27) in h26  # Giỗ Tổ Sun 26/4/2026 -> nghỉ bù Monday
    assert date(2026, 8, 31) in h26  # swapped with make-up Saturday 22/8/2026
    assert date(2027, 5, 3) in h27  # 1/5/2027 is a Saturday -> nghỉ bù Monday
    assert {date(2027, 9, 2), date(2027, 9, 3)} <= h27
    assert date(2027, 4, 16) in h27  # Giỗ Tổ (10/3 âm lịch)


def test_package_make_up_saturdays() -> None:
    assert date(2025, 4, 26) in vn_make_up_working_days(2025)
    assert date(2026, 8, 22) in vn_make_up_working_days(2026)
    assert all(d.year == 2025 for d in vn_make_up_working_days(2025))


# --------------------------------------------------------------------- working days


def test_is_working_day_basic() -> None:
    assert WEEKDAYS.is_working_day(date(2026, 3, 6))  # Friday
    assert not WEEKDAYS.is_working_day(date(2026, 3, 7))  # Saturday
    assert SATURDAYS.is_working_day(date(2026, 3, 7))
    assert not SATURDAYS.is_working_day(date(2026, 3, 8))  # Sunday
    assert not SATURDAYS.is_working_day(date(2027, 5, 1))  # a holiday on Saturday stays closed
    assert not WEEKDAYS.is_working_day(date(2026, 2, 17))


@pytest.mark.parametrize(
    ("calendar", "expected"),
    [
        (WEEKDAYS, at(2026, 3, 9, 17)),  # Thu 5/3 -> Fri (1), Mon (2)
        (SATURDAYS, at(2026, 3, 7, 11, 30)),  # Fri (1), Sat morning (2): closes 11:30
    ],
)
def test_add_working_days_across_weekend(calendar: WorkCalendar, expected: datetime) -> None:
    assert calendar.add_working_days(at(2026, 3, 5, 10), 2) == expected


def test_add_working_days_time_of_receipt_does_not_matter() -> None:
    for received in (at(2026, 3, 5, 0, 1), at(2026, 3, 5, 16, 59), at(2026, 3, 5, 22)):
        assert WEEKDAYS.add_working_days(received, 1) == at(2026, 3, 6, 17)


def test_add_working_days_received_on_sunday() -> None:
    assert WEEKDAYS.add_working_days(at(2026, 3, 8, 9), 1) == at(2026, 3, 9, 17)
    assert SATURDAYS.add_working_days(at(2026, 3, 8, 9), 6) == at(2026, 3, 14, 11, 30)


def test_add_working_days_zero_is_same_day_or_next_working_day() -> None:
    assert WEEKDAYS.add_working_days(at(2026, 3, 5, 10), 0) == at(2026, 3, 5, 17)
    assert WEEKDAYS.add_working_days(at(2026, 3, 7, 10), 0) == at(2026, 3, 9, 17)
    with pytest.raises(ValueError):
        WEEKDAYS.add_working_days(at(2026, 3, 5, 10), -1)


def test_add_working_days_across_30_4_and_1_5_2026() -> None:
    # Wed 29/4/2026; Thu 30/4 and Fri 1/5 are holidays.
    assert WEEKDAYS.add_working_days(at(2026, 4, 29, 9), 1) == at(2026, 5, 4, 17)
    assert SATURDAYS.add_working_days(at(2026, 4, 29, 9), 1) == at(2026, 5, 2, 11, 30)


def test_add_working_days_across_30_4_2025_with_package_swap() -> None:
    # 2025: Sat 26/4 is a full make-up working day, Fri 2/5 is off in exchange.
    assert WEEKDAYS.add_working_days(at(2025, 4, 25, 9), 1) == at(2025, 4, 26, 17)
    assert WEEKDAYS.add_working_days(at(2025, 4, 29, 9), 1) == at(2025, 5, 5, 17)
    no_swaps = WorkCalendar(use_package_swaps=False)
    assert no_swaps.add_working_days(at(2025, 4, 25, 9), 1) == at(2025, 4, 28, 17)


def test_add_working_days_across_2_9_2026() -> None:
    # Fri 28/8/2026: Mon 31/8 (swap), Tue 1/9 and Wed 2/9 are off.
    assert WEEKDAYS.add_working_days(at(2026, 8, 28, 9), 1) == at(2026, 9, 3, 17)
    # Sat 22/8/2026 is the make-up day: a full day, even for a desk without Saturday work.
    assert WEEKDAYS.add_working_days(at(2026, 8, 21, 9), 1) == at(2026, 8, 22, 17)
    assert WEEKDAYS.add_working_hours(at(2026, 8, 22, 16), 0.5) == at(2026, 8, 22, 16, 30)


def test_add_working_days_across_2_9_2027() -> None:
    # Wed 1/9/2027; Thu 2/9 and Fri 3/9 are off.
    assert WEEKDAYS.add_working_days(at(2027, 9, 1, 9), 1) == at(2027, 9, 6, 17)


def test_add_working_days_across_tet_2026() -> None:
    # Received Fri 13/2/2026; closed 14/2-22/2.
    assert WEEKDAYS.add_working_days(at(2026, 2, 13, 10), 3) == at(2026, 2, 25, 17)
    # A Saturday desk would open Sat 14/2 (27 Tết) and Sat 21/2 (mùng 5) under the plain rule...
    assert SATURDAYS.add_working_days(at(2026, 2, 13, 10), 2) == at(2026, 2, 21, 11, 30)
    # ...unless the ward declares mùng 5 closed.
    tet_closed = WorkCalendar(saturday_morning=True, extra_days_off=frozenset({date(2026, 2, 21)}))
    assert tet_closed.add_working_days(at(2026, 2, 13, 10), 2) == at(2026, 2, 23, 17)


def test_add_working_days_across_tet_2027() -> None:
    # Received Wed 3/2/2027; closed Thu 4/2 to Wed 10/2.
    assert WEEKDAYS.add_working_days(at(2027, 2, 3, 10), 1) == at(2027, 2, 11, 17)
    assert WEEKDAYS.add_working_days(at(2027, 2, 3, 10), 2) == at(2027, 2, 12, 17)


def test_add_working_days_across_new_year() -> None:
    # Wed 31/12/2025 -> Thu 1/1/2026 is off.
    assert WEEKDAYS.add_working_days(at(2025, 12, 31, 10), 1) == at(2026, 1, 2, 17)


# -------------------------------------------------------------------- working hours


def test_friday_afternoon_plus_8_hours() -> None:
    start = at(2026, 3, 6, 16)  # Friday
    assert WEEKDAYS.add_working_hours(start, 8) == at(2026, 3, 9, 16)
    assert SATURDAYS.add_working_hours(start, 8) == at(2026, 3, 9, 10, 30)


def test_add_working_hours_crossing_lunch() -> None:
    assert WEEKDAYS.add_working_hours(at(2026, 3, 4, 10, 30), 2) == at(2026, 3, 4, 14)
    # Ending exactly at the end of the morning stays in the morning.
    assert WEEKDAYS.add_working_hours(at(2026, 3, 4, 10, 30), 1) == at(2026, 3, 4, 11, 30)
    assert WEEKDAYS.add_working_hours(at(2026, 3, 4, 11), 0.75) == at(2026, 3, 4, 13, 15)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(2026, 3, 2, 19), 1, at(2026, 3, 3, 8, 30)),  # Monday evening
        (at(2026, 3, 3, 6), 1, at(2026, 3, 3, 8, 30)),  # before opening
        (at(2026, 3, 3, 12), 1, at(2026, 3, 3, 14)),  # lunch break
        (at(2026, 3, 3, 11, 30), 0.5, at(2026, 3, 3, 13, 30)),  # exactly at closing of morning
        (at(2026, 3, 8, 10), 2, at(2026, 3, 9, 9, 30)),  # Sunday
        (at(2026, 3, 7, 10), 2, at(2026, 3, 9, 9, 30)),  # Saturday, desk closed
    ],
)
def test_add_working_hours_outside_office_hours(start: datetime, hours: float, expected: datetime) -> None:
    assert WEEKDAYS.add_working_hours(start, hours) == expected


def test_add_working_hours_saturday_afternoon_is_closed() -> None:
    assert SATURDAYS.add_working_hours(at(2026, 3, 7, 11), 1) == at(2026, 3, 9, 8)
    assert SATURDAYS.add_working_hours(at(2026, 3, 7, 14), 1) == at(2026, 3, 9, 8, 30)


def test_add_zero_hours_moves_to_next_opening_only_when_closed() -> None:
    assert WEEKDAYS.add_working_hours(at(2026, 3, 3, 9), 0) == at(2026, 3, 3, 9)
    assert WEEKDAYS.add_working_hours(at(2026, 3, 3, 12), 0) == at(2026, 3, 3, 13)
    assert WEEKDAYS.add_working_hours(at(2026, 3, 6, 18), 0) == at(2026, 3, 9, 7, 30)


def test_add_working_hours_over_tet_2026() -> None:
    # Fri 13/2/2026 16:00 + 2h: 1h on Friday, then nothing until Mon 23/2.
    assert WEEKDAYS.add_working_hours(at(2026, 2, 13, 16), 2) == at(2026, 2, 23, 8, 30)


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf")])
def test_add_working_hours_rejects_bad_hours(hours: float) -> None:
    with pytest.raises(ValueError):
        WEEKDAYS.add_working_hours(at(2026, 3, 3, 9), hours)


# ----------------------------------------------------------------- hours between


@pytest.mark.parametrize("calendar", [WEEKDAYS, SATURDAYS])
@pytest.mark.parametrize(
    "start",
    [at(2026, 3, 6, 16), at(2026, 3, 3, 12, 10), at(2026, 3, 8, 20), at(2026, 2, 12, 9, 45), at(2027, 2, 3, 15)],
)
@pytest.mark.parametrize("hours", [0, 0.25, 1, 3.5, 4, 8, 17.75, 40, 100])
def test_working_hours_between_inverts_add_working_hours(calendar: WorkCalendar, start: datetime, hours: float) -> None:
    end = calendar.add_working_hours(start, hours)
    assert calendar.working_hours_between(start, end) == pytest.approx(hours)
    assert calendar.working_hours_between(end, start) == pytest.approx(-hours)


def test_working_hours_between_examples() -> None:
    assert WEEKDAYS.working_hours_between(at(2026, 3, 3, 7), at(2026, 3, 3, 18)) == 8
    assert WEEKDAYS.working_hours_between(at(2026, 3, 3, 11), at(2026, 3, 3, 13, 30)) == 1
    assert WEEKDAYS.working_hours_between(at(2026, 3, 6, 16), at(2026, 3, 9, 8)) == 1.5
    assert SATURDAYS.working_hours_between(at(2026, 3, 6, 16), at(2026, 3, 9, 8)) == 5.5
    assert WEEKDAYS.working_hours_between(at(2026, 3, 7, 8), at(2026, 3, 8, 20)) == 0
    # A whole Tết week is worth nothing.
    assert WEEKDAYS.working_hours_between(at(2026, 2, 14), at(2026, 2, 23)) == 0


# ------------------------------------------------------------- extra days, config


def test_extra_days_off_honoured() -> None:
    bridge = WorkCalendar(extra_days_off=frozenset({date(2026, 3, 9)}))  # an announced bridge Monday
    assert not bridge.is_working_day(date(2026, 3, 9))
    assert bridge.add_working_days(at(2026, 3, 5, 10), 2) == at(2026, 3, 10, 17)
    assert bridge.add_working_hours(at(2026, 3, 6, 16), 2) == at(2026, 3, 10, 8, 30)
    assert bridge.working_hours_between(at(2026, 3, 6, 16), at(2026, 3, 10, 8, 30)) == 2


def test_extra_working_days_honoured() -> None:
    # A make-up Saturday announced after the package release: a full day, afternoon included.
    make_up = WorkCalendar(extra_working_days=[date(2026, 3, 7)])  # list accepted, stored frozen
    assert make_up.extra_working_days == frozenset({date(2026, 3, 7)})
    assert make_up.add_working_days(at(2026, 3, 6, 10), 1) == at(2026, 3, 7, 17)
    assert make_up.add_working_hours(at(2026, 3, 6, 16), 4) == at(2026, 3, 7, 10, 30)
    # It also overrides a package holiday (e.g. if 24/11 is not given off in your ward).
    assert not WEEKDAYS.is_working_day(date(2026, 11, 24))
    assert WorkCalendar(extra_working_days={date(2026, 11, 24)}).is_working_day(date(2026, 11, 24))


def test_same_day_off_and_working_is_rejected() -> None:
    d = date(2026, 3, 9)
    with pytest.raises(ValueError):
        WorkCalendar(extra_days_off={d}, extra_working_days={d})


def test_bad_office_hours_rejected() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(morning=(time(11, 30), time(7, 30)))
    with pytest.raises(ValueError):
        WorkCalendar(afternoon=(time(11, 0), time(17, 0)))


def test_custom_office_hours() -> None:
    cal = WorkCalendar(morning=(time(8), time(12)), afternoon=(time(13, 30), time(17, 30)))
    assert cal.add_working_hours(at(2026, 3, 3, 11), 2) == at(2026, 3, 3, 14, 30)
    assert cal.add_working_days(at(2026, 3, 3, 11), 1) == at(2026, 3, 4, 17, 30)


def test_timezones() -> None:
    # 01:00 UTC is 08:00 in Vietnam; the result comes back in the calendar zone.
    result = WEEKDAYS.add_working_hours(datetime(2026, 3, 3, 1, tzinfo=UTC), 1)
    assert result == at(2026, 3, 3, 9)
    assert result.tzinfo == VN
    # 20:00 UTC on Monday is already Tuesday 03:00 in Vietnam: the receipt day is Tuesday.
    assert WEEKDAYS.add_working_days(datetime(2026, 3, 2, 20, tzinfo=UTC), 1) == at(2026, 3, 4, 17)
    with pytest.raises(ValueError):
        WEEKDAYS.add_working_hours(datetime(2026, 3, 3, 8), 1)
    with pytest.raises(ValueError):
        WEEKDAYS.working_hours_between(datetime(2026, 3, 3, 8), at(2026, 3, 3, 9))


def test_calendar_is_frozen_and_hashable() -> None:
    cal = WorkCalendar(saturday_morning=True, extra_days_off=[date(2026, 3, 9)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.saturday_morning = False  # type: ignore[misc]
    same = WorkCalendar(saturday_morning=True, extra_days_off=frozenset({date(2026, 3, 9)}))
    assert cal == same
    assert hash(cal) == hash(same)
    assert dataclasses.replace(cal, saturday_morning=False) == WorkCalendar(extra_days_off={date(2026, 3, 9)})


def test_long_period_crosses_years() -> None:
    # 250 working days from mid-2026 land in 2027 and use that year's holidays.
    deadline = WEEKDAYS.add_working_days(at(2026, 6, 1, 9), 250)
    assert deadline.year == 2027
    assert deadline.hour == 17
    assert WEEKDAYS.is_working_day(deadline.date())
    assert WEEKDAYS.working_hours_between(at(2026, 6, 1, 17), deadline) == 250 * 8


def test_working_hours_between_is_additive() -> None:
    a, b, c = at(2026, 2, 10, 9), at(2026, 2, 25, 14), at(2026, 3, 3, 10, 15)
    total = WEEKDAYS.working_hours_between(a, c)
    assert total == pytest.approx(WEEKDAYS.working_hours_between(a, b) + WEEKDAYS.working_hours_between(b, c))
    assert WEEKDAYS.add_working_hours(a, total) == c
    assert c - a > timedelta(days=20)

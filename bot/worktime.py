"""Working-time arithmetic for a ward's one-stop desk (bộ phận một cửa).

Deadlines for handling a citizen's complaint or feedback are set in *working* time:
"acknowledge within 8 working hours", "answer within 3 working days". This module turns
such a rule into a moment on the clock, and measures elapsed working time for statistics.

Public holidays come from the maintained `holidays` package (`holidays.country_holidays("VN")`),
which knows the lunar holidays (Tết Nguyên Đán, Giỗ Tổ Hùng Vương), the day added to 2/9,
the compensatory days (nghỉ bù) when a holiday falls on a weekend, and the working-day swaps
the government has announced so far (a weekday off, "paid back" by a make-up Saturday).

What was checked against `holidays` 0.109 (see also tests/test_worktime.py, which pins it):

- 2025: 1/1; Tết 27/1-31/1 (+ Sat 1/2); Giỗ Tổ 7/4; 30/4, 1/5 and 2/5 (swapped with the make-up
  Saturday 26/4, which the package exposes in `weekend_workdays`); 1/9-2/9. Matches the
  announced schedule.
- 2026: 1/1; Tết Mon 16/2 - Fri 20/2 (29 Tết to mùng 4; Tết is Tue 17/2), i.e. 9 days off with
  both weekends, as announced in Oct 2025; Giỗ Tổ Sun 26/4 -> nghỉ bù Mon 27/4; Thu 30/4,
  Fri 1/5; Quốc khánh Tue 1/9 + Wed 2/9 plus Mon 31/8 swapped with make-up Sat 22/8;
  and Tue 24/11 "Ngày Văn hóa Việt Nam". 24/11 rests on Resolution 80-NQ/TW and a planned
  amendment of art. 112 of the Labour Code: if your ward was not given that day off, put it in
  `extra_working_days`.
- 2027: Tết is Sat 6/2; the package *computes* (no decision had been published for it) 5 weekdays
  off: Thu 4/2, Fri 5/2, Mon 8/2, Tue 9/2, Wed 10/2 (mùng 1 and mùng 2 fall on the weekend and
  are shifted to 29 Tết and mùng 5); Giỗ Tổ Fri 16/4; Fri 30/4; Sat 1/5 -> nghỉ bù Mon 3/5;
  Quốc khánh Thu 2/9 + Fri 3/9 (the Labour Code lets the Prime Minister pick the day before or
  after 2/9, so this is a guess too); 24/11.
- Not covered by the package: bridge days and make-up Saturdays announced after the package
  release (typically for Tết, 30/4 and 2/9 of the following year), and local decisions
  (e.g. a ward closing its desk on mùng 5 Tết even though it normally opens on Saturday
  mornings). Pass them as `WorkCalendar(extra_days_off=..., extra_working_days=...)`.

Conventions (documented on each method):

- A working day has two sessions, `morning` and `afternoon` (07:30-11:30, 13:00-17:00 by
  default). A Saturday is a working day only when `saturday_morning` is set, and then only the
  morning session. A make-up working day (package swap or `extra_working_days`) is a full day,
  because it replaces a full weekday.
- Precedence for a date: `extra_working_days` > `extra_days_off` > package make-up Saturday >
  package holiday > weekday rule.
- All datetimes must be timezone-aware; results are expressed in the calendar's `tz`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
DEFAULT_MORNING = (time(7, 30), time(11, 30))
DEFAULT_AFTERNOON = (time(13, 0), time(17, 0))

SATURDAY = 5
SUNDAY = 6

# A bound for day-by-day scans, so a calendar with (almost) no working days fails loudly
# instead of looping forever.
_MAX_SCAN_DAYS = 3 * 366

Interval = tuple[datetime, datetime]


@lru_cache(maxsize=64)
def vn_public_holidays(year: int) -> frozenset[date]:
    """Days off in Vietnam for `year` according to the `holidays` package.

    Includes the holidays of Labour Code 2019 art. 112, their nghỉ bù when they fall on a
    weekend, and the weekdays the government swapped for a make-up Saturday. Cached per year:
    computing a lunar year is not free and a calendar asks for the same year many times.
    """
    calendar = holidays.country_holidays("VN", years=year)
    # The package may return neighbouring years' dates for some rules; keep only `year` so the
    # per-year cache stays exact.
    return frozenset(d for d in calendar if d.year == year)


@lru_cache(maxsize=64)
def vn_make_up_working_days(year: int) -> frozenset[date]:
    """Weekend days of `year` that are working days because a weekday was swapped off.

    The package records these ("làm bù" Saturdays, e.g. 26/4/2025 for 2/5/2025) in
    `weekend_workdays`; older releases lack the attribute, hence the fallback.
    """
    calendar = holidays.country_holidays("VN", years=year)
    workdays: Iterable[date] = getattr(calendar, "weekend_workdays", ())
    # `weekend_workdays` can carry swaps of other years (it did for 2014/2019 in 0.109).
    return frozenset(d for d in workdays if d.year == year)


def _as_date_set(value: Iterable[date]) -> frozenset[date]:
    days = frozenset(value)
    for d in days:
        # datetime is a subclass of date; a datetime here is almost surely a caller mistake.
        if not isinstance(d, date) or isinstance(d, datetime):
            raise TypeError(f"expected datetime.date, got {d!r}")
    return days


@dataclass(frozen=True)
class WorkCalendar:
    """Office hours and days off of one one-stop desk.

    Immutable and hashable, so it can be shared between handlers and used as a cache key.
    Lists or sets given for `extra_days_off` / `extra_working_days` are turned into frozensets.
    """

    tz: str = DEFAULT_TZ
    morning: tuple[time, time] = DEFAULT_MORNING
    afternoon: tuple[time, time] = DEFAULT_AFTERNOON
    # Many wards receive files on Saturday morning; off by default because the legal working
    # week of civil servants is Monday-Friday.
    saturday_morning: bool = False
    # Days the desk is closed although the package says it works (bridge days, local closures).
    extra_days_off: frozenset[date] = frozenset()
    # Days the desk works a full day although the package says it is off (make-up Saturdays
    # announced later, or a package holiday that does not apply).
    extra_working_days: frozenset[date] = frozenset()
    # Use the package's make-up Saturdays; switch off to count only `extra_working_days`.
    use_package_swaps: bool = True
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # frozen=True forbids normal assignment; object.__setattr__ is the documented way to
        # normalise fields in __post_init__.
        object.__setattr__(self, "extra_days_off", _as_date_set(self.extra_days_off))
        object.__setattr__(self, "extra_working_days", _as_date_set(self.extra_working_days))
        object.__setattr__(self, "morning", tuple(self.morning))
        object.__setattr__(self, "afternoon", tuple(self.afternoon))
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"dates both off and working: {sorted(both)}")
        (m_open, m_close), (a_open, a_close) = self.morning, self.afternoon
        if not (m_open < m_close <= a_open < a_close):
            raise ValueError("office hours must satisfy morning open < close <= afternoon open < close")

    # ----------------------------------------------------------------- days

    def is_working_day(self, d: date) -> bool:
        """True if the desk is open at some time on `d` (Saturday counts only with saturday_morning)."""
        return bool(self._sessions(d))

    def _is_full_day(self, d: date) -> bool | None:
        """True: full day; False: Saturday morning only; None: closed."""
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return None
        if self.use_package_swaps and d in vn_make_up_working_days(d.year):
            return True
        if d in vn_public_holidays(d.year):
            return None
        weekday = d.weekday()
        if weekday == SUNDAY:
            return None
        if weekday == SATURDAY:
            return False if self.saturday_morning else None
        return True

    def _sessions(self, d: date) -> list[Interval]:
        """Opening intervals of `d` as aware datetimes in the calendar zone, in order."""
        full = self._is_full_day(d)
        if full is None:
            return []
        spans = [self.morning, self.afternoon] if full else [self.morning]
        return [(datetime.combine(d, start, self._zone), datetime.combine(d, end, self._zone)) for start, end in spans]

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            # A naive time is ambiguous (server clock in UTC vs. desk in ICT): refuse it.
            raise ValueError(f"naive datetime not allowed: {moment!r}")
        return moment.astimezone(self._zone)

    # ---------------------------------------------------------------- hours

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` working hours after `start`.

        A start outside office hours (evening, lunch break, weekend, holiday) starts counting at
        the next opening. The result lies within a session, its end included: Friday 16:00 + 1h
        is Friday 17:00, not Monday 07:30. With `hours == 0` the result is `start` if the desk is
        open then, else the next opening.
        Example (default hours): Friday 16:00 + 8h is Monday 16:00 without Saturday work
        (1h Friday + 7h Monday) and Monday 10:30 with saturday_morning (1h + 4h Saturday + 3h).
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite non-negative number, got {hours!r}")
        cursor = self._local(start)
        remaining = timedelta(hours=hours)
        day = cursor.date()
        for _ in range(_MAX_SCAN_DAYS):
            for opens, closes in self._sessions(day):
                if closes <= cursor:
                    continue
                begin = max(opens, cursor)
                available = _elapsed(begin, closes)
                if remaining <= available:
                    return (begin.astimezone(UTC) + remaining).astimezone(self._zone)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_SCAN_DAYS} days of {start.isoformat()}")

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours elapsed from `a` to `b` (negative if `b` is before `a`).

        Only time inside sessions counts, so for any `start` and `h >= 0`,
        `working_hours_between(start, add_working_hours(start, h)) == h` (up to float rounding).
        Used for statistics such as the median time to acknowledge a complaint.
        """
        a_local, b_local = self._local(a), self._local(b)
        if b_local < a_local:
            return -self.working_hours_between(b, a)
        total = timedelta()
        day = a_local.date()
        while day <= b_local.date():
            for opens, closes in self._sessions(day):
                begin, end = max(opens, a_local), min(closes, b_local)
                if begin < end:
                    total += _elapsed(begin, end)
            day += timedelta(days=1)
        return total / timedelta(hours=1)

    # ----------------------------------------------------------------- days

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Deadline of "within `days` working days" for something received at `start`.

        Rule: received on day D (at any time, even after closing or on a day off), the count
        starts on the day after D (Civil Code 2015 art. 147: the first day of a period counted
        in days is not included); the deadline is the closing time of the `days`-th working day
        after D: 17:00, or 11:30 on a Saturday-morning day. Examples (default hours, no Saturday
        work): received Thursday, 2 days -> Monday 17:00; received Sunday, 1 day -> Monday 17:00.
        `days == 0` means "the same day": closing time of D, or of the next working day if D is
        not one.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days!r}")
        day = self._local(start).date()
        if days == 0:
            day -= timedelta(days=1)  # so that the loop below finds D itself first
            days = 1
        counted = 0
        for _ in range(_MAX_SCAN_DAYS + 7 * days):
            day += timedelta(days=1)
            sessions = self._sessions(day)
            if sessions:
                counted += 1
                if counted == days:
                    return sessions[-1][1]
        raise ValueError(f"could not count {days} working days after {start.isoformat()}")


def _elapsed(begin: datetime, end: datetime) -> timedelta:
    # Subtract in UTC: datetimes sharing one tzinfo subtract as wall-clock times, which would
    # be wrong across a DST change if a desk ever used a zone that has one.
    return end.astimezone(UTC) - begin.astimezone(UTC)

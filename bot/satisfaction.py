"""Satisfaction and responsiveness index of the wards: the figures of the accountability report.

Input: a list of `CaseRow` (a named tuple holding only the columns the figures need, times parsed to
aware UTC datetimes). `fetch_rows` reads them with one SQL query, so 100,000 cases cost a fraction
of a second; `rows_from_complaints` converts `Complaint` objects for callers that already have
them. Every other function here is pure: rows in, figures out, nothing read from the clock ("now"
is a parameter) or the database.

No citizen data is ever read: no user id, name, contact, description or attachment, only the
case code, its ward, route, category, status, times, rating and counters.

Formulas (per ward, per category or for everything selected; "cases" are the rows given). Where
Bộ chỉ số 766 (Quyết định 766/QĐ-TTg of 23/6/2022) names the same measure, its definition is used:
its group "Tiến độ, kết quả giải quyết" counts the files handled before or on the due date among
the files handled, and its group "Mức độ hài lòng" the satisfied ratings among the ratings given.

- cases = number of rows.
- withdrawn = status withdrawn; escalated = marked overdue and sent up by the scheduler (level > 0
  or overdue_at set); transferred = now routed to another ward; with supervisor = now routed to a
  supervisory unit (sensitive at intake, or transferred there). Each is its own row in the report.
- satisfied share = #(rating >= 4) / #(rating is not NULL) (766: "tỷ lệ hài lòng"); None when no
  case was rated.
- durations are in *working* time, like the deadlines (`bot.worktime`): median working hours to
  acknowledge over acknowledged cases, median working days to resolve over resolved cases (a
  working day = the hours of a full day's two sessions, 8 by default).
- resolved = status in {resolved, closed} with resolved_at set (a reopened case is not resolved,
  even though it keeps the time of its earlier answer; a withdrawn case is not resolved).
- on-time share = #(resolved_at <= resolve_due) / #(resolved cases that have a resolve_due)
  (766: "tỷ lệ hồ sơ xử lý trước hạn, đúng hạn"); resolved cases without a deadline (stored
  before deadlines existed) are left out of both terms.
- reopen rate = #(reopened > 0) / #(cases answered at least once, resolved_at set): of the
  answers given, how many the citizen sent back.
- late results = cases of category "tre-hen" (trễ hẹn: a result returned late without apology).
- open = status in OPEN_STATUSES (new, acknowledged, info_requested, reopened).
- current deadline = ack_due while the case waits to be acknowledged (new, reopened), else
  resolve_due: the one the scheduler (bot/complaints/deadlines.py) watches.
- overdue open = open cases that, at `now`, are overdue: escalated by the scheduler (level > 0 or
  overdue_at set), or at or past their current deadline (the scheduler's next tick escalates them).
- score (0-100, used only to rank) = 100 x the mean of whichever of these are defined:
  on-time share, satisfied share, 1 - reopen rate, 1 - overdue open / cases. Counting overdue open
  cases means a ward cannot keep its on-time share high by leaving late cases unanswered.
- ranking: only wards with at least `min_cases` cases are ranked, by score (higher first), then
  median working days to resolve (shorter first); equal figures share a rank (1, 2, 2, 4). The
  others are listed after them, unranked, as "chưa đủ số liệu", so that a ward with one fast case
  cannot top the table.
- trend: per calendar month when the period is longer than three months, else per ISO week (of
  the creation date in the deployment's time zone), never past today; new = cases created in the
  period, resolved = those of them resolved now (a cohort view: what became of each intake).
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from bot.categories import CATEGORY_LABELS
from bot.complaints import lifecycle

if TYPE_CHECKING:
    from bot.complaints.store import Complaint, Store
    from bot.worktime import WorkCalendar

MIN_CASES = 10
UNRANKED = "chưa đủ số liệu"
OPEN_STATUSES = frozenset(str(s) for s in lifecycle.OPEN)
RESOLVED_STATUSES = frozenset({str(lifecycle.S.RESOLVED), str(lifecycle.S.CLOSED)})
WAITING_ACK = frozenset(str(s) for s in lifecycle.WAITING_ACK)
SATISFIED_RATING = 4
LATE_RESULT_CATEGORY = "tre-hen"
MONTHLY_AFTER_DAYS = 92  # a period longer than about three months is shown by month, else by week


class CaseRow(NamedTuple):
    """The columns of one complaint the figures need (times are aware UTC datetimes or None)."""

    code: str
    ward_code: str
    category: str
    status: str
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    ack_due: datetime | None
    resolve_due: datetime | None
    rating: int | None
    reopened: int
    level: int
    overdue_at: datetime | None
    route: str = ""  # "ward:<code>" or "supervisor:<id>"; "" when unknown (taken as the case's own ward)


COLUMNS = CaseRow._fields


def _stored(moment: datetime) -> str:
    """A moment as the store writes it (bot.complaints.store.iso_utc)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def fetch_rows(store: Store, since: datetime, until: datetime, ward: str | None = None) -> list[CaseRow]:
    """Complaints created in [since, until) (aware datetimes), optionally of one ward: one SQL query.

    Stored times are ISO-8601 UTC strings of one format, so the range is compared as text and
    served by the `created_at` index.
    """
    sql = f"SELECT {', '.join(COLUMNS)} FROM complaints WHERE created_at >= ? AND created_at < ?"
    params: list[object] = [_stored(since), _stored(until)]
    if ward is not None:
        sql += " AND ward_code = ?"
        params.append(ward)
    sql += " ORDER BY created_at"  # the index gives this order; a tie-break on code would cost a sort
    raw = store.db.execute(sql, params).fetchall()
    parse = datetime.fromisoformat
    return [
        CaseRow(
            code,
            ward_code,
            category,
            status,
            parse(created),
            parse(ack) if ack else None,
            parse(res) if res else None,
            parse(ack_due) if ack_due else None,
            parse(res_due) if res_due else None,
            rating,
            reopened or 0,
            level or 0,
            parse(overdue) if overdue else None,
            route or "",
        )
        for (
            code,
            ward_code,
            category,
            status,
            created,
            ack,
            res,
            ack_due,
            res_due,
            rating,
            reopened,
            level,
            overdue,
            route,
        ) in raw
    ]


def _in_sql(statuses: frozenset[str]) -> str:
    # Literal values from the lifecycle table (constants, not input), so the SQL stays one string.
    return "status IN (" + ", ".join(f"'{s}'" for s in sorted(statuses)) + ")"


_OPEN_SQL = _in_sql(OPEN_STATUSES)
CITY_SQL = f"""
SELECT ward_code, category, COUNT(*),
  SUM({_in_sql(RESOLVED_STATUSES)} AND resolved_at IS NOT NULL),
  SUM({_OPEN_SQL}),
  SUM({_OPEN_SQL} AND (level > 0 OR overdue_at IS NOT NULL
      OR ({_in_sql(WAITING_ACK)} AND ack_due <= :now)
      OR ({_in_sql(OPEN_STATUSES - WAITING_ACK)} AND resolve_due <= :now))),
  SUM(status = 'withdrawn'),
  SUM(level > 0 OR overdue_at IS NOT NULL),
  SUM(route LIKE 'supervisor:%'),
  SUM(route LIKE 'ward:%' AND route != 'ward:' || ward_code)
FROM complaints WHERE created_at >= :since AND created_at < :until
GROUP BY ward_code, category
"""


def city_counts(
    store: Store, since: datetime, until: datetime, now: datetime
) -> tuple[Index, dict[str, dict[str, int]]]:
    """The city's counts for a ward page, aggregated in SQL (no row of another ward is loaded):
    an `Index` with the counts the page compares against (no shares, no medians) and the cases per
    ward and category. The rules are those of `index_of` and `is_overdue`."""
    raw = store.db.execute(CITY_SQL, {"since": _stored(since), "until": _stored(until), "now": _stored(now)}).fetchall()
    totals = [0] * 8
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    late = 0
    for ward_code, category, *numbers in raw:
        counts[ward_code][category] = numbers[0]
        totals = [t + (n or 0) for t, n in zip(totals, numbers, strict=True)]
        if category == LATE_RESULT_CATEGORY:
            late += numbers[0]
    cases, resolved, open_, overdue, withdrawn, escalated, supervisor, transferred = totals
    index = Index(
        cases=cases,
        rated=0,
        satisfied=0,
        acknowledged=0,
        median_ack_hours=None,
        resolved=resolved,
        median_resolve_days=None,
        with_deadline=0,
        on_time=0,
        answered=0,
        reopened_cases=0,
        open=open_,
        overdue_open=overdue,
        withdrawn=withdrawn,
        escalated=escalated,
        transferred=transferred,
        with_supervisor=supervisor,
        late_results=late,
    )
    return index, dict(counts)


def rows_from_complaints(cases: Iterable[Complaint]) -> list[CaseRow]:
    """`Complaint` objects (already parsed) as rows for the functions below."""
    return [CaseRow(*(getattr(case, name) for name in COLUMNS)) for case in cases]


# -- working time, fast ------------------------------------------------------------------------


class WorkingClock:
    """Elapsed working hours between two moments, in O(log n) per call for a span of days.

    `WorkCalendar.working_hours_between` walks day by day; for 100,000 cases that is too slow.
    This precomputes each day's sessions and the working seconds before each day once, for the
    days from `first` to `last`; moments outside fall back to the calendar (same result).
    """

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.calendar = calendar
        self.first = first
        self.days = max(0, (last - first).days + 1)
        self.sessions: list[list[tuple[float, float]]] = []
        self.before: list[float] = []  # working seconds from `first` 00:00 to the start of day i
        total = 0.0
        for i in range(self.days):
            spans = [(a.timestamp(), b.timestamp()) for a, b in calendar._sessions(first + timedelta(days=i))]
            self.sessions.append(spans)
            self.before.append(total)
            total += sum(b - a for a, b in spans)
        morning, afternoon = calendar.morning, calendar.afternoon
        minutes = sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in (morning, afternoon))
        self.hours_per_day = minutes / 60
        self._zone = calendar._zone
        # Day starts as timestamps, to find a moment's day without a time-zone conversion.
        self._starts = [
            datetime.combine(first + timedelta(days=i), time.min, self._zone).timestamp() for i in range(self.days + 1)
        ]

    def _position(self, moment: datetime) -> float | None:
        ts = moment.timestamp()
        i = bisect.bisect_right(self._starts, ts) - 1
        if i < 0 or i >= self.days:
            return None
        elapsed = 0.0
        for a, b in self.sessions[i]:
            if ts <= a:
                break
            elapsed += min(ts, b) - a
        return self.before[i] + elapsed

    def positions(self, stamps: np.ndarray) -> np.ndarray:
        """Working seconds from the first day to each POSIX timestamp, vectorised (NaN outside the days)."""
        if not hasattr(self, "_arrays"):
            # Up to two sessions a day (morning, afternoon); a missing one is an empty interval.
            opens = np.zeros((self.days, 2))
            closes = np.zeros((self.days, 2))
            for i, spans in enumerate(self.sessions):
                for j, (a, b) in enumerate(spans[:2]):
                    opens[i, j], closes[i, j] = a, b
            self._arrays = (np.array(self._starts), np.array(self.before), opens, closes)
        starts, before, opens, closes = self._arrays
        day = np.searchsorted(starts, stamps, side="right") - 1
        inside = (day >= 0) & (day < self.days)
        safe = np.where(inside, day, 0)
        spans = np.clip(stamps[:, None] - opens[safe], 0, closes[safe] - opens[safe]).sum(axis=1)
        return np.where(inside, before[safe] + spans, np.nan)

    def hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours from `a` to `b` (as `WorkCalendar.working_hours_between`)."""
        pa, pb = self._position(a), self._position(b)
        if pa is None or pb is None:
            return self.calendar.working_hours_between(a, b)
        return (pb - pa) / 3600

    @classmethod
    def for_rows(cls, calendar: WorkCalendar, rows: Sequence[CaseRow], now: datetime) -> WorkingClock:
        """A clock covering every moment the rows' durations need."""
        tz = calendar._zone
        if not rows:
            today = now.astimezone(tz).date()
            return cls(calendar, today, today)
        first = min(r.created_at for r in rows).astimezone(tz).date()
        ends = [r.resolved_at for r in rows if r.resolved_at] + [r.acknowledged_at for r in rows if r.acknowledged_at]
        last = max([now, *ends]).astimezone(tz).date()
        return cls(calendar, first - timedelta(days=1), last + timedelta(days=1))


# -- one group of cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    """The figures of one group of cases (a ward, a category, or everything selected)."""

    cases: int
    rated: int
    satisfied: int
    acknowledged: int
    median_ack_hours: float | None  # working hours
    resolved: int
    median_resolve_days: float | None  # working days
    with_deadline: int  # resolved cases that had a resolve_due
    on_time: int
    answered: int  # cases answered at least once (resolved_at set), the base of the reopen rate
    reopened_cases: int
    open: int
    overdue_open: int
    withdrawn: int = 0
    escalated: int = 0
    transferred: int = 0  # now with another ward
    with_supervisor: int = 0  # now with a supervisory unit
    late_results: int = 0  # category tre-hen

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened_cases / self.answered if self.answered else None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue_open / self.cases if self.cases else None

    @property
    def score(self) -> float | None:
        """0-100: the mean of on-time share, satisfied share, 1 - reopen rate, 1 - overdue share."""
        parts = [self.on_time_share, self.satisfied_share]
        parts += [None if r is None else 1 - r for r in (self.reopen_rate, self.overdue_share)]
        defined = [p for p in parts if p is not None]
        return 100 * sum(defined) / len(defined) if defined else None


def is_open(row: CaseRow) -> bool:
    return row.status in OPEN_STATUSES


def is_resolved(row: CaseRow) -> bool:
    return row.status in RESOLVED_STATUSES and row.resolved_at is not None


def is_escalated(row: CaseRow) -> bool:
    """Marked overdue and sent to the supervisory unit by the scheduler."""
    return row.level > 0 or row.overdue_at is not None


def current_due(row: CaseRow) -> datetime | None:
    """The deadline running now: to acknowledge (new, reopened) or to resolve (the other statuses)."""
    return row.ack_due if row.status in WAITING_ACK else row.resolve_due


def is_overdue(row: CaseRow, now: datetime) -> bool:
    """Open and late at `now`: escalated by the scheduler, or at or past its current deadline."""
    if row.status not in OPEN_STATUSES:
        return False
    if row.overdue_at is not None or row.level > 0:
        return True
    due = current_due(row)
    return due is not None and due <= now


Durations = tuple[np.ndarray, np.ndarray]  # per row, aligned: working hours to ack, working days to resolve (NaN: none)


def working_durations(rows: Sequence[CaseRow], clock: WorkingClock) -> Durations:
    """Each case's working hours to acknowledge and working days to resolve (NaN when it was not
    acknowledged or is not resolved), vectorised with numpy and aligned with `rows`, computed once
    so that the summary, every ward and every category reuse them."""
    nan = math.nan
    count = len(rows)
    created = np.fromiter((r.created_at.timestamp() for r in rows), float, count)
    acked = np.fromiter(
        (r.acknowledged_at.timestamp() if r.acknowledged_at is not None else nan for r in rows), float, count
    )
    resolved = np.fromiter(
        (
            r.resolved_at.timestamp() if r.status in RESOLVED_STATUSES and r.resolved_at is not None else nan
            for r in rows
        ),
        float,
        count,
    )
    start = clock.positions(created)
    ack_hours = (clock.positions(acked) - start) / 3600
    resolve_days = (clock.positions(resolved) - start) / 3600 / clock.hours_per_day
    # A moment outside the clock's days (NaN although it exists) falls back to the calendar's walk.
    for n in np.nonzero(np.isnan(ack_hours) & ~np.isnan(acked))[0]:
        ack_hours[n] = clock.hours_between(rows[n].created_at, rows[n].acknowledged_at)
    for n in np.nonzero(np.isnan(resolve_days) & ~np.isnan(resolved))[0]:
        resolve_days[n] = clock.hours_between(rows[n].created_at, rows[n].resolved_at) / clock.hours_per_day
    return ack_hours, resolve_days


# The counters of `Index`, in this order in a `CaseTable`'s flag matrix.
COUNTERS = (
    "rated",
    "satisfied",
    "acknowledged",
    "resolved",
    "with_deadline",
    "on_time",
    "answered",
    "reopened_cases",
    "open",
    "overdue_open",
    "withdrawn",
    "escalated",
    "transferred",
    "with_supervisor",
    "late_results",
)


def _row_flags(row: CaseRow, now: datetime) -> tuple[int, ...]:
    """The 0/1 counters of one case (formulas in the module docstring), in the order of COUNTERS."""
    status, rating, resolved_at = row.status, row.rating, row.resolved_at
    resolved = status in RESOLVED_STATUSES and resolved_at is not None
    with_deadline = resolved and row.resolve_due is not None
    open_ = status in OPEN_STATUSES
    route = row.route
    supervisor = route.startswith("supervisor:")
    return (
        rating is not None,
        rating is not None and rating >= SATISFIED_RATING,
        row.acknowledged_at is not None,
        resolved,
        with_deadline,
        with_deadline and resolved_at <= row.resolve_due,
        resolved_at is not None,
        resolved_at is not None and row.reopened > 0,
        open_,
        open_ and is_overdue(row, now),
        status == "withdrawn",
        row.level > 0 or row.overdue_at is not None,
        not supervisor and route.startswith("ward:") and route[5:] != row.ward_code,
        supervisor,
        row.category == LATE_RESULT_CATEGORY,
    )


class CaseTable:
    """Cases turned into arrays once (a 0/1 flag per counter, the durations), so that the summary,
    every ward and every category are sums over groups (numpy) rather than passes over the rows:
    168 wards cost the same as one."""

    def __init__(self, rows: Sequence[CaseRow], now: datetime, durations: Durations | None = None) -> None:
        self.rows = rows
        self.flags = np.array([_row_flags(r, now) for r in rows], dtype=np.int64).reshape(len(rows), len(COUNTERS))
        self.has_durations = durations is not None
        if durations is not None:
            self.ack, self.resolve = durations
        else:
            self.ack = self.resolve = np.full(len(rows), math.nan)

    def _index(self, counts: np.ndarray, cases: int, ack: np.ndarray, resolve: np.ndarray) -> Index:
        values = dict(zip(COUNTERS, (int(c) for c in counts), strict=True))
        ack, resolve = ack[~np.isnan(ack)], resolve[~np.isnan(resolve)]
        return Index(
            cases=cases,
            median_ack_hours=float(np.median(ack)) if self.has_durations and ack.size else None,
            median_resolve_days=float(np.median(resolve)) if self.has_durations and resolve.size else None,
            **values,
        )

    def total(self) -> Index:
        """The figures of every case in the table."""
        return self._index(self.flags.sum(axis=0), len(self.rows), self.ack, self.resolve)

    def grouped(self, field: str, keys: Iterable[str] = ()) -> dict[str, Index]:
        """Figures per value of `field` (ward_code, category...): every key of `keys` (zeros when
        it has no case) first, then the other values found, sorted."""
        position = CaseRow._fields.index(field)
        values = [r[position] for r in self.rows]
        order = list(dict.fromkeys([*keys, *sorted(set(values))]))
        number = {key: n for n, key in enumerate(order)}
        ids = np.array([number[v] for v in values], dtype=np.int64)
        groups = len(order)
        counts = np.zeros((groups, len(COUNTERS)), dtype=np.int64)
        np.add.at(counts, ids, self.flags)
        sizes = np.bincount(ids, minlength=groups)
        sort = np.argsort(ids, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        ack, resolve = self.ack[sort], self.resolve[sort]
        return {
            key: self._index(
                counts[n], int(sizes[n]), ack[bounds[n] : bounds[n + 1]], resolve[bounds[n] : bounds[n + 1]]
            )
            for n, key in enumerate(order)
        }


def index_of(
    rows: Sequence[CaseRow], now: datetime, clock: WorkingClock | None = None, durations: Durations | None = None
) -> Index:
    """The figures of `rows` (formulas in the module docstring).

    Durations need a `clock` (working time) or `durations` computed by `working_durations`;
    without either the medians are None.
    """
    if durations is None and clock is not None:
        durations = working_durations(rows, clock)
    return CaseTable(rows, now, durations).total()


def ward_indexes(
    rows: Sequence[CaseRow],
    now: datetime,
    ward_codes: Iterable[str] = (),
    clock: WorkingClock | None = None,
    durations: Durations | None = None,
    table: CaseTable | None = None,
) -> dict[str, Index]:
    """Index per ward: every code of `ward_codes` (with zeros when it has no case) and every ward in rows."""
    if table is None:
        if durations is None and clock is not None:
            durations = working_durations(rows, clock)
        table = CaseTable(rows, now, durations)
    return table.grouped("ward_code", ward_codes)


def category_indexes(
    rows: Sequence[CaseRow], now: datetime, clock: WorkingClock | None = None, table: CaseTable | None = None
) -> dict[str, Index]:
    """Index per category, in the order of CATEGORY_LABELS, then unknown ids; only categories with cases."""
    if table is None:
        table = CaseTable(rows, now, working_durations(rows, clock) if clock is not None else None)
    found = table.grouped("category")
    order = [c for c in CATEGORY_LABELS if c in found] + sorted(c for c in found if c not in CATEGORY_LABELS)
    return {category: found[category] for category in order}


def category_counts(rows: Iterable[CaseRow]) -> dict[str, dict[str, int]]:
    """Cases per ward and category: {ward: {category: n}} (only non-zero cells)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[row.ward_code][row.category] += 1
    return {ward: dict(cats) for ward, cats in counts.items()}


def city_medians(counts: Mapping[str, Mapping[str, int]], ward_codes: Sequence[str]) -> dict[str, float]:
    """Per category, the median over `ward_codes` of their case counts (a ward without any counts 0)."""
    medians = {}
    for category in CATEGORY_LABELS:
        values = [counts.get(code, {}).get(category, 0) for code in ward_codes]
        medians[category] = statistics.median(values) if values else 0
    return medians


# -- ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedWard:
    code: str
    name: str
    index: Index
    rank: int | None  # None: fewer than min_cases cases ("chưa đủ số liệu")

    @property
    def rank_label(self) -> str:
        return str(self.rank) if self.rank is not None else UNRANKED


def _rank_key(index: Index) -> tuple[float, float]:
    score = index.score if index.score is not None else -math.inf
    median = index.median_resolve_days if index.median_resolve_days is not None else math.inf
    return (-score, median)


def ranking(indexes: Mapping[str, Index], names: Mapping[str, str], min_cases: int = MIN_CASES) -> list[RankedWard]:
    """Wards with at least `min_cases` cases ranked (score, then median working days to resolve); the
    rest after them, unranked, in the order given."""
    eligible = sorted(
        ((code, idx) for code, idx in indexes.items() if idx.cases >= min_cases),
        key=lambda item: (_rank_key(item[1]), item[0]),
    )
    ranked: list[RankedWard] = []
    for position, (code, idx) in enumerate(eligible, start=1):
        tied = ranked and _rank_key(ranked[-1].index) == _rank_key(idx)
        rank = ranked[-1].rank if tied else position
        ranked.append(RankedWard(code, names.get(code, code), idx, rank))
    unranked = [
        RankedWard(code, names.get(code, code), idx, None) for code, idx in indexes.items() if idx.cases < min_cases
    ]
    return ranked + unranked


# -- trend and lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodTrend:
    """New cases of one month or ISO week, and how many of them are resolved now."""

    first: date  # first day counted (the period start, or the report start when it cuts the period)
    last: date  # last day counted (the report end or today when they cut it)
    monthly: bool
    new: int
    resolved: int
    partial: bool  # the report's bounds or today cut this month or week

    @property
    def label(self) -> str:
        if self.monthly:
            return f"{self.first.month}/{self.first.year}"
        iso = self.first.isocalendar()
        return f"Tuần {iso.week}/{iso.year}"

    @property
    def span(self) -> str:
        return f"{self.first:%d/%m}–{self.last:%d/%m}"


def is_monthly(start: date, end: date) -> bool:
    """A period longer than about three months is shown by month, a shorter one by ISO week."""
    return (end - start).days + 1 > MONTHLY_AFTER_DAYS


def _period_start(day: date, monthly: bool) -> date:
    return day.replace(day=1) if monthly else day - timedelta(days=day.weekday())


def _next_period(first: date, monthly: bool) -> date:
    if not monthly:
        return first + timedelta(days=7)
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def trend(rows: Iterable[CaseRow], tz: tzinfo, start: date, end: date, today: date) -> list[PeriodTrend]:
    """New and (now) resolved cases per month (period over three months) or ISO week, from `start`
    to `end` but never past `today`: a period that has not begun is not drawn as zero."""
    monthly = is_monthly(start, end)
    stop = min(end, today)
    if stop < start:
        return []
    bounds: list[tuple[date, date, date]] = []  # (period key, first counted day, last counted day)
    key = _period_start(start, monthly)
    while key <= stop:
        following = _next_period(key, monthly)
        bounds.append((key, max(key, start), min(following - timedelta(days=1), stop)))
        key = following
    # Each period's first counted day at local midnight, as a timestamp: a case falls in the last
    # period starting at or before its creation (bisect, no time-zone conversion per case).
    edges = [datetime.combine(first, time.min, tz).timestamp() for _, first, _ in bounds]
    limit = datetime.combine(stop + timedelta(days=1), time.min, tz).timestamp()
    counts = [[0, 0] for _ in bounds]
    for row in rows:
        stamp = row.created_at.timestamp()
        if stamp < edges[0] or stamp >= limit:
            continue
        cell = counts[bisect.bisect_right(edges, stamp) - 1]
        cell[0] += 1
        if row.status in RESOLVED_STATUSES and row.resolved_at is not None:
            cell[1] += 1
    result = []
    for (k, first, last), (new, resolved) in zip(bounds, counts, strict=True):
        full_last = _next_period(k, monthly) - timedelta(days=1)
        result.append(PeriodTrend(first, last, monthly, new, resolved, first != k or last != full_last))
    return result


def overdue_cases(rows: Iterable[CaseRow], now: datetime) -> list[CaseRow]:
    """Open cases overdue at `now`, the longest-waiting first (by deadline, then creation)."""
    late = [row for row in rows if is_overdue(row, now)]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    late.sort(key=lambda r: (current_due(r) or far, r.created_at, r.code))
    return late

"""Satisfaction and responsiveness index of the wards: the figures of the accountability report.

Input: a list of `CaseRow` (a named tuple holding only the columns the figures need, times parsed to
aware UTC datetimes). `fetch_rows` reads them with one SQL query, so 100,000 cases cost a fraction
of a second; `rows_from_complaints` converts `Complaint` objects for callers that already have
them. Every other function here is pure: rows in, figures out, nothing read from the clock ("now"
is a parameter) or the database.

No citizen data is ever read: no user id, name, contact, description or attachment, only the
case code, its ward, category, status, times, rating and counters.

Formulas (per ward, per category or for everything selected; "cases" are the rows given):

- cases = number of rows.
- satisfied share = #(rating >= 4) / #(rating is not NULL); None when no case was rated.
- median days to acknowledge = median over acknowledged cases of
  (acknowledged_at - created_at) in calendar days with decimals (seconds / 86,400); None if none.
- resolved = status in {resolved, closed} with resolved_at set (a reopened case is not resolved,
  even though it keeps the time of its earlier answer; a withdrawn case is not resolved).
- median days to resolve = median over resolved cases of (resolved_at - created_at), same unit.
- on-time share = #(resolved_at <= resolve_due) / #(resolved cases that have a resolve_due);
  resolved cases without a deadline (stored before deadlines existed) are left out of both terms.
- reopen rate = #(reopened > 0) / cases; None when there is no case.
- open = status in OPEN_STATUSES (new, acknowledged, info_requested, reopened).
- current deadline = ack_due while the case waits to be acknowledged (new, reopened), else
  resolve_due: the one the scheduler (bot/complaints/deadlines.py) watches.
- overdue open = open cases that, at `now`, are overdue: escalated by the scheduler (level > 0 or
  overdue_at set), or at or past their current deadline (the scheduler's next tick escalates them).
- score (0-100, used only to rank) = 100 x the mean of whichever of these are defined:
  on-time share, satisfied share, 1 - reopen rate, 1 - overdue open / cases. Counting overdue open
  cases means a ward cannot keep its on-time share high by leaving late cases unanswered.
- ranking: only wards with at least `min_cases` cases (default `MIN_CASES` = 10) are ranked, by
  score (higher first), then median days to resolve (shorter first); equal figures share a rank
  (1, 2, 2, 4). The others are listed after them, unranked, as "chưa đủ số liệu", so that a ward
  with one fast case cannot top the table.
- weekly trend: per ISO week of the creation date in the deployment's time zone, new = cases
  created that week, resolved = those of them resolved now (a cohort view: it shows what became of
  each week's intake). Every week of the period is listed, empty ones with zeros.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from bot.categories import CATEGORY_LABELS
from bot.complaints import texts

if TYPE_CHECKING:
    from bot.complaints.store import Complaint, Store

MIN_CASES = 10
UNRANKED = "chưa đủ số liệu"
OPEN_STATUSES = frozenset(texts.OPEN_STATUSES)
RESOLVED_STATUSES = frozenset({"resolved", "closed"})
WAITING_ACK = frozenset({"new", "reopened"})  # as in bot.complaints.deadlines.due_events
SATISFIED_RATING = 4
DAY_SECONDS = 86_400.0


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


COLUMNS = CaseRow._fields


def _stored(moment: datetime) -> str:
    """A moment as the store writes it (bot.complaints.store._iso)."""
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
    sql += " ORDER BY created_at, code"
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
        ) in raw
    ]


def rows_from_complaints(cases: Iterable[Complaint]) -> list[CaseRow]:
    """`Complaint` objects (already parsed) as rows for the functions below."""
    return [CaseRow(*(getattr(case, name) for name in COLUMNS)) for case in cases]


# -- one group of cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    """The figures of one group of cases (a ward, a category, or everything selected)."""

    cases: int
    rated: int
    satisfied: int
    acknowledged: int
    median_ack_days: float | None
    resolved: int
    median_resolve_days: float | None
    with_deadline: int  # resolved cases that had a resolve_due
    on_time: int
    reopened_cases: int
    open: int
    overdue_open: int

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened_cases / self.cases if self.cases else None

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


def index_of(rows: Sequence[CaseRow], now: datetime) -> Index:
    """The figures of `rows` (formulas in the module docstring), in one pass."""
    rated = satisfied = on_time = with_deadline = reopened = open_ = overdue = 0
    ack_days: list[float] = []
    resolve_days: list[float] = []
    for row in rows:
        created = row.created_at
        if row.rating is not None:
            rated += 1
            if row.rating >= SATISFIED_RATING:
                satisfied += 1
        if row.acknowledged_at is not None:
            ack_days.append((row.acknowledged_at - created).total_seconds() / DAY_SECONDS)
        status = row.status
        if status in RESOLVED_STATUSES and row.resolved_at is not None:
            resolve_days.append((row.resolved_at - created).total_seconds() / DAY_SECONDS)
            if row.resolve_due is not None:
                with_deadline += 1
                if row.resolved_at <= row.resolve_due:
                    on_time += 1
        elif status in OPEN_STATUSES:
            open_ += 1
            if is_overdue(row, now):
                overdue += 1
        if row.reopened > 0:
            reopened += 1
    return Index(
        cases=len(rows),
        rated=rated,
        satisfied=satisfied,
        acknowledged=len(ack_days),
        median_ack_days=statistics.median(ack_days) if ack_days else None,
        resolved=len(resolve_days),
        median_resolve_days=statistics.median(resolve_days) if resolve_days else None,
        with_deadline=with_deadline,
        on_time=on_time,
        reopened_cases=reopened,
        open=open_,
        overdue_open=overdue,
    )


def _grouped(rows: Iterable[CaseRow], position: int) -> dict[str, list[CaseRow]]:
    groups: dict[str, list[CaseRow]] = defaultdict(list)
    for row in rows:
        groups[row[position]].append(row)
    return groups


def ward_indexes(rows: Sequence[CaseRow], now: datetime, ward_codes: Iterable[str] = ()) -> dict[str, Index]:
    """Index per ward: every code of `ward_codes` (with zeros when it has no case) and every ward in rows."""
    groups = _grouped(rows, CaseRow._fields.index("ward_code"))
    codes = list(dict.fromkeys([*ward_codes, *sorted(groups)]))
    return {code: index_of(groups.get(code, []), now) for code in codes}


def category_indexes(rows: Sequence[CaseRow], now: datetime) -> dict[str, Index]:
    """Index per category, in the order of CATEGORY_LABELS, then unknown ids; only categories with cases."""
    groups = _grouped(rows, CaseRow._fields.index("category"))
    order = [c for c in CATEGORY_LABELS if c in groups] + sorted(c for c in groups if c not in CATEGORY_LABELS)
    return {category: index_of(groups[category], now) for category in order}


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
    """Wards with at least `min_cases` cases ranked (score, then median days to resolve); the rest
    after them, unranked, in the order given."""
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
class WeekTrend:
    year: int  # ISO year
    week: int  # ISO week
    monday: date
    new: int
    resolved: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def weekly_trend(rows: Iterable[CaseRow], tz: tzinfo, start: date, end: date) -> list[WeekTrend]:
    """Per ISO week from the week of `start` to that of `end` (local dates): new cases, and how
    many of them are resolved now. Rows created outside those weeks are ignored."""
    first = start - timedelta(days=start.weekday())
    counts: dict[tuple[int, int], list[int]] = {}
    monday = first
    while monday <= end:
        iso = monday.isocalendar()
        counts[(iso.year, iso.week)] = [0, 0]
        monday += timedelta(days=7)
    for row in rows:
        iso = row.created_at.astimezone(tz).isocalendar()
        cell = counts.get((iso.year, iso.week))
        if cell is None:
            continue
        cell[0] += 1
        if row.status in RESOLVED_STATUSES and row.resolved_at is not None:
            cell[1] += 1
    return [
        WeekTrend(year, week, date.fromisocalendar(year, week, 1), new, resolved)
        for (year, week), (new, resolved) in counts.items()
    ]


def overdue_cases(rows: Iterable[CaseRow], now: datetime) -> list[CaseRow]:
    """Open cases overdue at `now`, the longest-waiting first (by deadline, then creation)."""
    late = [row for row in rows if is_overdue(row, now)]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    late.sort(key=lambda r: (current_due(r) or far, r.created_at, r.code))
    return late

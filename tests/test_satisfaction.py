"""The satisfaction index (bot/satisfaction.py): a hand-computed small set first, then 10,000
generated cases checked against a plain, filter-per-ward computation (guards the one-pass path),
and the fast working-time clock against `WorkCalendar`."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.satisfaction import (
    UNRANKED,
    CaseRow,
    WorkingClock,
    category_counts,
    category_indexes,
    city_medians,
    index_of,
    is_monthly,
    is_overdue,
    overdue_cases,
    ranking,
    rows_from_complaints,
    trend,
    ward_indexes,
)
from bot.worktime import WorkCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
T0 = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)  # Monday 2/2/2026 08:00 local, ISO week 2026-W06
A, B, C = "26743", "26737", "27139"  # Bến Thành, Tân Định, Xuân Hòa
NAMES = {A: "Phường Bến Thành", B: "Phường Tân Định", C: "Phường Xuân Hòa"}
H = timedelta(hours=1)
D = timedelta(days=1)


def case(
    code: str,
    ward: str,
    category: str,
    status: str,
    created: datetime,
    *,
    ack: timedelta | None = None,
    resolved: timedelta | None = None,
    ack_due: timedelta | None = D,
    resolve_due: timedelta | None = 3 * D,
    rating: int | None = None,
    reopened: int = 0,
    level: int = 0,
    overdue_at: datetime | None = None,
) -> CaseRow:
    """A row whose times are given relative to its creation."""
    return CaseRow(
        code=code,
        ward_code=ward,
        category=category,
        status=status,
        created_at=created,
        acknowledged_at=created + ack if ack is not None else None,
        resolved_at=created + resolved if resolved is not None else None,
        ack_due=created + ack_due if ack_due is not None else None,
        resolve_due=created + resolve_due if resolve_due is not None else None,
        rating=rating,
        reopened=reopened,
        level=level,
        overdue_at=overdue_at,
    )


W06, W07, W08 = T0, T0 + 7 * D, T0 + 14 * D

SMALL = [
    # Ward A: 6 cases.
    case("A1", A, "tho-o", "closed", W06, ack=6 * H, resolved=2 * D, rating=5),
    case("A2", A, "tho-o", "closed", W06, ack=12 * H, resolved=4 * D, rating=2, reopened=1),  # late
    case("A3", A, "tre-hen", "resolved", W06, ack=1 * D, resolved=1 * D),
    case("A4", A, "tre-hen", "acknowledged", W07, ack=2 * D),  # past resolve_due: overdue
    case("A5", A, "khac", "new", W07, resolve_due=5 * D),  # past ack_due, unacknowledged: overdue
    case("A6", A, "khac", "withdrawn", W07),  # withdrawn: neither open nor resolved
    # Ward B: 5 cases.
    case("B1", B, "tre-hen", "closed", W06 + D, ack=1 * H, resolved=1 * D, rating=4),
    case("B2", B, "tre-hen", "closed", W06 + D, ack=2 * H, resolved=3 * D, rating=5),  # exactly on the deadline
    case("B3", B, "tho-o", "closed", W06 + D, ack=3 * H, resolved=D / 2, rating=4, reopened=2),
    # Reopened: keeps the time of its first answer, but is neither resolved nor late (new deadline).
    case(
        "B4", B, "tre-hen", "reopened", W08, ack=4 * H, resolved=1 * D, ack_due=40 * D, resolve_due=41 * D, reopened=1
    ),
    case("B5", B, "khac", "info_requested", W08, ack=5 * H, resolve_due=40 * D),
    # Ward C: one fast, perfect case, created Sunday 8/2 20:00 UTC = Monday 9/2 03:00 local (W07).
    case("C1", C, "tho-o", "closed", datetime(2026, 2, 8, 20, 0, tzinfo=UTC), ack=H / 2, resolved=1 * H, rating=5),
]


def test_ward_a_by_hand():
    a = ward_indexes(SMALL, NOW)[A]
    assert a.cases == 6
    assert (a.rated, a.satisfied) == (2, 1)
    assert a.satisfied_share == 0.5
    assert a.acknowledged == 4
    assert a.median_ack_hours is None and a.median_resolve_days is None  # durations need a working clock
    # resolved A1, A2, A3
    assert a.resolved == 3
    assert (a.on_time, a.with_deadline) == (2, 3)
    assert a.on_time_share == pytest.approx(2 / 3)
    # answered (resolved_at set): A1, A2, A3; reopened: A2
    assert a.reopen_rate == pytest.approx(1 / 3)
    assert (a.open, a.overdue_open) == (2, 2)
    assert (a.withdrawn, a.escalated, a.transferred, a.with_supervisor) == (1, 0, 0, 0)
    assert a.late_results == 2  # A3, A4 are about late results (tre-hen)
    assert a.score == pytest.approx(100 * (2 / 3 + 1 / 2 + 2 / 3 + 4 / 6) / 4)


def test_ward_b_by_hand():
    b = ward_indexes(SMALL, NOW)[B]
    assert b.cases == 5
    assert b.satisfied_share == 1.0  # 3 rated, all 4 or 5
    # B4 is reopened: not resolved although it has a resolved_at
    assert b.resolved == 3
    assert b.on_time_share == 1.0  # B2 resolved at its deadline counts as on time
    # answered: B1, B2, B3, B4; reopened: B3, B4
    assert b.reopen_rate == pytest.approx(2 / 4)
    assert (b.open, b.overdue_open) == (2, 0)
    assert b.score == pytest.approx(100 * (1 + 1 + 0.5 + 1) / 4)


def test_summary_by_hand():
    s = index_of(SMALL, NOW)
    assert s.cases == 12
    assert s.satisfied_share == pytest.approx(5 / 6)
    assert s.on_time_share == pytest.approx(6 / 7)
    assert s.reopen_rate == pytest.approx(3 / 8)  # 8 answered, 3 of them reopened
    assert s.overdue_open == 2


def test_ranking_needs_min_cases():
    indexes = ward_indexes(SMALL, NOW, [A, B, C])
    table = ranking(indexes, NAMES, min_cases=3)
    assert [(w.code, w.rank) for w in table] == [(B, 1), (A, 2), (C, None)]
    assert table[-1].rank_label == UNRANKED == "chưa đủ số liệu"
    assert table[0].name == "Phường Tân Định"
    # Without the threshold the single fast case would top the table.
    assert ranking(indexes, NAMES, min_cases=1)[0].code == C
    # Default threshold (10): nobody here has enough cases.
    assert all(w.rank is None for w in ranking(indexes, NAMES))


def test_ranking_ties_share_a_rank():
    twin = [r._replace(ward_code=C, code="C" + r.code) for r in SMALL if r.ward_code == B]
    indexes = ward_indexes([r for r in SMALL if r.ward_code != C] + twin, NOW)
    table = ranking(indexes, NAMES, min_cases=3)
    assert [(w.code, w.rank) for w in table] == [(B, 1), (C, 1), (A, 3)]


def test_wards_without_cases_are_listed():
    indexes = ward_indexes(SMALL, NOW, [A, B, C, "26740"])
    assert indexes["26740"].cases == 0
    assert indexes["26740"].satisfied_share is None
    assert indexes["26740"].median_resolve_days is None
    assert indexes["26740"].score is None
    assert ranking(indexes, {}, min_cases=3)[-1].rank_label == UNRANKED


def test_categories_by_hand():
    cats = category_indexes(SMALL, NOW)
    assert list(cats) == ["tho-o", "tre-hen", "khac"]  # order of CATEGORY_LABELS
    assert {c: i.cases for c, i in cats.items()} == {"tho-o": 4, "tre-hen": 5, "khac": 3}
    assert cats["tre-hen"].overdue_open == 1 and cats["khac"].overdue_open == 1
    assert cats["tho-o"].resolved == 4


def test_weekly_trend_uses_local_iso_weeks():
    weeks = trend(SMALL, TZ, date(2026, 2, 2), date(2026, 2, 22), today=date(2026, 3, 1))
    assert [(w.label, w.new, w.resolved, w.partial) for w in weeks] == [
        ("Tuần 6/2026", 6, 6, False),
        ("Tuần 7/2026", 4, 1, False),  # A4, A5, A6 and C1 (Sunday in UTC, Monday in Hồ Chí Minh City)
        ("Tuần 8/2026", 2, 0, False),
    ]
    assert weeks[1].first == date(2026, 2, 9)
    # Weeks without cases are listed with zeros; a period cut by the report's bounds is partial.
    later = trend(SMALL, TZ, date(2026, 2, 16), date(2026, 3, 4), today=date(2026, 3, 10))
    assert [(w.label, w.new, w.partial) for w in later] == [
        ("Tuần 8/2026", 2, False),
        ("Tuần 9/2026", 0, False),
        ("Tuần 10/2026", 0, True),
    ]
    assert later[-1].span == "02/03–04/03"


def test_trend_never_shows_future_periods():
    # A report for the whole year asked on 1/3: January, February and the first day of March only.
    months = trend(SMALL, TZ, date(2026, 1, 1), date(2026, 12, 31), today=date(2026, 3, 1))
    assert [(m.label, m.new, m.partial) for m in months] == [
        ("1/2026", 0, False),
        ("2/2026", 12, False),
        ("3/2026", 0, True),
    ]
    assert trend(SMALL, TZ, date(2026, 4, 1), date(2026, 4, 30), today=date(2026, 3, 1)) == []


def test_month_or_week():
    assert not is_monthly(date(2026, 1, 1), date(2026, 3, 31))  # 90 days: by week
    assert is_monthly(date(2026, 1, 1), date(2026, 4, 30))  # four months: by month
    december = trend(SMALL, TZ, date(2025, 11, 1), date(2026, 2, 28), today=date(2026, 3, 1))
    assert [m.label for m in december] == ["11/2025", "12/2025", "1/2026", "2/2026"]


def test_routes_and_escalation_are_counted():
    rows = [
        SMALL[0]._replace(route=f"ward:{A}"),
        SMALL[1]._replace(route=f"ward:{B}"),  # transferred to another ward
        SMALL[2]._replace(route="supervisor:so-noi-vu"),  # with the supervisory unit
        SMALL[3]._replace(level=1),
        SMALL[4]._replace(overdue_at=NOW),
    ]
    idx = index_of(rows, NOW)
    assert (idx.transferred, idx.with_supervisor, idx.escalated) == (1, 1, 2)


def test_category_medians():
    counts = category_counts(SMALL)
    assert counts[A] == {"tho-o": 2, "tre-hen": 2, "khac": 2}
    medians = city_medians(counts, [A, B, C, "26740"])
    # tre-hen: A 2, B 3, C 0, 26740 0 -> median 1; tho-o: 2, 1, 1, 0 -> 1
    assert medians["tre-hen"] == 1 and medians["tho-o"] == 1 and medians["doi-tien"] == 0


def test_working_clock_matches_the_calendar():
    cal = WorkCalendar(saturday_morning=True)
    rng = random.Random(7)
    start = datetime(2026, 1, 20, 0, 0, tzinfo=UTC)  # spans Tết 2026 (16-20/2)
    clock = WorkingClock(cal, date(2026, 1, 19), date(2026, 3, 31))
    assert clock.hours_per_day == 8
    for _ in range(300):
        a = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        b = a + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        assert clock.hours_between(a, b) == pytest.approx(cal.working_hours_between(a, b), abs=1e-9)
    # Outside the precomputed days it falls back to the calendar.
    far = datetime(2026, 6, 1, 1, tzinfo=UTC)
    assert clock.hours_between(start, far) == pytest.approx(cal.working_hours_between(start, far))


def test_durations_in_working_time():
    cal = WorkCalendar(saturday_morning=False)
    friday_4pm = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # Friday 16:00 local
    monday_9am = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Monday 09:00 local
    row = case("W1", A, "khac", "closed", friday_4pm, ack=monday_9am - friday_4pm, resolved=monday_9am - friday_4pm)
    clock = WorkingClock.for_rows(cal, [row], NOW)
    idx = index_of([row], NOW, clock)
    # 1 h on Friday + 1.5 h on Monday: 2.5 working hours, although 65 calendar hours passed.
    assert idx.median_ack_hours == pytest.approx(2.5)
    assert idx.median_resolve_days == pytest.approx(2.5 / 8)


def test_overdue_rules():
    # A5's running deadline is to acknowledge (10/2), A4's to resolve (12/2): the oldest first.
    assert [r.code for r in overdue_cases(SMALL, NOW)] == ["A5", "A4"]
    fresh = case("X", A, "khac", "acknowledged", NOW - H, ack=H / 2)
    assert not is_overdue(fresh, NOW)
    assert is_overdue(fresh._replace(level=1), NOW)  # escalated by the scheduler
    assert is_overdue(fresh._replace(overdue_at=NOW), NOW)
    assert not is_overdue(fresh._replace(status="closed", level=1), NOW)  # closed cases are never overdue
    assert is_overdue(fresh._replace(resolve_due=NOW), NOW)  # due at this very moment
    late_ack = case("Y", A, "khac", "new", NOW - 2 * D, resolve_due=None)
    assert is_overdue(late_ack, NOW)
    assert not is_overdue(late_ack._replace(status="acknowledged", acknowledged_at=NOW - D), NOW)
    # A reopened case waits for a new acknowledgement, whatever its earlier one (as the scheduler sees it).
    reopened = case("Z", A, "khac", "reopened", NOW - 10 * D, ack=H, ack_due=9 * D, resolve_due=12 * D)
    assert is_overdue(reopened, NOW)
    assert not is_overdue(reopened._replace(ack_due=NOW + H), NOW)


def test_rows_from_complaints():
    from bot.complaints.store import Complaint

    row = SMALL[0]
    complaint = Complaint(
        code=row.code,
        user="tg:1",
        ward_code=row.ward_code,
        route=f"ward:{row.ward_code}",
        category=row.category,
        occurred="hôm qua",
        description="mô tả",
        official=None,
        dossier=None,
        photo=None,
        consent=False,
        contact_name=None,
        contact=None,
        status=row.status,
        sensitive=False,
        commitment_ids=(),
        rating=row.rating,
        reopened=row.reopened,
        created_at=row.created_at,
        updated_at=row.created_at,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
        ack_due=row.ack_due,
        resolve_due=row.resolve_due,
    )
    assert rows_from_complaints([complaint]) == [row._replace(route=f"ward:{row.ward_code}")]


# -- 10,000 generated cases against a straightforward computation ---------------------------

STATUSES = ["new", "acknowledged", "info_requested", "resolved", "reopened", "withdrawn", "closed"]
CATEGORIES = ["tho-o", "hach-dich", "phien-ha", "doi-tien", "tre-hen", "khac"]


def generated(n: int, seed: int = 20260301) -> list[CaseRow]:
    rng = random.Random(seed)
    wards = [A, B, C, "26740", "27160"]
    rows = []
    for i in range(n):
        status = rng.choice(STATUSES)
        created = T0 - timedelta(minutes=rng.randrange(0, 60 * 24 * 90))
        acked = status != "new" and rng.random() < 0.9
        has_resolution = status in ("resolved", "closed", "reopened") or (status == "withdrawn" and rng.random() < 0.1)
        rows.append(
            CaseRow(
                code=f"G{i:05d}",
                ward_code=rng.choice(wards[: 1 + i % 5]),  # uneven sizes
                category=rng.choice(CATEGORIES),
                status=status,
                created_at=created,
                acknowledged_at=created + timedelta(minutes=rng.randrange(1, 5000)) if acked else None,
                resolved_at=created + timedelta(minutes=rng.randrange(60, 30000)) if has_resolution else None,
                ack_due=created + timedelta(hours=8) if rng.random() < 0.95 else None,
                resolve_due=created + timedelta(days=rng.choice([3, 5, 10])) if rng.random() < 0.9 else None,
                rating=rng.choice([None, None, 1, 2, 3, 4, 5]) if status in ("resolved", "closed") else None,
                reopened=rng.choice([0, 0, 0, 1, 2]),
                level=rng.choice([0, 0, 0, 0, 1, 2]) if status not in ("resolved", "closed", "withdrawn") else 0,
                overdue_at=NOW - D if rng.random() < 0.05 else None,
            )
        )
    return rows


def test_10k_matches_straightforward_computation():
    rows = generated(10_000)
    cal = WorkCalendar(saturday_morning=True)
    clock = WorkingClock.for_rows(cal, rows, NOW)
    indexes = ward_indexes(rows, NOW, clock=clock)
    assert sum(i.cases for i in indexes.values()) == 10_000
    for ward, idx in indexes.items():
        mine = [r for r in rows if r.ward_code == ward]
        rated = [r.rating for r in mine if r.rating is not None]
        acks = [cal.working_hours_between(r.created_at, r.acknowledged_at) for r in mine[:300] if r.acknowledged_at]
        resolved = [r for r in mine if r.status in ("resolved", "closed") and r.resolved_at]
        with_due = [r for r in resolved if r.resolve_due]
        open_ = [r for r in mine if r.status in ("new", "acknowledged", "info_requested", "reopened")]
        late = []
        for r in open_:
            due = r.ack_due if r.status in ("new", "reopened") else r.resolve_due
            if r.overdue_at or r.level > 0 or (due and due <= NOW):
                late.append(r)
        assert idx.cases == len(mine)
        assert idx.satisfied_share == pytest.approx(sum(1 for x in rated if x >= 4) / len(rated))
        # The calendar walks day by day (slow): check the first 300 cases of each ward against it.
        assert index_of(mine[:300], NOW, clock).median_ack_hours == pytest.approx(statistics.median(acks))
        assert idx.median_resolve_days == pytest.approx(
            statistics.median(clock.hours_between(r.created_at, r.resolved_at) / 8 for r in resolved)
        )
        assert idx.on_time_share == pytest.approx(
            sum(1 for r in with_due if r.resolved_at <= r.resolve_due) / len(with_due)
        )
        answered = [r for r in mine if r.resolved_at]
        assert idx.reopen_rate == pytest.approx(sum(1 for r in answered if r.reopened) / len(answered))
        assert idx.withdrawn == sum(1 for r in mine if r.status == "withdrawn")
        assert idx.open == len(open_)
        assert idx.overdue_open == len(late)
    table = ranking(indexes, NAMES, min_cases=10)
    ranked = [w for w in table if w.rank is not None]
    assert [w.rank for w in ranked] == list(range(1, len(ranked) + 1))
    scores = [w.index.score for w in ranked]
    assert scores == sorted(scores, reverse=True)
    totals = category_indexes(rows, NOW)
    assert sum(i.cases for i in totals.values()) == 10_000
    assert len(overdue_cases(rows, NOW)) == sum(i.overdue_open for i in indexes.values())

"""The accountability report: how the wards received, answered and satisfied complaints in a period.

Two kinds of page, both self-contained HTML in Vietnamese rendered from Jinja2 templates
(`bot/templates/`, autoescaped) with the chart embedded as a base64 PNG:

- for the whole city (`ward=None`): every ward's figures and ranking, categories, trend and the
  overdue cases;
- for one ward (`ward=CODE`): one printable A4 page for a council session: cases by category
  against the city median, on time, escalated, late results, satisfaction with its n, reopen rate,
  the ward's published pledges and reform tasks with their status, the overdue cases by code and
  category only.

Honest figures: counts on integer axes; a percentage always with its n and replaced by "chưa đủ số
liệu" below `report.min_n`; durations in working time (as the deadlines); the trend by month over
three months, else by week, never past today. The formulas are in `bot.satisfaction`.

Only case codes, wards, routes, categories, statuses, times and ratings are read: never a
citizen's identity, contact, description or user id.

matplotlib is imported inside the drawing function, so the bot's start-up does not pay for it.
"""

from __future__ import annotations

import argparse
import base64
import io
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.categories import CATEGORY_LABELS
from bot.satisfaction import (
    MIN_CASES,
    UNRANKED,
    CaseRow,
    CaseTable,
    Index,
    PeriodTrend,
    RankedWard,
    WorkingClock,
    category_indexes,
    city_counts,
    city_medians,
    fetch_rows,
    index_of,
    is_monthly,
    overdue_cases,
    ranking,
    trend,
    ward_indexes,
    working_durations,
)

if TYPE_CHECKING:
    from jinja2 import Environment

    from bot.app import Loaded
    from bot.commitments import Commitment
    from bot.complaints.store import Store
    from bot.config import Config

FONT = "DejaVu Sans"  # ships with matplotlib and covers Vietnamese diacritics
DASH = "—"
NOT_ENOUGH = UNRANKED  # "chưa đủ số liệu"
MAX_OVERDUE_ON_PAGE = 45  # the one-page ward report lists this many overdue codes, then counts the rest
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True)
class ReportPaths:
    html: Path
    png: Path
    pdf: Path | None = None


@dataclass(frozen=True)
class CategoryLine:
    category: str
    label: str
    cases: int
    city_median: float


@dataclass(frozen=True)
class Pledge:
    """A published pledge or reform task of the ward, as the report shows it."""

    kind: str  # "pledge" or "task"
    title: str
    source: str
    sample: bool
    deadline: date | None = None
    status: str | None = None  # with the overdue rule applied
    overdue: bool = False


@dataclass(frozen=True)
class Figures:
    """Everything the report shows, computed once for the chart and the page."""

    start: date
    end: date
    today: date  # local date of `generated_at`: periods after it are not shown
    ward: str | None  # None: every ward
    scope: str  # "Phường Bến Thành" or "Tất cả 6 phường"
    timezone: str
    generated_at: datetime  # aware, UTC
    min_cases: int  # to be ranked
    min_n: int  # to show a percentage
    hours_per_day: float
    summary: Index
    city: Index  # every ward, for comparison on the ward page
    wards: list[RankedWard]
    categories: dict[str, Index]
    category_lines: list[CategoryLine]  # cases by category against the city median (ward page)
    periods: list[PeriodTrend]
    overdue: list[CaseRow]
    ward_names: dict[str, str]
    pledges: list[Pledge]

    @property
    def monthly(self) -> bool:
        return is_monthly(self.start, self.end)


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the deployment's time zone, as UTC datetimes."""
    since = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return since, until


def ward_pledges(commitments: Iterable[Commitment], ward: str, today: date) -> list[Pledge]:
    """The ward's own published pledges and reform tasks, tasks with their overdue-aware status."""
    result = []
    for item in commitments:
        if item.unit != f"ward:{ward}" or item.kind not in ("pledge", "task"):
            continue
        result.append(
            Pledge(
                kind=item.kind,
                title=item.title,
                source=item.source.document,
                sample=item.sample,
                deadline=item.deadline,
                status=item.status_label(today),
                overdue=item.is_overdue(today),
            )
        )
    result.sort(key=lambda p: (p.kind != "pledge", p.deadline or date.max, p.title))
    return result


def compute_figures(
    store: Store,
    config: Config,
    start: date,
    end: date,
    ward: str | None = None,
    *,
    min_cases: int = MIN_CASES,
    now: datetime | None = None,
    commitments: Iterable[Commitment] = (),
    rows: Sequence[CaseRow] | None = None,
) -> Figures:
    """Read the cases created from `start` to `end` (inclusive, local dates) and compute the figures.

    `rows` (the cases of the period, of every ward or at least of `ward`) may be passed in when
    several reports share them.
    """
    from bot.complaints.deadlines import calendar

    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    tz = ZoneInfo(config.timezone)
    now = now or store.clock()
    today = now.astimezone(tz).date()
    names = {w.code: w.name for w in config.wards}
    since, until = period_bounds(start, end, tz)
    if ward is None:
        mine = rows if rows is not None else fetch_rows(store, since, until)
    else:
        mine = [r for r in rows if r.ward_code == ward] if rows is not None else fetch_rows(store, since, until, ward)
    clock = WorkingClock.for_rows(calendar(config), mine, now)
    durations = working_durations(mine, clock)
    codes = [ward] if ward is not None else list(names)
    scope = names.get(ward, ward) if ward is not None else f"Tất cả {len(names)} phường"
    table = CaseTable(mine, now, durations)
    categories = category_indexes(mine, now, table=table)
    lines: list[CategoryLine] = []
    city = index_of((), now)
    if ward is not None:
        # The rest of the city is aggregated in SQL: a ward's page never loads other wards' rows.
        city, counts = city_counts(store, since, until, now)
        medians = city_medians(counts, list(names))
        own = counts.get(ward, {})
        lines = [
            CategoryLine(c, label, own.get(c, 0), medians[c])
            for c, label in CATEGORY_LABELS.items()
            if own.get(c, 0) or medians[c]
        ]
    return Figures(
        start=start,
        end=end,
        today=today,
        ward=ward,
        scope=scope,
        timezone=config.timezone,
        generated_at=now.astimezone(UTC),
        min_cases=min_cases,
        min_n=config.report.min_n,
        hours_per_day=clock.hours_per_day,
        summary=table.total(),
        city=city,
        wards=ranking(ward_indexes(mine, now, codes, table=table), names, min_cases) if ward is None else [],
        categories=categories,
        category_lines=lines,
        periods=trend(mine, tz, start, end, today),
        overdue=overdue_cases(mine, now),
        ward_names=names,
        pledges=ward_pledges(commitments, ward, today) if ward is not None else [],
    )


# -- formatting (Vietnamese conventions: 1.234 and 12,5) ------------------------------------


def fmt_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def fmt_number(value: float | None, decimals: int = 1) -> str:
    return DASH if value is None else f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def fmt_share(numerator: int, n: int, min_n: int) -> str:
    """A percentage with its n, or "chưa đủ số liệu" with the n when n < min_n."""
    if n < min_n:
        return f"{NOT_ENOUGH} (n = {fmt_int(n)})"
    return f"{100 * numerator / n:.1f}%".replace(".", ",") + f" (n = {fmt_int(n)})"


def fmt_date(value: date) -> str:
    return f"{value:%d/%m/%Y}"


# -- chart ----------------------------------------------------------------------------------


def chart_png(figures: Figures, *, compact: bool = False) -> bytes:
    """The report's chart as PNG bytes: cases by category (against the city median for one ward) and
    the new and resolved cases per month or week. Count axes show whole numbers only."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    size = (7.6, 3.3) if compact else (11, 7.5)
    with matplotlib.rc_context({"font.family": FONT, "font.size": 8 if compact else 10, "axes.titleweight": "bold"}):
        fig = Figure(figsize=size, dpi=130 if compact else 100, layout="constrained")
        FigureCanvasAgg(fig)  # Agg: renders to memory, no display needed
        if not compact:
            fig.suptitle(
                f"Phản ánh từ {fmt_date(figures.start)} đến {fmt_date(figures.end)} — {figures.scope}", fontsize=13
            )
        cat_ax, trend_ax = fig.subplots(1, 2, width_ratios=[1, 1.15]) if compact else fig.subplots(2, 1)

        if figures.ward is not None:
            lines = figures.category_lines
            labels = [line.label for line in lines]
            own = [line.cases for line in lines]
            median = [line.city_median for line in lines]
            cat_ax.set_title("Số phản ánh theo nhóm hành vi")
        else:
            labels = [CATEGORY_LABELS.get(c, c) for c in figures.categories]
            own = [idx.cases for idx in figures.categories.values()]
            median = []
            cat_ax.set_title("Số phản ánh theo nhóm hành vi")
        if labels:
            positions = list(range(len(labels)))[::-1]
            height = 0.4 if median else 0.7
            bars = cat_ax.barh(
                [p + (height / 2 if median else 0) for p in positions],
                own,
                height=height,
                color="#1f5f9e",
                label=figures.scope if figures.ward else "Số phản ánh",
            )
            cat_ax.bar_label(bars, labels=[fmt_int(v) for v in own], padding=2, fontsize=7 if compact else 9)
            if median:
                cat_ax.barh(
                    [p - height / 2 for p in positions],
                    median,
                    height=height,
                    color="#b8c4d0",
                    label="Trung vị các phường",
                )
                cat_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=7 if compact else 9)
            cat_ax.set_yticks(positions, labels)
            cat_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            cat_ax.set_xlim(0, max([*own, *median, 1]) * 1.2)
            cat_ax.set_xlabel("Số phản ánh")
        else:
            cat_ax.text(0.5, 0.5, "Không có phản ánh trong kỳ", ha="center", va="center", transform=cat_ax.transAxes)
            cat_ax.set_axis_off()

        periods = figures.periods
        trend_ax.set_title("Theo tháng gửi" if figures.monthly else "Theo tuần gửi (ngày đầu tuần)")
        x = list(range(len(periods)))
        width = 0.4
        trend_ax.bar([i - width / 2 for i in x], [p.new for p in periods], width, color="#1f5f9e", label="Mới")
        trend_ax.bar(
            [i + width / 2 for i in x], [p.resolved for p in periods], width, color="#2f855a", label="Đã giải quyết"
        )
        step = max(1, -(-len(periods) // 7))  # at most 7 labels, so they never overlap
        ticks = x[::step]
        names = [p.label if p.monthly else f"{p.first:%d/%m}" for p in periods]
        trend_ax.set_xticks(
            ticks, [names[i] for i in ticks], rotation=30 if compact else 0, fontsize=7 if compact else 9
        )
        trend_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        trend_ax.set_ylim(bottom=0, top=max([p.new for p in periods] + [1]) * 1.15)
        trend_ax.set_ylabel("Số phản ánh")
        trend_ax.grid(axis="y", alpha=0.3)
        trend_ax.legend(loc="upper left", fontsize=7 if compact else 9)

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def report_png(
    store: Store, config: Config, start: date, end: date, ward: str | None = None, *, min_cases: int = MIN_CASES
) -> bytes:
    """Just the chart, as PNG bytes (e.g. to send to a Telegram group)."""
    return chart_png(compute_figures(store, config, start, end, ward, min_cases=min_cases))


# -- HTML -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the report and public-site templates (autoescape on, strict)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        int=fmt_int,
        number=fmt_number,
        date=fmt_date,
        category=lambda c: CATEGORY_LABELS.get(c, c),
    )
    return env


def _local(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%H:%M %d/%m/%Y}"


@dataclass(frozen=True)
class Card:
    """One key figure: its value, the n behind a percentage, and whether it could not be computed."""

    label: str
    value: str
    n: int | None = None
    na: bool = False


def _share_card(label: str, numerator: int, n: int, min_n: int) -> Card:
    if n < min_n:
        return Card(label, NOT_ENOUGH, n, True)
    return Card(label, f"{100 * numerator / n:.1f}%".replace(".", ","), n)


def _duration_card(label: str, value: float | None, n: int, min_n: int, unit: str) -> Card:
    """A median duration, or "chưa đủ số liệu" when fewer than `min_n` cases are behind it."""
    if value is None or n < min_n:
        return Card(label, NOT_ENOUGH, n, True)
    return Card(label, f"{fmt_number(value)} {unit}", n)


def key_cards(s: Index, min_n: int) -> list[Card]:
    """The key figures of a report, percentages with their n."""
    return [
        Card("Số phản ánh", fmt_int(s.cases)),
        _share_card("Giải quyết đúng hạn", s.on_time, s.with_deadline, min_n),
        _share_card("Người dân hài lòng (4–5 sao)", s.satisfied, s.rated, min_n),
        _share_card("Bị mở lại sau khi trả lời", s.reopened_cases, s.answered, min_n),
        Card("Quá hạn đang mở", fmt_int(s.overdue_open)),
        _duration_card("Trung vị thời gian tiếp nhận", s.median_ack_hours, s.acknowledged, min_n, "giờ làm việc"),
        _duration_card("Trung vị thời gian giải quyết", s.median_resolve_days, s.resolved, min_n, "ngày làm việc"),
    ]


def status_rows(s: Index) -> list[tuple[str, int, str]]:
    """Where the cases stand, withdrawn, escalated and transferred ones as their own rows."""
    return [
        ("Tổng số", s.cases, ""),
        ("Đã giải quyết", s.resolved, ""),
        ("Đang xử lý", s.open, ""),
        ("trong đó quá hạn", s.overdue_open, "sub"),
        ("Người dân đã rút", s.withdrawn, ""),
        ("Bị báo lên cấp trên vì quá hạn", s.escalated, ""),
        ("Đang ở phường khác (được chuyển)", s.transferred, ""),
        ("Đang ở đơn vị giám sát", s.with_supervisor, ""),
        ("Về trễ hẹn trả kết quả", s.late_results, ""),
    ]


def _by_category(rows: Sequence[CaseRow]) -> list[tuple[str, list[str]]]:
    """Case codes grouped under their category label, categories in their usual order."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row.category, []).append(row.code)
    order = [c for c in CATEGORY_LABELS if c in groups] + sorted(c for c in groups if c not in CATEGORY_LABELS)
    return [(CATEGORY_LABELS.get(c, c), groups[c]) for c in order]


def render_html(figures: Figures, png: bytes) -> str:
    """The report page (one ward or every ward), self-contained, all text escaped by Jinja2."""
    from bot.complaints.texts import STAFF_STATUS_LABELS

    f = figures
    share = lambda num, n: fmt_share(num, n, f.min_n)  # noqa: E731

    def median(value: float | None, n: int) -> str:
        return NOT_ENOUGH if value is None or n < f.min_n else fmt_number(value)

    template = "report_ward.html.j2" if f.ward is not None else "report_city.html.j2"
    shown = f.overdue[:MAX_OVERDUE_ON_PAGE] if f.ward is not None else f.overdue
    return (
        environment()
        .get_template(template)
        .render(
            f=f,
            s=f.summary,
            share=share,
            median=median,
            period=f"{fmt_date(f.start)} – {fmt_date(f.end)}",
            generated=_local(f.generated_at, f.timezone),
            chart=base64.b64encode(png).decode("ascii"),
            status_labels=STAFF_STATUS_LABELS,
            overdue_shown=shown,
            overdue_groups=_by_category(shown) if f.ward is not None else [],
            not_enough=NOT_ENOUGH,
            cards=key_cards(f.summary, f.min_n),
            status_rows=status_rows(f.summary),
        )
    )


# -- files and command line -----------------------------------------------------------------


def find_chromium() -> str | None:
    """A Chromium (or Chrome) executable for printing to PDF, if one is installed."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def print_pdf(html_path: Path, pdf_path: Path, chromium: str) -> None:
    """Print the page to PDF with headless Chromium (the page's own print CSS sets A4)."""
    with tempfile.TemporaryDirectory() as profile:
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
        ]
        subprocess.run([chromium, *flags, html_path.resolve().as_uri()], capture_output=True, timeout=120, check=True)


def build_report(
    store: Store,
    config: Config,
    start: date,
    end: date,
    ward: str | None,
    out_dir: Path,
    *,
    min_cases: int = MIN_CASES,
    commitments: Iterable[Commitment] = (),
    pdf: bool = False,
    now: datetime | None = None,
) -> ReportPaths:
    """Write `bao-cao_<start>_<end>[_<ward>].html` and `.png` (and `.pdf` when asked and Chromium
    is installed) into `out_dir`; return their paths."""
    figures = compute_figures(store, config, start, end, ward, min_cases=min_cases, commitments=commitments, now=now)
    png = chart_png(figures, compact=ward is not None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bao-cao_{start.isoformat()}_{end.isoformat()}" + (f"_{ward}" if ward else "")
    paths = ReportPaths(html=out_dir / f"{stem}.html", png=out_dir / f"{stem}.png")
    paths.png.write_bytes(png)
    paths.html.write_text(render_html(figures, png), encoding="utf-8")
    if pdf:
        chromium = find_chromium()
        if chromium is None:
            raise FileNotFoundError("chromium")
        pdf_path = out_dir / f"{stem}.pdf"
        print_pdf(paths.html, pdf_path, chromium)
        paths = ReportPaths(paths.html, paths.png, pdf_path)
    return paths


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"Ngày {option} không hợp lệ: {text!r}. Hãy viết theo dạng NĂM-THÁNG-NGÀY, ví dụ 2026-01-31."
        ) from None


def default_period(today: date, months: int) -> tuple[date, date]:
    """The `months` calendar months up to today: from the first day of the month `months - 1` back."""
    month = today.year * 12 + today.month - 1 - (months - 1)
    return date(month // 12, month % 12 + 1, 1), today


def report_command(loaded: Loaded, args: argparse.Namespace) -> int:
    """`python -m bot report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--ward CODE] [--out DIR] [--pdf]`.

    Without dates: the last `report.publish_months` calendar months up to today.
    """
    config = loaded.config
    today = datetime.now(ZoneInfo(config.timezone)).date()
    default_start, default_end = default_period(today, config.report.publish_months)
    try:
        start = _parse_day(args.date_from, "--from") if args.date_from else default_start
        end = _parse_day(args.date_to, "--to") if args.date_to else default_end
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if start > end:
        print(
            f"Ngày bắt đầu ({fmt_date(start)}) phải trước hoặc bằng ngày kết thúc ({fmt_date(end)}).", file=sys.stderr
        )
        return 2
    if args.ward is not None and config.ward(args.ward) is None:
        print(
            f"Không có phường mã {args.ward!r} trong cấu hình ({len(config.wards)} phường). "
            "Xem danh sách mã bằng lệnh: python -m bot check, hoặc trong config.yaml.",
            file=sys.stderr,
        )
        return 2
    if getattr(args, "pdf", False) and find_chromium() is None:
        print(
            "Không tìm thấy Chromium để in PDF; hãy cài gói chromium hoặc bỏ --pdf (trang HTML in được A4).",
            file=sys.stderr,
        )
        return 2
    from bot.app import open_store

    out_dir = args.out if args.out is not None else loaded.config_path.parent / "reports"
    store = open_store(loaded)
    try:
        paths = build_report(
            store,
            config,
            start,
            end,
            args.ward,
            out_dir,
            min_cases=config.complaints.report_min_cases,
            commitments=loaded.knowledge.commitments.values(),
            pdf=getattr(args, "pdf", False),
        )
    finally:
        store.close()
    print(paths.html)
    print(paths.png)
    if paths.pdf:
        print(paths.pdf)
    return 0

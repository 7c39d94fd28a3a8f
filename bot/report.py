"""The accountability report: how the wards received, answered and satisfied complaints in a period.

`build_report(store, config, start, end, ward, out_dir)` writes two files and returns their paths:

- a PNG chart (matplotlib, Agg canvas): cases per ward with the share resolved on time, and the
  weekly trend of new and resolved cases;
- a self-contained HTML page in Vietnamese (inline CSS, the chart embedded as a base64 data URI, no
  external asset): period and scope, summary figures, the index per ward with the ranking, a table
  per category, the weekly trend and the list of overdue open cases.

`report_png(...)` gives just the chart's PNG bytes, e.g. to post in a ward's Telegram group.

The figures and their formulas are in `bot.satisfaction`. Only case codes, wards, categories,
statuses, times and ratings are read: never a citizen's identity, contact, description or user id.
Every text written into the HTML goes through `html.escape`.

matplotlib is imported inside the drawing function, so the bot's start-up does not pay for it.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.categories import CATEGORY_LABELS
from bot.satisfaction import (
    MIN_CASES,
    CaseRow,
    Index,
    RankedWard,
    WeekTrend,
    category_indexes,
    current_due,
    fetch_rows,
    index_of,
    overdue_cases,
    ranking,
    ward_indexes,
    weekly_trend,
)

if TYPE_CHECKING:
    from bot.app import Loaded
    from bot.complaints.store import Store
    from bot.config import Config

FONT = "DejaVu Sans"  # ships with matplotlib and covers Vietnamese diacritics
DASH = "—"


@dataclass(frozen=True)
class ReportPaths:
    html: Path
    png: Path


@dataclass(frozen=True)
class Figures:
    """Everything the report shows, computed once for the chart and the page."""

    start: date
    end: date
    ward: str | None  # None: every ward
    scope: str  # "Phường Bến Thành" or "Tất cả 6 phường"
    timezone: str
    generated_at: datetime  # aware, UTC
    min_cases: int
    summary: Index
    wards: list[RankedWard]
    categories: dict[str, Index]
    weeks: list[WeekTrend]
    overdue: list[CaseRow]
    ward_names: dict[str, str]


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the deployment's time zone, as UTC datetimes."""
    since = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return since, until


def compute_figures(
    store: Store,
    config: Config,
    start: date,
    end: date,
    ward: str | None = None,
    *,
    min_cases: int = MIN_CASES,
    now: datetime | None = None,
) -> Figures:
    """Read the cases created from `start` to `end` (inclusive, local dates) and compute the figures."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    tz = ZoneInfo(config.timezone)
    now = now or store.clock()
    names = {w.code: w.name for w in config.wards}
    since, until = period_bounds(start, end, tz)
    rows = fetch_rows(store, since, until, ward)
    codes = [ward] if ward is not None else list(names)
    indexes = ward_indexes(rows, now, codes)
    scope = names.get(ward, ward) if ward is not None else f"Tất cả {len(names)} phường"
    return Figures(
        start=start,
        end=end,
        ward=ward,
        scope=scope,
        timezone=config.timezone,
        generated_at=now.astimezone(UTC),
        min_cases=min_cases,
        summary=index_of(rows, now),
        wards=ranking(indexes, names, min_cases),
        categories=category_indexes(rows, now),
        weeks=weekly_trend(rows, tz, start, end),
        overdue=overdue_cases(rows, now),
        ward_names=names,
    )


# -- formatting (Vietnamese conventions: 1.234 and 12,5) ------------------------------------


def fmt_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def fmt_pct(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%".replace(".", ",")


def fmt_days(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}".replace(".", ",")


def fmt_score(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}".replace(".", ",")


def fmt_date(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _short(name: str) -> str:
    for prefix in ("Phường ", "Xã ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# -- chart ----------------------------------------------------------------------------------


def chart_png(figures: Figures) -> bytes:
    """The report's chart as PNG bytes: cases and on-time share per ward (per category when the report
    covers one ward), and the weekly trend of new and resolved cases."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    if figures.ward is None:
        order = {code: n for n, code in enumerate(figures.ward_names)}
        in_order = sorted(figures.wards, key=lambda w: (order.get(w.code, len(order)), w.code))
        groups = [(_short(w.name), w.index) for w in in_order]
        top_title = "Số phản ánh và tỷ lệ giải quyết đúng hạn theo phường"
    else:
        groups = [(CATEGORY_LABELS.get(c, c), idx) for c, idx in figures.categories.items()]
        top_title = f"{figures.scope}: số phản ánh và tỷ lệ đúng hạn theo nhóm hành vi"

    with matplotlib.rc_context({"font.family": FONT, "font.size": 10, "axes.titleweight": "bold"}):
        fig = Figure(figsize=(11, 8.5), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)  # Agg: renders to memory, no display needed
        fig.suptitle(
            f"Phản ánh từ {fmt_date(figures.start)} đến {fmt_date(figures.end)} — {figures.scope}", fontsize=13
        )
        bars_ax, trend_ax = fig.subplots(2, 1, height_ratios=[1.1, 1])

        bars_ax.set_title(top_title)
        if groups:
            positions = list(range(len(groups)))
            counts = [idx.cases for _, idx in groups]
            bars = bars_ax.bar(positions, counts, color="#2b6cb0", label="Số phản ánh")
            bars_ax.bar_label(bars, labels=[fmt_int(c) for c in counts], padding=2, fontsize=9)
            bars_ax.set_xticks(positions, [label for label, _ in groups], rotation=20 if len(groups) > 4 else 0)
            bars_ax.set_ylabel("Số phản ánh")
            bars_ax.set_ylim(0, max([*counts, 1]) * 1.3)  # headroom for the legend
            share_ax = bars_ax.twinx()
            shares = [idx.on_time_share for _, idx in groups]
            shown = [(p, 100 * s) for p, s in zip(positions, shares, strict=True) if s is not None]
            if shown:
                share_ax.plot(
                    [p for p, _ in shown],
                    [s for _, s in shown],
                    linestyle="none",
                    marker="D",
                    markersize=8,
                    color="#c05621",
                    label="Giải quyết đúng hạn (%)",
                )
            share_ax.set_ylim(0, 105)
            share_ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            share_ax.set_ylabel("Đúng hạn")
            handles = bars_ax.get_legend_handles_labels()
            more = share_ax.get_legend_handles_labels()
            bars_ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", ncols=2, fontsize=9)
        else:
            bars_ax.text(0.5, 0.5, "Không có phản ánh trong kỳ", ha="center", va="center", transform=bars_ax.transAxes)
            bars_ax.set_axis_off()

        trend_ax.set_title("Xu hướng theo tuần (tuần ISO của ngày gửi)")
        weeks = figures.weeks
        x = list(range(len(weeks)))
        trend_ax.plot(x, [w.new for w in weeks], marker="o", markersize=3, color="#2b6cb0", label="Phản ánh mới")
        trend_ax.plot(
            x, [w.resolved for w in weeks], marker="o", markersize=3, color="#2f855a", label="Trong đó đã giải quyết"
        )
        step = max(1, len(weeks) // 14)
        ticks = x[::step]
        trend_ax.set_xticks(ticks, [weeks[i].label for i in ticks], rotation=30, fontsize=8)
        trend_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        trend_ax.set_ylim(bottom=0)
        trend_ax.set_ylabel("Số phản ánh")
        trend_ax.grid(axis="y", alpha=0.3)
        trend_ax.legend(loc="upper left", fontsize=9)

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def report_png(
    store: Store, config: Config, start: date, end: date, ward: str | None = None, *, min_cases: int = MIN_CASES
) -> bytes:
    """Just the chart, as PNG bytes (e.g. to send to a Telegram group)."""
    return chart_png(compute_figures(store, config, start, end, ward, min_cases=min_cases))


# -- HTML -----------------------------------------------------------------------------------

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1a202c; margin: 2rem auto;
       max-width: 1150px; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #2b6cb0; padding-bottom: .2rem; }
.meta { color: #4a5568; margin: .2rem 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: .8rem; margin-top: 1rem; }
.card { border: 1px solid #cbd5e0; border-radius: 6px; padding: .6rem .8rem; background: #f7fafc; }
.card .value { font-size: 1.5rem; font-weight: bold; color: #2b6cb0; }
.card .label { font-size: .9rem; color: #4a5568; }
table { border-collapse: collapse; width: 100%; margin-top: .6rem; font-size: .92rem; }
th, td { border: 1px solid #cbd5e0; padding: .35rem .5rem; text-align: right; }
th { background: #edf2f7; }
td.text, th.text { text-align: left; }
td.text { white-space: nowrap; }
tr.unranked td { color: #718096; }
td.late { color: #c53030; font-weight: bold; }
img.chart { max-width: 100%; height: auto; border: 1px solid #cbd5e0; margin-top: 1rem; }
.notes { font-size: .88rem; color: #4a5568; }
@media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""

# Records in the page itself that the embedded chart decoded (body data-chart = its pixel width).
CHART_SCRIPT = """
(function () {
  var img = document.getElementById("chart");
  function done() { document.body.dataset.chart = String(img.naturalWidth); }
  if (img.complete) { done(); } else { img.addEventListener("load", done); img.addEventListener("error", done); }
})();
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], text_columns: int = 1, classes=None) -> str:
    head = "".join(
        f'<th class="text">{_e(h)}</th>' if i < text_columns else f"<th>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    body = []
    for n, row in enumerate(rows):
        cells = "".join(
            f'<td class="text">{_e(v)}</td>' if i < text_columns else f"<td>{_e(v)}</td>" for i, v in enumerate(row)
        )
        css = f' class="{_e(classes[n])}"' if classes and classes[n] else ""
        body.append(f"<tr{css}>{cells}</tr>")
    if not body:
        body.append(f'<tr><td class="text" colspan="{len(headers)}">Không có.</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _rated(index: Index) -> str:
    share = fmt_pct(index.satisfied_share)
    return share if index.rated == 0 else f"{share} ({fmt_int(index.rated)})"


def render_html(figures: Figures, png: bytes) -> str:
    """The report page, self-contained, all text escaped."""
    from bot.complaints.texts import STAFF_STATUS_LABELS

    s = figures.summary
    period = f"{fmt_date(figures.start)} – {fmt_date(figures.end)}"
    tz = ZoneInfo(figures.timezone)
    generated = figures.generated_at.astimezone(tz)
    cards = [
        ("Số phản ánh", fmt_int(s.cases)),
        ("Đã giải quyết", fmt_int(s.resolved)),
        ("Giải quyết đúng hạn", fmt_pct(s.on_time_share)),
        ("Người dân hài lòng (đánh giá 4–5)", fmt_pct(s.satisfied_share)),
        ("Trung vị thời gian tiếp nhận (ngày)", fmt_days(s.median_ack_days)),
        ("Trung vị thời gian giải quyết (ngày)", fmt_days(s.median_resolve_days)),
        ("Tỷ lệ bị mở lại", fmt_pct(s.reopen_rate)),
        ("Quá hạn đang mở", fmt_int(s.overdue_open)),
    ]
    cards_html = "".join(
        f'<div class="card"><div class="value">{_e(v)}</div><div class="label">{_e(k)}</div></div>' for k, v in cards
    )

    ward_rows = [
        [
            w.rank_label,
            w.name,
            fmt_int(w.index.cases),
            _rated(w.index),
            fmt_days(w.index.median_ack_days),
            fmt_days(w.index.median_resolve_days),
            fmt_pct(w.index.on_time_share),
            fmt_pct(w.index.reopen_rate),
            fmt_int(w.index.overdue_open),
            fmt_score(w.index.score) if w.rank is not None else DASH,
        ]
        for w in figures.wards
    ]
    ward_table = _table(
        [
            "Hạng",
            "Phường",
            "Số phản ánh",
            "Hài lòng (số đánh giá)",
            "Trung vị tiếp nhận (ngày)",
            "Trung vị giải quyết (ngày)",
            "Đúng hạn",
            "Bị mở lại",
            "Quá hạn đang mở",
            "Điểm",
        ],
        ward_rows,
        text_columns=2,
        classes=["" if w.rank is not None else "unranked" for w in figures.wards],
    )

    category_rows = [
        [
            CATEGORY_LABELS.get(c, c),
            fmt_int(idx.cases),
            fmt_int(idx.resolved),
            fmt_pct(idx.on_time_share),
            _rated(idx),
            fmt_int(idx.overdue_open),
        ]
        for c, idx in figures.categories.items()
    ]
    category_table = _table(
        ["Nhóm hành vi", "Số phản ánh", "Đã giải quyết", "Đúng hạn", "Hài lòng (số đánh giá)", "Quá hạn đang mở"],
        category_rows,
    )

    week_rows = [[w.label, fmt_date(w.monday), fmt_int(w.new), fmt_int(w.resolved)] for w in figures.weeks]
    week_table = _table(["Tuần", "Từ thứ Hai", "Phản ánh mới", "Trong đó đã giải quyết"], week_rows, text_columns=2)

    overdue_rows = []
    for row in figures.overdue:
        due = current_due(row)
        overdue_rows.append(
            [
                row.code,
                figures.ward_names.get(row.ward_code, row.ward_code),
                CATEGORY_LABELS.get(row.category, row.category),
                STAFF_STATUS_LABELS.get(row.status, row.status),
                f"{row.created_at.astimezone(tz):%d/%m/%Y}",
                f"{due.astimezone(tz):%d/%m/%Y %H:%M}" if due else DASH,
            ]
        )
    overdue_table = _table(
        ["Mã phản ánh", "Phường", "Nhóm hành vi", "Tình trạng", "Ngày gửi", "Hạn đang chạy"],
        overdue_rows,
        text_columns=4,
    )

    chart = base64.b64encode(png).decode("ascii")
    title = f"Báo cáo trách nhiệm giải trình: phản ánh {period} — {figures.scope}"
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>Báo cáo trách nhiệm giải trình về tiếp nhận và xử lý phản ánh</h1>
<p class="meta">Kỳ báo cáo: <strong>{_e(period)}</strong> (theo ngày người dân gửi phản ánh) · Phạm vi: <strong>{_e(figures.scope)}</strong></p>
<p class="meta">Lập lúc {_e(f"{generated:%H:%M %d/%m/%Y}")} (giờ {_e(figures.timezone)}); tình trạng quá hạn tính đến thời điểm này.</p>

<h2>Tổng quan</h2>
<div class="cards">{cards_html}</div>
<img id="chart" class="chart" alt="{_e("Biểu đồ: số phản ánh, tỷ lệ đúng hạn và xu hướng theo tuần")}" src="data:image/png;base64,{chart}">

<h2>Chỉ số theo phường</h2>
<p class="notes">Chỉ xếp hạng phường có từ {_e(fmt_int(figures.min_cases))} phản ánh trở lên trong kỳ; phường ít hơn ghi “{_e("chưa đủ số liệu")}”.</p>
{ward_table}

<h2>Theo nhóm hành vi</h2>
{category_table}

<h2>Xu hướng theo tuần</h2>
{week_table}

<h2>Phản ánh quá hạn đang mở ({_e(fmt_int(len(figures.overdue)))})</h2>
{overdue_table}

<h2>Cách tính</h2>
<ul class="notes">
<li>Hài lòng: số phản ánh được đánh giá 4 hoặc 5 sao chia cho số phản ánh đã được đánh giá.</li>
<li>Thời gian tiếp nhận, giải quyết: trung vị của (thời điểm tiếp nhận hoặc giải quyết − thời điểm gửi), tính bằng ngày lịch.</li>
<li>Đúng hạn: số phản ánh đã giải quyết trước hoặc đúng hạn chia cho số phản ánh đã giải quyết có hạn xử lý.</li>
<li>Bị mở lại: số phản ánh người dân mở lại ít nhất một lần chia cho tổng số phản ánh.</li>
<li>Quá hạn đang mở: phản ánh chưa giải quyết đã bị chuyển cấp vì quá hạn, hoặc đã đến hạn đang chạy (hạn tiếp nhận khi chờ tiếp nhận hay được mở lại, hạn xử lý trong các trường hợp khác) mà chưa xong.</li>
<li>Điểm (0–100, để xếp hạng): trung bình của tỷ lệ đúng hạn, tỷ lệ hài lòng, (1 − tỷ lệ bị mở lại) và (1 − tỷ lệ quá hạn đang mở); bằng điểm thì phường giải quyết nhanh hơn xếp trên.</li>
<li>Xu hướng theo tuần: số phản ánh gửi trong tuần và số trong đó đến nay đã được giải quyết.</li>
<li>Báo cáo không chứa thông tin cá nhân của người phản ánh.</li>
</ul>
<script>{CHART_SCRIPT}</script>
</body>
</html>
"""


# -- files and command line -----------------------------------------------------------------


def build_report(
    store: Store,
    config: Config,
    start: date,
    end: date,
    ward: str | None,
    out_dir: Path,
    *,
    min_cases: int = MIN_CASES,
) -> ReportPaths:
    """Write `bao-cao_<start>_<end>[_<ward>].html` and `.png` into `out_dir`; return their paths."""
    figures = compute_figures(store, config, start, end, ward, min_cases=min_cases)
    png = chart_png(figures)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bao-cao_{start.isoformat()}_{end.isoformat()}" + (f"_{ward}" if ward else "")
    paths = ReportPaths(html=out_dir / f"{stem}.html", png=out_dir / f"{stem}.png")
    paths.png.write_bytes(png)
    paths.html.write_text(render_html(figures, png), encoding="utf-8")
    return paths


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"Ngày {option} không hợp lệ: {text!r}. Hãy viết theo dạng NĂM-THÁNG-NGÀY, ví dụ 2026-01-31."
        ) from None


def report_command(loaded: Loaded, args: argparse.Namespace) -> int:
    """`python -m bot report --from YYYY-MM-DD --to YYYY-MM-DD [--ward CODE] [--out DIR]`."""
    try:
        start = _parse_day(args.date_from, "--from")
        end = _parse_day(args.date_to, "--to")
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if start > end:
        print(
            f"Ngày bắt đầu ({fmt_date(start)}) phải trước hoặc bằng ngày kết thúc ({fmt_date(end)}).", file=sys.stderr
        )
        return 2
    config = loaded.config
    if args.ward is not None and config.ward(args.ward) is None:
        known = ", ".join(f"{w.code} ({w.name})" for w in config.wards)
        print(f"Không có phường mã {args.ward!r} trong cấu hình. Các mã hợp lệ: {known}.", file=sys.stderr)
        return 2
    from bot.app import open_store

    out_dir = args.out if args.out is not None else loaded.config_path.parent / "reports"
    store = open_store(loaded)
    try:
        paths = build_report(
            store, config, start, end, args.ward, out_dir, min_cases=config.complaints.report_min_cases
        )
    finally:
        store.close()
    print(paths.html)
    print(paths.png)
    return 0

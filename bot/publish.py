"""The public site: how each ward answers complaints, for citizens (`python -m bot publish DIR`).

A static, self-contained site: `index.html` (every ward of the city) and `phuong/<code>.html` (one
page per ward), inline CSS, no script, no external asset, `lang="vi"`, real table headers, readable
on a 390 px phone and on a desktop. It holds no personal data and no free text from citizens: only
counts, shares and the wards' own published pledges and reform tasks.

Small counts are suppressed (`bot.disclosure`): a count under `report.suppress_below` (default 5)
reads "<5", and more cells are hidden ("ẩn") wherever a hidden count could be worked out from the
totals. Shares follow `report.min_n` and are banded when their numerator or its complement is small.

The bot regenerates the site once a day (`publish_if_due`, called from the Telegram adapter's job
queue). It is restart-safe: each file is written to a temporary name and renamed into place, and
the stamp `.published` (the local date) is written last, so a crash mid-way is simply redone.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.categories import CATEGORY_LABELS
from bot.disclosure import Group, public_share, show_count, suppress
from bot.satisfaction import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    CaseTable,
    WorkingClock,
    fetch_rows,
    trend,
    working_durations,
)

if TYPE_CHECKING:
    import argparse

    from bot.app import Loaded
    from bot.commitments import Commitment
    from bot.complaints.store import Store
    from bot.config import Config

STAMP = ".published"
WARD_DIR = "phuong"
CITY = "city"
STATUS_BUCKETS = (("done", "Đã giải quyết"), ("open", "Đang xử lý"), ("withdrawn", "Người dân đã rút"))


@dataclass(frozen=True)
class Site:
    """What `build_site` wrote."""

    index: Path
    ward_pages: list[Path]
    start: date
    end: date


def _bucket(status: str) -> str:
    if status in RESOLVED_STATUSES:
        return "done"
    if status in OPEN_STATUSES:
        return "open"
    return "withdrawn" if status == "withdrawn" else "done"


def write_atomically(path: Path, text: str) -> None:
    """Write a file so a reader (or a crash) never sees it half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a web server must read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_site(
    store: Store,
    config: Config,
    out_dir: Path,
    *,
    start: date,
    end: date,
    commitments: Iterable[Commitment] = (),
    now: datetime | None = None,
) -> Site:
    """Compute every ward's figures once, suppress small counts, render and write the site."""
    from bot.complaints.deadlines import calendar
    from bot.report import environment, fmt_date, fmt_number, period_bounds, ward_pledges

    tz = ZoneInfo(config.timezone)
    now = now or store.clock()
    today = now.astimezone(tz).date()
    k, min_n = config.report.suppress_below, config.report.min_n
    wards = [(w.code, w.name) for w in config.wards]
    codes = [code for code, _ in wards]
    known = set(codes)
    rows = [r for r in fetch_rows(store, *period_bounds(start, end, tz)) if r.ward_code in known]
    clock = WorkingClock.for_rows(calendar(config), rows, now)
    indexes = CaseTable(rows, now, working_durations(rows, clock)).grouped("ward_code", codes)
    by_ward: dict[str, list] = {code: [] for code in codes}
    for row in rows:
        by_ward[row.ward_code].append(row)

    # Every published count, keyed, and the sums a reader could use to work one out.
    values: dict[Hashable, int] = {("cases", CITY): len(rows), ("overdue", CITY): 0}
    groups: list[Group] = []
    periods: dict[str, list] = {}
    for code in codes:
        idx, mine = indexes[code], by_ward[code]
        values[("cases", code)] = idx.cases
        values[("overdue", code)] = idx.overdue_open
        values[("overdue", CITY)] += idx.overdue_open
        for name in ("escalated", "transferred", "with_supervisor", "late_results"):
            values[(name, code)] = getattr(idx, name)
        cats = Counter(r.category for r in mine)
        for category in CATEGORY_LABELS:
            values[("cat", code, category)] = cats.get(category, 0)
        groups.append(Group(tuple(("cat", code, c) for c in CATEGORY_LABELS), ("cases", code)))
        buckets = Counter(_bucket(r.status) for r in mine)
        for bucket, _ in STATUS_BUCKETS:
            values[("status", code, bucket)] = buckets.get(bucket, 0)
        groups.append(Group(tuple(("status", code, b) for b, _ in STATUS_BUCKETS), ("cases", code)))
        periods[code] = trend(mine, tz, start, end, today)
        for i, period in enumerate(periods[code]):
            values[("period", code, i)] = period.new
        groups.append(Group(tuple(("period", code, i) for i in range(len(periods[code]))), ("cases", code)))
    groups.append(Group(tuple(("cases", c) for c in codes), ("cases", CITY)))
    groups.append(Group(tuple(("overdue", c) for c in codes), ("overdue", CITY)))
    hidden = suppress(values, groups, k)

    def count(*key: Hashable) -> str:
        return show_count(key if len(key) > 1 else key[0], values, hidden, k)

    def share(numerator: int, n: int) -> tuple[str, int | None]:
        text = public_share(numerator, n, k, min_n)
        return (text, n) if text is not None else ("chưa đủ số liệu", None)

    env = environment()
    common = {
        "period": f"{fmt_date(start)} – {fmt_date(min(end, today))}",
        "generated": f"{now.astimezone(tz):%H:%M %d/%m/%Y}",
        "city": config.city,
        "k": k,
        "min_n": min_n,
        "hours_per_day": clock.hours_per_day,
    }
    out_dir = Path(out_dir)
    ward_pages = []
    commitments = list(commitments)
    summaries = []
    for code, name in wards:
        idx = indexes[code]
        summary = {
            "code": code,
            "name": name,
            "href": f"{WARD_DIR}/{code}.html",
            "cases": count("cases", code),
            "on_time": share(idx.on_time, idx.with_deadline),
            "satisfied": share(idx.satisfied, idx.rated),
            "overdue": count("overdue", code),
        }
        summaries.append(summary)
        resolve_days = idx.median_resolve_days if idx.resolved >= max(min_n, k) else None
        page = env.get_template("site_ward.html.j2").render(
            **common,
            w=summary,
            reopened=share(idx.reopened_cases, idx.answered),
            resolve_days=fmt_number(resolve_days) if resolve_days is not None else None,
            statuses=[(label, count("status", code, b)) for b, label in STATUS_BUCKETS],
            others=[
                ("Bị báo lên cấp trên vì quá hạn", count("escalated", code)),
                ("Đang ở phường khác (được chuyển)", count("transferred", code)),
                ("Đang ở đơn vị giám sát", count("with_supervisor", code)),
            ],
            categories=[(label, count("cat", code, c)) for c, label in CATEGORY_LABELS.items()],
            periods=[(p, count("period", code, i)) for i, p in enumerate(periods[code])],
            monthly=bool(periods[code]) and periods[code][0].monthly,
            pledges=ward_pledges(commitments, code, today),
        )
        path = out_dir / WARD_DIR / f"{code}.html"
        write_atomically(path, page)
        ward_pages.append(path)
    # Pages of wards no longer in the config would otherwise stay online with stale figures.
    current = {p.name for p in ward_pages}
    for stale in (out_dir / WARD_DIR).glob("*.html"):
        if stale.name not in current:
            stale.unlink()
    index = out_dir / "index.html"
    write_atomically(
        index,
        env.get_template("site_index.html.j2").render(
            **common,
            wards=summaries,
            total=count("cases", CITY),
            total_overdue=count("overdue", CITY),
        ),
    )
    write_atomically(out_dir / STAMP, today.isoformat() + "\n")
    return Site(index, ward_pages, start, end)


def published_on(out_dir: Path) -> date | None:
    """The local date of the last complete publication, from the stamp written last."""
    try:
        return date.fromisoformat((Path(out_dir) / STAMP).read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None


def publish_due(out_dir: Path, config: Config, now: datetime) -> bool:
    """True once a day: after `report.publish_time`, when today's site is not written yet."""
    local = now.astimezone(ZoneInfo(config.timezone))
    if local.time() < datetime.strptime(config.report.publish_time, "%H:%M").time():
        return False
    last = published_on(out_dir)
    return last is None or last < local.date()


def site_period(config: Config, today: date) -> tuple[date, date]:
    """The public site covers `report.publish_months` calendar months up to today."""
    from bot.report import default_period

    return default_period(today, config.report.publish_months)


def publish_if_due(
    store: Store, config: Config, out_dir: Path, commitments: Iterable[Commitment] = (), now: datetime | None = None
) -> Site | None:
    """The daily job: regenerate the site when due (see `publish_due`); None when nothing was due."""
    now = now or store.clock()
    if not publish_due(out_dir, config, now):
        return None
    start, end = site_period(config, now.astimezone(ZoneInfo(config.timezone)).date())
    return build_site(store, config, out_dir, start=start, end=end, commitments=commitments, now=now)


def publish_command(loaded: Loaded, args: argparse.Namespace) -> int:
    """`python -m bot publish [DIR]`: write the site now (DIR defaults to `report.publish_dir`)."""
    import sys

    from bot.app import open_store
    from bot.config import resolve

    config = loaded.config
    if args.dir is not None:
        out_dir = Path(args.dir)
    elif config.report.publish_dir:
        out_dir = resolve(loaded.config_path, config.report.publish_dir)
    else:
        print(
            "Cần thư mục đích: python -m bot publish THƯ_MỤC (hoặc đặt report.publish_dir trong config.yaml).",
            file=sys.stderr,
        )
        return 2
    if out_dir.exists() and not out_dir.is_dir():
        print(f"{out_dir} không phải là thư mục.", file=sys.stderr)
        return 2
    store = open_store(loaded)
    try:
        now = store.clock()
        start, end = site_period(config, now.astimezone(ZoneInfo(config.timezone)).date())
        site = build_site(
            store, config, out_dir, start=start, end=end, commitments=loaded.knowledge.commitments.values(), now=now
        )
    finally:
        store.close()
    print(site.index)
    print(f"{len(site.ward_pages)} trang phường trong {site.index.parent / WARD_DIR}")
    return 0

"""Accountability report and public site speed: 100,000 complaints over one year in a whole city.

Generates the complaints (seeded) across `--wards` wards (default 168, a whole city like Hồ Chí
Minh City; the configured wards first, then synthetic ones) in a temporary database (one bulk
insert), then times in this process: `build_report` for the whole year and every ward (matplotlib's
lazy import included: the bot never imports it before), each phase once more (reading the rows,
computing the figures, drawing the chart, writing the page), the one-page report of one ward, and
`build_site` (the public site: index + one page per ward). Target: the full report < 10 s; the
publish step is measured at the same size.

    python benchmarks/report_speed.py [--cases 100000] [--wards 168]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.categories import COMPLAINT_CATEGORIES  # noqa: E402
from bot.complaints.store import Store  # noqa: E402
from bot.config import Ward, load_config  # noqa: E402

START, END = date(2025, 1, 1), date(2025, 12, 31)
NOW = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)  # 2/1/2026 10:00 in Hồ Chí Minh City
TARGET_SECONDS = 10.0


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def generate(ward_codes: list[str], cases: int, seed: int = 2025) -> list[tuple]:
    """Rows for every NOT NULL column and the report's columns; older cases are mostly settled."""
    rng = random.Random(seed)
    weights = [rng.uniform(0.3, 3) for _ in ward_codes]  # uneven ward sizes
    first = datetime(2024, 12, 31, 17, 0, tzinfo=UTC)  # 1/1/2025 00:00 local
    span = int(timedelta(days=365).total_seconds())
    wards = rng.choices(ward_codes, weights, k=cases)
    rows = []
    for n, ward in enumerate(wards):
        created = first + timedelta(seconds=rng.randrange(span))
        age_days = (NOW - created).days
        roll = rng.random()
        if (age_days > 20 and roll < 0.97) or roll < 0.45:
            status = "closed" if rng.random() < 0.7 else "resolved"
        else:
            status = rng.choice(["new", "acknowledged", "acknowledged", "info_requested", "reopened", "withdrawn"])
        ack = created + timedelta(hours=rng.expovariate(1 / 10)) if status != "new" else None
        resolved = (
            created + timedelta(days=rng.expovariate(1 / 3)) if status in ("closed", "resolved", "reopened") else None
        )
        due = created + timedelta(days=5)
        rating = rng.choice([None, 1, 2, 3, 4, 4, 5, 5]) if status == "closed" else None
        reopened = 1 if status == "reopened" or rng.random() < 0.04 else 0
        level = 1 if status in ("new", "acknowledged", "reopened") and due < NOW and rng.random() < 0.5 else 0
        rows.append(
            (
                f"B{n:07d}",
                f"tg:{rng.randrange(10**9)}",
                ward,
                f"ward:{ward}",
                rng.choice(COMPLAINT_CATEGORIES),
                "hôm qua",
                "mô tả",
                status,
                f"fp{n}",
                iso(created),
                iso(created),
                iso(ack) if ack else None,
                iso(resolved) if resolved else None,
                iso(created + timedelta(hours=8)),
                iso(due),
                rating,
                reopened,
                level,
            )
        )
    return rows


INSERT = (
    "INSERT INTO complaints (code, user, ward_code, route, category, occurred, description, status, fingerprint, "
    "created_at, updated_at, acknowledged_at, resolved_at, ack_due, resolve_due, rating, reopened, level) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--wards", type=int, default=168)
    args = parser.parse_args()
    config, problems = load_config(ROOT / "config.yaml")
    assert config is not None, problems
    template = config.wards[0]
    extra = [
        template.model_copy(update={"code": f"{90000 + n:05d}", "name": f"Phường Thử {n + 1}", "aliases": []})
        for n in range(max(0, args.wards - len(config.wards)))
    ]
    config = config.model_copy(update={"wards": [*config.wards, *extra][: args.wards]})
    assert all(isinstance(w, Ward) for w in config.wards)
    already = "matplotlib" in sys.modules

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite3", clock=lambda: NOW)
        t = time.perf_counter()
        rows = generate([w.code for w in config.wards], args.cases)
        with store.transaction():
            store.db.conn.executemany(INSERT, rows)
        insert_seconds = time.perf_counter() - t

        from bot.report import build_report, chart_png, compute_figures, period_bounds, render_html
        from bot.satisfaction import fetch_rows

        t, cpu = time.perf_counter(), time.process_time()
        paths = build_report(store, config, START, END, None, Path(tmp) / "out")
        full, full_cpu = time.perf_counter() - t, time.process_time() - cpu
        html_bytes, png_bytes = paths.html.stat().st_size, paths.png.stat().st_size

        phases = {}
        t = time.perf_counter()
        from zoneinfo import ZoneInfo

        selected = fetch_rows(store, *period_bounds(START, END, ZoneInfo(config.timezone)))
        phases["read_rows"] = time.perf_counter() - t
        t = time.perf_counter()
        figures = compute_figures(store, config, START, END)
        phases["read_and_compute"] = time.perf_counter() - t
        t = time.perf_counter()
        png = chart_png(figures)
        phases["chart"] = time.perf_counter() - t
        t = time.perf_counter()
        render_html(figures, png)
        phases["html"] = time.perf_counter() - t
        t = time.perf_counter()
        build_report(store, config, START, END, None, Path(tmp) / "out2")
        warm = time.perf_counter() - t
        ward = config.wards[2].code
        t, cpu = time.perf_counter(), time.process_time()
        ward_paths = build_report(store, config, START, END, ward, Path(tmp) / "out3")
        ward_seconds, ward_cpu = time.perf_counter() - t, time.process_time() - cpu
        from bot.publish import build_site

        t, cpu = time.perf_counter(), time.process_time()
        site = build_site(store, config, Path(tmp) / "site", start=START, end=END)
        publish_seconds, publish_cpu = time.perf_counter() - t, time.process_time() - cpu
        site_bytes = sum(p.stat().st_size for p in [site.index, *site.ward_pages])
        ward_html_bytes = ward_paths.html.stat().st_size
        store.close()

    result = {
        "cases": args.cases,
        "cases_in_report": len(selected),
        "wards": len(config.wards),
        "period": [START.isoformat(), END.isoformat()],
        "insert_seconds": round(insert_seconds, 3),
        "report_seconds": round(full, 3),
        "report_cpu_seconds": round(full_cpu, 3),
        "report_seconds_includes_matplotlib_import": not already,
        "report_seconds_warm": round(warm, 3),
        "phases_seconds_warm": {k: round(v, 3) for k, v in phases.items()},
        "ward_report_seconds": round(ward_seconds, 3),
        "ward_report_cpu_seconds": round(ward_cpu, 3),
        "ward_html_bytes": ward_html_bytes,
        "publish_seconds": round(publish_seconds, 3),
        "publish_cpu_seconds": round(publish_cpu, 3),
        "publish_pages": 1 + len(site.ward_pages),
        "publish_bytes": site_bytes,
        "overdue_listed": len(figures.overdue),
        "html_bytes": html_bytes,
        "png_bytes": png_bytes,
        "target_seconds": TARGET_SECONDS,
        "python": sys.version.split()[0],
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),  # other jobs on the machine slow every number
        "cpus": os.cpu_count(),
    }
    verdict = "PASS" if full < TARGET_SECONDS else "FAIL"
    print(f"generated and inserted {args.cases:,} complaints in {insert_seconds:.2f} s")
    print(
        f"load average (1 min) {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times include waiting for a CPU"
    )
    print(
        f"full-year report, {len(selected):,} cases, {len(config.wards)} wards: {full:.2f} s "
        f"(CPU {full_cpu:.2f} s; matplotlib import included)  [target < {TARGET_SECONDS:.0f} s] {verdict}"
    )
    print(f"again, warm: {warm:.2f} s; phases: " + ", ".join(f"{k} {v:.3f} s" for k, v in phases.items()))
    print(
        f"HTML {html_bytes / 1024:.0f} KiB ({len(figures.overdue)} overdue cases listed), PNG {png_bytes / 1024:.0f} KiB"
    )
    print(f"one ward's one-page report: {ward_seconds:.2f} s (CPU {ward_cpu:.2f} s, {ward_html_bytes / 1024:.0f} KiB)")
    print(
        f"public site, {1 + len(site.ward_pages)} pages: {publish_seconds:.2f} s "
        f"(CPU {publish_cpu:.2f} s, {site_bytes / 1024:.0f} KiB in total)"
    )
    out = Path(__file__).parent / "results" / "report_speed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return 0 if full < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

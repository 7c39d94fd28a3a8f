"""Screenshots of the public site and the ward report for docs/ (headless Chromium).

Generates 3,000 seeded complaints over the configured wards (the benchmark's generator) in a
temporary database, writes the public site and one ward's report, and takes screenshots at a
390 px phone width and a 1280 px desktop width, plus the ward report as printed on A4.

    python scripts/site_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report_speed import INSERT, generate  # noqa: E402

from bot.app import load  # noqa: E402
from bot.complaints.store import Store  # noqa: E402
from bot.publish import build_site  # noqa: E402
from bot.report import build_report, find_chromium  # noqa: E402

NOW = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
START, END = date(2025, 1, 1), date(2025, 12, 31)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def shot(chromium: str, profile: Path, url: str, path: Path, width: int, height: int) -> None:
    args = [*FLAGS, f"--user-data-dir={profile}", "--hide-scrollbars", f"--window-size={width},{height}"]
    subprocess.run([chromium, *args, f"--screenshot={path}", url], check=True, capture_output=True, timeout=120)
    print(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("chromium is needed", file=sys.stderr)
        return 2
    loaded = load(ROOT / "config.yaml")
    config = loaded.config
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = Store(work / "db.sqlite3", clock=lambda: NOW)
        codes = [w.code for w in config.wards]
        # The last ward gets only a handful of cases, to show suppression and "chưa đủ số liệu".
        rows = generate(codes[:-1], 3000) + [r for r in generate(codes[-1:], 4, seed=1)]
        rows = [(f"S{n:05d}", *row[1:]) for n, row in enumerate(rows)]
        with store.transaction():
            store.db.conn.executemany(INSERT, rows)
        commitments = loaded.knowledge.commitments.values()
        site = build_site(store, config, work / "site", start=START, end=END, commitments=commitments)
        ward = "26743"
        report = build_report(store, config, START, END, ward, work / "report", commitments=commitments, pdf=True)
        store.close()
        profile = work / "profile"
        page = site.index.parent / "phuong" / f"{ward}.html"
        for width, height in ((390, 1500), (1280, 1000)):
            shot(chromium, profile, site.index.as_uri(), args.out / f"public-index-{width}.png", width, height)
            shot(chromium, profile, page.as_uri(), args.out / f"public-ward-{width}.png", width, 2400 if width == 390 else 1700)
        shot(chromium, profile, report.html.as_uri(), args.out / "ward-report-screen.png", 1100, 1500)
        try:
            import pypdfium2  # optional: only to show the printed page

            pdf = pypdfium2.PdfDocument(report.pdf)
            pdf[0].render(scale=1.4).to_pil().save(args.out / "ward-report-a4.png")
            print(args.out / "ward-report-a4.png", f"({len(pdf)} page)")
        except ImportError:
            print("pypdfium2 not installed: no image of the printed A4 page")
    return 0


if __name__ == "__main__":
    sys.exit(main())

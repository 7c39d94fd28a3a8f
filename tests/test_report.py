"""The accountability report (bot/report.py): HTML and PNG from a store of generated complaints,
privacy of the page, the `report` command, and the page rendered in headless Chromium."""

from __future__ import annotations

import os
import random
import re
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.categories import CATEGORY_LABELS
from bot.cli import main
from bot.complaints.store import Store
from bot.config import Config
from bot.report import build_report, report_png

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)  # 1/4/2026 10:00 in Hồ Chí Minh City
START, END = date(2026, 1, 1), date(2026, 3, 31)
SMALL_WARD = "27142"  # Phường Nhiêu Lộc: 3 cases only, so unranked
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHROMIUM = Path("/usr/bin/chromium")
OPEN = {"new", "acknowledged", "info_requested", "reopened"}
RESOLVED = {"resolved", "closed"}
STATUSES = ["new", "acknowledged", "info_requested", "resolved", "closed", "closed", "reopened", "withdrawn"]
CATEGORIES = ["tho-o", "hach-dich", "phien-ha", "tre-hen", "giay-to-ngoai-quy-dinh", "khac"]
# What must never reach the report: the citizen's account, identity, contact and words.
PRIVATE = ("tg:7", "Nội dung riêng tư", "Nguyễn Thị Kín", "0909123", "photo-file-", "HSO-", "Cán bộ Lê")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def complaint_row(n: int, ward: str, created: datetime, rng: random.Random) -> dict:
    """A complaints row with every NOT NULL column (see MIGRATIONS) and private fields filled in."""
    status = rng.choice(STATUSES)
    ack = created + timedelta(hours=rng.uniform(0.2, 40)) if status != "new" else None
    resolved = created + timedelta(days=rng.uniform(0.1, 8)) if status in (RESOLVED | {"reopened"}) else None
    return {
        "code": f"TEST-{n:04d}",
        "user": f"tg:7{n:06d}",
        "ward_code": ward,
        "route": f"ward:{ward}",
        "category": rng.choice(CATEGORIES),
        "occurred": "sáng thứ Hai",
        "description": f"Nội dung riêng tư số {n}",
        "official": "Cán bộ Lê Văn X",
        "dossier": f"HSO-{n}",
        "photo": f"photo-file-{n}",
        "consent": 1,
        "contact_name": "Nguyễn Thị Kín",
        "contact": f"0909123{n:03d}",
        "status": status,
        "sensitive": 0,
        "commitment_ids": "[]",
        "rating": rng.choice([None, 1, 2, 3, 4, 5, 5]) if status == "closed" else None,
        "reopened": rng.choice([0, 0, 0, 1]) if status != "new" else 0,
        "fingerprint": f"fp-{n}",
        "created_at": iso(created),
        "updated_at": iso(created),
        "acknowledged_at": iso(ack) if ack else None,
        "resolved_at": iso(resolved) if resolved else None,
        "ack_due": iso(created + timedelta(hours=8)),
        "resolve_due": iso(created + timedelta(days=3 if rng.random() < 0.8 else 60)),
        "level": 1 if status in OPEN and rng.random() < 0.15 else 0,  # escalated by the scheduler
    }


def generated_rows(config: Config, n: int = 300, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    big = [w.code for w in config.wards if w.code != SMALL_WARD]
    span = int((datetime(2026, 3, 31, 17, tzinfo=UTC) - datetime(2025, 12, 31, 17, tzinfo=UTC)).total_seconds())
    rows = []
    for i in range(n):
        ward = SMALL_WARD if i < 3 else rng.choice(big)
        created = datetime(2025, 12, 31, 17, tzinfo=UTC) + timedelta(seconds=rng.randrange(span))
        rows.append(complaint_row(i, ward, created, rng))
    # The edges of the period, in local time (UTC+7): 1/1 00:00 and 31/3 23:59:59 are in, the
    # second before and the second after are out.
    edges = [
        datetime(2025, 12, 31, 16, 59, 59, tzinfo=UTC),
        datetime(2025, 12, 31, 17, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 31, 17, 0, 0, tzinfo=UTC),
    ]
    for k, created in enumerate(edges):
        rows.append(complaint_row(n + k, big[0], created, rng))
    return rows


def in_period(row: dict) -> bool:
    return "2025-12-31T17:00:00" <= row["created_at"] < "2026-03-31T17:00:00"


def is_late(row: dict) -> bool:
    """Open and escalated, or at or past the running deadline (to acknowledge when new or reopened, else to resolve)."""
    if row["status"] not in OPEN:
        return False
    due = row["ack_due"] if row["status"] in ("new", "reopened") else row["resolve_due"]
    return row["level"] > 0 or due <= iso(NOW)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".", ",")


def fill(store: Store, rows: list[dict]) -> None:
    with store.transaction():
        store.db["complaints"].insert_all(rows)


@pytest.fixture
def config(loaded) -> Config:
    return loaded.config


@pytest.fixture
def rows(config) -> list[dict]:
    return generated_rows(config)


@pytest.fixture
def store(tmp_path, rows) -> Store:
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    fill(store, rows)
    yield store
    store.close()


@pytest.fixture
def report(store, config, tmp_path):
    return build_report(store, config, START, END, None, tmp_path / "out")


def without_chart(page: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:…", page)


def ward_row(page: str, name: str) -> list[str]:
    """The cells of a ward's row in the index table: rank, name, cases, satisfied, ..., overdue, score."""
    match = re.search(rf"<tr[^>]*><td class=\"text\">[^<]*</td><td class=\"text\">{re.escape(name)}</td>.*?</tr>", page)
    assert match, name
    return re.findall(r"<td[^>]*>([^<]*)</td>", match.group(0))


def test_report_files_and_figures(report, rows, config):
    assert report.html.exists() and report.png.exists()
    assert report.html.name == "bao-cao_2026-01-01_2026-03-31.html"
    page = report.html.read_text(encoding="utf-8")
    chosen = [r for r in rows if in_period(r)]
    assert len(chosen) == len(rows) - 2  # the two edge cases outside the period are left out
    assert "01/01/2026 – 31/03/2026" in page
    assert "Tất cả 6 phường" in page
    assert f'<div class="value">{len(chosen)}</div><div class="label">Số phản ánh</div>' in page
    with_due = [r for r in chosen if r["status"] in RESOLVED and r["resolve_due"]]
    on_time = sum(1 for r in with_due if r["resolved_at"] <= r["resolve_due"])
    assert (
        f'<div class="value">{pct(on_time / len(with_due))}</div><div class="label">Giải quyết đúng hạn</div>' in page
    )
    rated = [r["rating"] for r in chosen if r["rating"] is not None]
    satisfied = pct(sum(1 for x in rated if x >= 4) / len(rated))
    assert f'<div class="value">{satisfied}</div><div class="label">Người dân hài lòng (đánh giá 4–5)</div>' in page
    for ward in config.wards:
        mine = [r for r in chosen if r["ward_code"] == ward.code]
        cells = ward_row(page, ward.name)
        assert cells[2] == str(len(mine))
        done = [r for r in mine if r["status"] in RESOLVED and r["resolve_due"]]
        on_time = sum(1 for r in done if r["resolved_at"] <= r["resolve_due"])
        assert cells[6] == (pct(on_time / len(done)) if done else "—")
        assert cells[8] == str(sum(1 for r in mine if is_late(r)))
    small = ward_row(page, "Phường Nhiêu Lộc")
    assert (small[0], small[2], small[9]) == ("chưa đủ số liệu", "3", "—")
    ranks = re.findall(r"<tr><td class=\"text\">(\d+)</td><td class=\"text\">Phường", page)
    assert ranks == ["1", "2", "3", "4", "5"]
    for label, total in Counter(r["category"] for r in chosen).items():
        assert f'<td class="text">{CATEGORY_LABELS[label]}</td><td>{total}</td>' in page
    assert "2026-W01" in page and "2026-W14" in page


def test_overdue_list_has_codes_and_no_private_data(report, rows):
    page = report.html.read_text(encoding="utf-8")
    late = [r for r in rows if in_period(r) and is_late(r)]
    assert late
    section = page.split("Phản ánh quá hạn đang mở", 1)[1].split("<h2>", 1)[0]
    assert f"({len(late)})" in section
    for row in late:
        assert row["code"] in section
    not_late = [r["code"] for r in rows if in_period(r) and not is_late(r)]
    assert not any(code in section for code in not_late)
    text = without_chart(page)
    for private in PRIVATE:
        assert private not in text, private


def test_page_is_self_contained(report):
    page = report.html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    assert "<style>" in page and "<link" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in without_chart(page) and "https://" not in without_chart(page)


def test_png_chart(report, store, config):
    data = report.png.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 850)
    assert report_png(store, config, START, END)[:8] == PNG_MAGIC


def test_one_ward(store, config, rows, tmp_path):
    paths = build_report(store, config, START, END, "26743", tmp_path / "out")
    assert paths.html.name.endswith("_26743.html")
    page = paths.html.read_text(encoding="utf-8")
    mine = [r for r in rows if in_period(r) and r["ward_code"] == "26743"]
    assert f'<div class="value">{len(mine)}</div><div class="label">Số phản ánh</div>' in page
    assert "Phường Bến Thành" in page and "Phường Tân Định" not in page
    others = [r["code"] for r in rows if r["ward_code"] != "26743"]
    assert not any(code in page for code in others)


def test_text_is_escaped(tmp_path, config):
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    row = complaint_row(1, "<b>99999</b>", datetime(2026, 1, 5, 3, tzinfo=UTC), random.Random(1))
    row.update(status="new", category="<script>alert(1)</script>")
    fill(store, [row])
    page = build_report(store, config, START, END, None, tmp_path / "out").html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>99999</b>" not in page and "&lt;b&gt;99999&lt;/b&gt;" in page


def test_empty_period(tmp_path, config):
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    paths = build_report(store, config, date(2026, 5, 1), date(2026, 5, 31), None, tmp_path / "out")
    page = paths.html.read_text(encoding="utf-8")
    assert '<div class="value">0</div><div class="label">Số phản ánh</div>' in page
    assert paths.png.read_bytes()[:8] == PNG_MAGIC


def test_start_after_end_is_refused(store, config, tmp_path):
    with pytest.raises(ValueError):
        build_report(store, config, END, START, None, tmp_path / "out")


# -- command line ---------------------------------------------------------------------------


def test_cli_report(deployment, config, capsys):
    store = Store(deployment.root / "data" / "motcua.sqlite3")
    fill(store, generated_rows(config, n=40))
    store.close()
    code = main(["--config", str(deployment.config), "report", "--from", "2026-01-01", "--to", "2026-03-31"])
    out = capsys.readouterr().out.split()
    assert code == 0
    html_path, png_path = map(Path, out)
    assert html_path == deployment.root / "reports" / "bao-cao_2026-01-01_2026-03-31.html"
    assert html_path.exists() and png_path.read_bytes()[:8] == PNG_MAGIC
    out_dir = deployment.root / "elsewhere"
    args = ["report", "--from", "2026-01-01", "--to", "2026-01-31", "--ward", "26743", "--out", str(out_dir)]
    code = main(["--config", str(deployment.config), *args])
    assert code == 0
    assert Path(capsys.readouterr().out.split()[0]) == out_dir / "bao-cao_2026-01-01_2026-01-31_26743.html"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-03-31"], "Ngày --from không hợp lệ"),
        (["--from", "2026-01-01", "--to", "31/03/2026"], "Ngày --to không hợp lệ"),
        (["--from", "2026-03-31", "--to", "2026-01-01"], "phải trước hoặc bằng ngày kết thúc"),
        (["--from", "2026-01-01", "--to", "2026-03-31", "--ward", "00000"], "Không có phường mã '00000'"),
    ],
)
def test_cli_report_refuses_bad_input(deployment, capsys, args, message):
    assert main(["--config", str(deployment.config), "report", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (deployment.root / "reports").exists()


# -- the page in a real browser -------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        if os.environ.get("MOTCUA_SKIP_BROWSER") == "1":
            pytest.skip("MOTCUA_SKIP_BROWSER=1: no browser test")
        pytest.fail("run bash scripts/test (installs chromium)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False)


def test_missing_chromium_fails_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("MOTCUA_SKIP_BROWSER", raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"run bash scripts/test \(installs chromium\)"):
        chromium(tmp_path, "--version")
    monkeypatch.setenv("MOTCUA_SKIP_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception):
        chromium(tmp_path, "--version")


def test_page_in_chromium(report, rows, config, tmp_path):
    url = report.html.resolve().as_uri()
    result = chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", url)
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    chart = re.search(r'<body[^>]*data-chart="(\d+)"', dom)
    assert chart, "the inline script did not run or the chart did not load"
    assert int(chart.group(1)) == 1100  # the embedded PNG decoded at its real width
    total = sum(1 for r in rows if in_period(r))
    assert f'<div class="value">{total}</div><div class="label">Số phản ánh</div>' in dom
    for ward in config.wards:
        assert ward.name in dom

    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 30_000
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels[..., :3].std() > 0.05  # not a blank page

"""The accountability report (bot/report.py): HTML and PNG from a store of generated complaints,
honest figures (n with every share, working time, periods), privacy of the page, the `report`
command, and the pages rendered and printed in headless Chromium."""

from __future__ import annotations

import os
import random
import re
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.categories import CATEGORY_LABELS
from bot.cli import main
from bot.complaints.store import Store
from bot.config import Config
from bot.report import build_report, compute_figures, report_png

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
        # Most cases stay with their ward; some were transferred or went to the supervisory unit.
        "route": rng.choice([f"ward:{ward}"] * 8 + ["ward:26737", "supervisor:so-noi-vu"]),
    }


def generated_rows(config: Config, n: int = 300, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    # Five central wards share the cases so each has enough to be ranked; the province's other
    # ~160 wards have none in the period.
    big = ["26740", "26737", "26743", "27160", "27139"]
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


@pytest.fixture
def ward_report(store, loaded, tmp_path):
    commitments = loaded.knowledge.commitments.values()
    return build_report(store, loaded.config, START, END, "26743", tmp_path / "out", commitments=commitments)


def without_chart(page: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:…", page)


def card(page: str, label: str) -> str:
    """The value shown on a key-figure card, its n included."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd[^>]*>(.*?)</dd>", page)
    assert match, label
    return re.sub(r"<[^>]+>", "", match.group(1))


def ward_row(page: str, name: str) -> list[str]:
    """The cells of a ward's row in the index table: rank, name, cases, on time, satisfied, ..."""
    match = re.search(
        rf"<tr[^>]*>\s*<td class=\"text\">[^<]*</td><th scope=\"row\">{re.escape(name)}</th>.*?</tr>", page, re.S
    )
    assert match, name
    return re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", match.group(0))


def share(numerator: int, n: int, min_n: int = 10) -> str:
    if n < min_n:
        return f"chưa đủ số liệu (n = {n})"
    return f"{pct(numerator / n)} (n = {n})"


def test_city_report_files_and_figures(report, rows, config):
    assert report.html.exists() and report.png.exists()
    assert report.html.name == "bao-cao_2026-01-01_2026-03-31.html"
    page = report.html.read_text(encoding="utf-8")
    chosen = [r for r in rows if in_period(r)]
    assert len(chosen) == len(rows) - 2  # the two edge cases outside the period are left out
    assert "01/01/2026 – 31/03/2026" in page
    assert f"Tất cả {len(config.wards)} phường" in page
    assert card(page, "Số phản ánh") == str(len(chosen))
    with_due = [r for r in chosen if r["status"] in RESOLVED and r["resolve_due"]]
    on_time = sum(1 for r in with_due if r["resolved_at"] <= r["resolve_due"])
    # A share always comes with its n.
    assert card(page, "Giải quyết đúng hạn") == f"{pct(on_time / len(with_due))} (n = {len(with_due)})"
    rated = [r["rating"] for r in chosen if r["rating"] is not None]
    assert card(page, "Người dân hài lòng (4–5 sao)") == share(sum(1 for x in rated if x >= 4), len(rated))
    answered = [r for r in chosen if r["resolved_at"]]
    assert card(page, "Bị mở lại sau khi trả lời") == share(sum(1 for r in answered if r["reopened"]), len(answered))
    acked = sum(1 for r in chosen if r["acknowledged_at"])
    assert re.fullmatch(rf"\d+,\d giờ làm việc \(n = {acked}\)", card(page, "Trung vị thời gian tiếp nhận"))
    done = sum(1 for r in chosen if r["status"] in RESOLVED)
    assert re.fullmatch(rf"\d+,\d ngày làm việc \(n = {done}\)", card(page, "Trung vị thời gian giải quyết"))
    for ward in config.wards:
        mine = [r for r in chosen if r["ward_code"] == ward.code]
        cells = ward_row(page, ward.name)
        assert cells[2] == str(len(mine))
        done = [r for r in mine if r["status"] in RESOLVED and r["resolve_due"]]
        on_time = sum(1 for r in done if r["resolved_at"] <= r["resolve_due"])
        assert cells[3] == share(on_time, len(done))
        assert cells[8] == str(sum(1 for r in mine if r["status"] == "withdrawn"))
        assert cells[10] == str(sum(1 for r in mine if is_late(r)))
    small = ward_row(page, "Phường Nhiêu Lộc")
    assert (small[0], small[2], small[11]) == ("chưa đủ số liệu", "3", "—")
    assert small[3].startswith("chưa đủ số liệu (n = ")  # never "100,0%" from one case
    assert small[6:8] == ["chưa đủ số liệu", "chưa đủ số liệu"]  # nor a median of three cases
    ranks = re.findall(r"<tr>\s*<td class=\"text\">(\d+)</td><th scope=\"row\">Phường", page)
    assert ranks == ["1", "2", "3", "4", "5"]
    for label, total in Counter(r["category"] for r in chosen).items():
        assert f'<tr><th scope="row">{CATEGORY_LABELS[label]}</th><td>{total}</td>' in page


def test_withdrawn_transferred_escalated_are_their_own_rows(report, rows):
    page = report.html.read_text(encoding="utf-8")
    chosen = [r for r in rows if in_period(r)]

    def status_row(label: str) -> str:
        match = re.search(rf'<th scope="row">{re.escape(label)}</th><td>(\d+)</td>', page)
        assert match, label
        return match.group(1)

    assert status_row("Người dân đã rút") == str(sum(1 for r in chosen if r["status"] == "withdrawn"))
    assert status_row("Bị báo lên cấp trên vì quá hạn") == str(sum(1 for r in chosen if r["level"] > 0))
    moved = [r for r in chosen if r["route"].startswith("ward:") and r["route"] != f"ward:{r['ward_code']}"]
    assert status_row("Đang ở phường khác (được chuyển)") == str(len(moved))
    assert status_row("Đang ở đơn vị giám sát") == str(sum(1 for r in chosen if r["route"].startswith("supervisor:")))
    assert status_row("Về trễ hẹn trả kết quả") == str(sum(1 for r in chosen if r["category"] == "tre-hen"))


def test_periods_by_week_then_by_month_never_future(store, config, tmp_path):
    weekly = compute_figures(store, config, START, END)  # 90 days: by ISO week
    assert [p.label for p in weekly.periods][:2] == ["Tuần 1/2026", "Tuần 2/2026"]
    assert weekly.periods[-1].label == "Tuần 14/2026" and weekly.periods[-1].partial
    # The whole year asked on 1/4: by month, and April is the last month shown (no future months).
    yearly = compute_figures(store, config, date(2026, 1, 1), date(2026, 12, 31))
    assert [p.label for p in yearly.periods] == ["1/2026", "2/2026", "3/2026", "4/2026"]
    page = build_report(store, config, date(2026, 1, 1), date(2026, 12, 31), None, tmp_path).html.read_text("utf-8")
    assert "Theo tháng" in page and "5/2026" not in page and "số liệu đến hết ngày 01/04/2026" in page


def test_overdue_list_has_codes_and_no_private_data(report, rows):
    page = report.html.read_text(encoding="utf-8")
    late = [r for r in rows if in_period(r) and is_late(r)]
    assert late
    section = page.split("Phản ánh quá hạn đang mở (", 1)[1].split("<h2>", 1)[0]
    assert section.startswith(f"{len(late)})")
    for row in late:
        assert row["code"] in section
    not_late = [r["code"] for r in rows if in_period(r) and not is_late(r)]
    assert not any(code in section for code in not_late)
    text = without_chart(page)
    for private in PRIVATE:
        assert private not in text, private


def test_ward_page_for_the_council(ward_report, rows, loaded):
    page = ward_report.html.read_text(encoding="utf-8")
    assert ward_report.html.name.endswith("_26743.html")
    mine = [r for r in rows if in_period(r) and r["ward_code"] == "26743"]
    assert "Báo cáo giải trình về phản ánh: Phường Bến Thành" in page
    assert card(page, "Số phản ánh") == str(len(mine))
    # Cases by category against the city median of the six wards.
    everyone = [r for r in rows if in_period(r)]
    for category, label in CATEGORY_LABELS.items():
        per_ward = sorted(
            sum(1 for r in everyone if r["ward_code"] == w.code and r["category"] == category)
            for w in loaded.config.wards
        )
        median = (per_ward[2] + per_ward[3]) / 2
        own = sum(1 for r in mine if r["category"] == category)
        if own or median:
            expected = f"{median:.1f}".replace(".", ",")
            assert f'<tr><th scope="row">{label}</th><td>{own}</td><td>{expected}</td></tr>' in page
    # The ward's published pledges and tasks, with their status; a task past its deadline is overdue.
    assert "Trả lời phản ánh trong 3 ngày làm việc" in page
    ward_items = [c for c in loaded.knowledge.commitments.values() if c.unit == "ward:26743"]
    for item in ward_items:
        assert item.title in page
        if item.kind == "task":
            assert item.status_label(date(2026, 4, 1)) in page
    # Overdue cases by code and category only.
    late = [r for r in mine if is_late(r)]
    section = page.split("Phản ánh quá hạn đang mở (", 1)[1].split("<h2", 1)[0]
    listed = {}
    for label, codes in re.findall(r'<th scope="row">([^<(]+) \(\d+\)</th><td class="text">(.*?)</td>', section):
        for code in re.findall(r"<code>([^<]+)</code>", codes):
            listed[code] = label
    assert listed == {r["code"]: CATEGORY_LABELS[r["category"]] for r in late}  # 39 here, under the page's cap
    assert "Phường Tân Định" not in section
    others = [r["code"] for r in rows if r["ward_code"] != "26743"]
    assert not any(code in page for code in others)
    for private in PRIVATE:
        assert private not in without_chart(page), private
    assert "Quyết định 766/QĐ-TTg" in page and "giờ làm việc" in page
    assert "@page { size: A4" in page


def test_overdue_task_is_marked(store, loaded, tmp_path):
    late_now = datetime(2026, 12, 15, 3, tzinfo=UTC)  # after 30/9/2026, the deadline of an unfinished task
    paths = build_report(
        store,
        loaded.config,
        START,
        END,
        "26743",
        tmp_path,
        commitments=loaded.knowledge.commitments.values(),
        now=late_now,
    )
    page = paths.html.read_text(encoding="utf-8")
    assert re.search(r'<td class="text late">Quá hạn \(', page)


def test_page_is_self_contained(report, ward_report):
    for path in (report.html, ward_report.html):
        page = path.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page and '<meta charset="utf-8">' in page
        assert "<style>" in page and "<link" not in page and "<script" not in page
        sources = re.findall(r'src="([^"]*)"', page)
        assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
        assert "http://" not in without_chart(page) and "https://" not in without_chart(page)


def test_png_chart(report, store, config):
    data = report.png.read_bytes()
    assert data[:8] == PNG_MAGIC
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 750)
    assert report_png(store, config, START, END)[:8] == PNG_MAGIC


def test_count_axes_have_whole_numbers_only(store, config, monkeypatch):
    """Few cases: matplotlib would put ticks at 0.2, 0.4... on a count axis; ours are whole numbers."""
    import matplotlib.figure

    from bot import report as report_module

    seen = []
    original = matplotlib.figure.Figure.savefig

    def spy(self, *args, **kwargs):
        for ax in self.axes:
            if not ax.axison:  # "Không có phản ánh trong kỳ": no axis drawn (the province's median is 0)
                continue
            ticks = ax.get_xticks() if ax.get_title().startswith("Số phản ánh") else ax.get_yticks()
            seen.append((ax.get_title(), list(ticks)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    figures = report_module.compute_figures(store, config, START, START + timedelta(days=6), SMALL_WARD)
    report_module.chart_png(figures, compact=True)
    assert 1 <= len(seen) <= 2
    for title, ticks in seen:
        assert ticks and all(float(t).is_integer() for t in ticks), (title, ticks)


def test_text_is_escaped(tmp_path, config):
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    row = complaint_row(1, "<b>99999</b>", datetime(2026, 1, 5, 3, tzinfo=UTC), random.Random(1))
    row.update(status="new", category="<script>alert(1)</script>", level=1)
    fill(store, [row])
    page = build_report(store, config, START, END, None, tmp_path / "out").html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>99999</b>" not in page and "&lt;b&gt;99999&lt;/b&gt;" in page


def test_empty_period(tmp_path, config):
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    paths = build_report(store, config, date(2026, 3, 1), date(2026, 3, 31), None, tmp_path / "out")
    page = paths.html.read_text(encoding="utf-8")
    assert card(page, "Số phản ánh") == "0"
    assert card(page, "Giải quyết đúng hạn") == "chưa đủ số liệu (n = 0)"
    assert card(page, "Trung vị thời gian giải quyết") == "chưa đủ số liệu (n = 0)"
    assert paths.png.read_bytes()[:8] == PNG_MAGIC
    # A period entirely in the future draws no period at all.
    later = build_report(store, config, date(2026, 5, 1), date(2026, 5, 31), "26743", tmp_path / "later")
    assert "Không có phản ánh trong kỳ" in later.html.read_text(encoding="utf-8")


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
    # Without dates: the last report.publish_months (12) calendar months up to today.
    assert main(["--config", str(deployment.config), "report", "--ward", "26743", "--out", str(out_dir)]) == 0
    name = Path(capsys.readouterr().out.split()[0]).name
    today = datetime.now(ZoneInfo(config.timezone)).date()
    assert name.endswith(f"_{today.isoformat()}_26743.html") and name.startswith("bao-cao_")


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


# -- the pages in a real browser ------------------------------------------------------------


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
        "--hide-scrollbars",
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


def test_ward_report_prints_on_one_a4_page(ward_report, tmp_path):
    chromium(tmp_path, "--version")  # skips or fails with instructions when there is no browser
    from bot.report import print_pdf

    pdf = tmp_path / "ward.pdf"
    print_pdf(ward_report.html, pdf, str(CHROMIUM))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\]", data)
    assert box and (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842)  # A4 in points


def test_page_in_chromium(report, tmp_path):
    url = report.html.resolve().as_uri()
    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 30_000
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels[..., :3].std() > 0.05  # not a blank page


def test_city_column_aggregated_in_sql_matches_the_rows(store, config):
    from zoneinfo import ZoneInfo as Zone

    from bot.report import period_bounds
    from bot.satisfaction import fetch_rows, index_of

    city = compute_figures(store, config, START, END, "26743").city
    full = index_of(fetch_rows(store, *period_bounds(START, END, Zone(config.timezone))), NOW)
    for name in ("cases", "resolved", "open", "overdue_open", "withdrawn", "escalated", "transferred"):
        assert getattr(city, name) == getattr(full, name), name
    assert (city.with_supervisor, city.late_results) == (full.with_supervisor, full.late_results)


def test_cli_pdf_needs_chromium(deployment, capsys, monkeypatch):
    monkeypatch.setattr("bot.report.find_chromium", lambda: None)
    assert main(["--config", str(deployment.config), "report", "--ward", "26743", "--pdf"]) == 2
    assert "Không tìm thấy Chromium để in PDF" in capsys.readouterr().err
    assert not (deployment.root / "reports").exists()

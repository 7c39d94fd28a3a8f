"""The public site (bot/publish.py): content, privacy, suppression of small counts, the daily
restart-safe regeneration, the command, the Telegram job, and the pages in headless Chromium at
390 px and desktop width."""

from __future__ import annotations

import asyncio
import re
import stat
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from test_report import END, NOW, PRIVATE, SMALL_WARD, START, chromium, fill, generated_rows, in_period

from bot.cli import main
from bot.complaints.store import Store
from bot.publish import STAMP, build_site, publish_due, publish_if_due, published_on

CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


@pytest.fixture
def rows(loaded) -> list[dict]:
    return generated_rows(loaded.config)


@pytest.fixture
def store(tmp_path, rows) -> Store:
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    fill(store, rows)
    yield store
    store.close()


@pytest.fixture
def site(store, loaded, tmp_path):
    return build_site(
        store, loaded.config, tmp_path / "site", start=START, end=END, commitments=loaded.knowledge.commitments.values()
    )


def text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def index_rows(page: str) -> dict[str, list[str]]:
    """Ward name -> the cells of its row in the index table."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    result = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [text(c).strip() for c in CELL.findall(row)]
        result[cells[0]] = cells[1:]
    return result


def test_index_and_ward_pages(site, loaded, rows):
    index = site.index.read_text(encoding="utf-8")
    assert '<html lang="vi">' in index and 'name="viewport"' in index
    assert '<th scope="col" class="text">Phường</th>' in index and "<caption" in index
    table = index_rows(index)
    assert list(table) == [w.name for w in loaded.config.wards]
    for ward in loaded.config.wards:
        assert f'href="phuong/{ward.code}.html"' in index
        page = (site.index.parent / "phuong" / f"{ward.code}.html").read_text(encoding="utf-8")
        assert f"<h1>{ward.name}: trả lời phản ánh của người dân</h1>" in page
        assert 'href="../index.html"' in page and '<html lang="vi">' in page
        assert "<script" not in page and "<link" not in page and "http" not in page
    assert len(site.ward_pages) == len(loaded.config.wards)
    chosen = [r for r in rows if in_period(r)]
    # Big wards show their exact count; the small one (3 cases) shows "<5", never 3.
    big = "26743"
    assert table["Phường Bến Thành"][0] == str(sum(1 for r in chosen if r["ward_code"] == big))
    assert table["Phường Nhiêu Lộc"][0] == "<5"
    assert "Quyết định 766/QĐ-TTg" in index


def test_no_personal_data_nor_free_text(site):
    for path in [site.index, *site.ward_pages]:
        page = path.read_text(encoding="utf-8")
        for private in PRIVATE:
            assert private not in page, (path.name, private)
        assert "TEST-" not in page  # not even case codes


def test_small_counts_cannot_be_worked_out_from_totals(site, loaded):
    index = site.index.read_text(encoding="utf-8")
    table = index_rows(index)
    cases = [cells[0] for cells in table.values()]
    hidden = [c for c in cases if not c.isdigit()]
    assert "<5" in hidden and len(hidden) >= 2  # the small ward, and a partner so the city total does not give it away
    total = re.search(r'<tfoot><tr><th scope="row">Cả thành phố</th><td>(\d+)</td>', index)
    assert total
    # Every ward page: the categories, the statuses and the periods each add up to the ward's
    # total; no single hidden cell may be left alone in a sum whose total is shown.
    for path in site.ward_pages:
        page = path.read_text(encoding="utf-8")
        for caption in ("cap-cat", "cap-status", "cap-period"):
            block = page.split(f'id="{caption}"', 1)[1].split("</table>", 1)[0]
            body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
            values = [text(c).strip() for c in re.findall(r"<td>(.*?)</td>", body)]
            shown_total = re.search(r'<div class="card"><dt>Số phản ánh</dt><dd>([^<]+)</dd>', page).group(1)
            unknown = [v for v in values if not v.isdigit()]
            if shown_total.isdigit():
                assert len(unknown) != 1, (path.name, caption, values)
                if unknown and all(v == "<5" for v in unknown):
                    # "<5" cells are 0..4: their sum must not pin them all (all 0 is harmless).
                    rest = int(shown_total) - sum(int(v) for v in values if v.isdigit())
                    assert 0 <= rest < 4 * len(unknown) or rest == 0, (path.name, caption)
    small = (site.index.parent / "phuong" / f"{SMALL_WARD}.html").read_text(encoding="utf-8")
    figures = small.split('<dl class="cards"', 1)[1].split("</dl>", 1)[0]
    assert "chưa đủ số liệu" in figures and "%" not in figures


def test_daily_regeneration_is_restart_safe(store, loaded, tmp_path):
    config, out = loaded.config, tmp_path / "public"
    tz_offset = timedelta(hours=7)
    before = datetime(2026, 4, 2, 5, 59, tzinfo=UTC) - tz_offset  # 05:59 local, before publish_time 06:00
    assert not publish_due(out, config, before)
    assert publish_if_due(store, config, out, now=before) is None and not out.exists()
    morning = datetime(2026, 4, 2, 6, 30, tzinfo=UTC) - tz_offset
    site = publish_if_due(store, config, out, now=morning)
    assert site is not None and published_on(out) == date(2026, 4, 2)
    assert (site.start, site.end) == (date(2025, 5, 1), date(2026, 4, 2))  # 12 calendar months up to today
    mode = stat.S_IMODE(site.index.stat().st_mode)
    assert mode & 0o044 == 0o044  # readable by the web server
    # A restart later that day finds the stamp and does nothing; the next day it runs again.
    assert publish_if_due(store, config, out, now=morning + timedelta(hours=5)) is None
    assert publish_if_due(store, config, out, now=morning + timedelta(days=1)) is not None
    # An interrupted run leaves the old stamp, so the next pass redoes it.
    (out / STAMP).write_text("2026-04-01\n")
    assert publish_due(out, config, morning + timedelta(days=1))
    # A page of a ward no longer in the config is removed, not left with stale figures.
    stale = out / "phuong" / "99999.html"
    stale.write_text("old")
    build_site(store, config, out, start=START, end=END, now=morning)
    assert not stale.exists()
    assert not list(out.rglob("*.tmp"))


def test_cli_publish(deployment, loaded, capsys, tmp_path):
    store = Store(deployment.root / "data" / "motcua.sqlite3")
    fill(store, generated_rows(loaded.config, n=40))
    store.close()
    out = tmp_path / "public"
    assert main(["--config", str(deployment.config), "publish", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out / "index.html") in printed and "168 trang phường" in printed
    assert (out / "phuong" / "26743.html").exists()
    assert main(["--config", str(deployment.config), "publish"]) == 2  # no folder and none configured
    assert "python -m bot publish" in capsys.readouterr().err


def test_telegram_job_writes_the_site(loaded, store, tmp_path):
    from bot.app import make_assistant
    from handlers.telegram_app import build_application

    assistant = make_assistant(loaded, store)
    out = tmp_path / "public"
    app = build_application(assistant, "123456:TEST-TOKEN", publish_dir=out)
    assert [job.name for job in app.job_queue.jobs() if job.name == "publish"] == ["publish"]
    channel = app.bot_data["channel"]
    asyncio.run(channel.publish(None))
    assert (out / "index.html").exists() and published_on(out) == date(2026, 4, 1)
    without = build_application(make_assistant(loaded, store), "123456:TEST-TOKEN")
    assert not [job for job in without.job_queue.jobs() if job.name == "publish"]


# -- in a real browser ------------------------------------------------------------------------

FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<script>document.getElementById("f").addEventListener("load", function () {{
  var d = this.contentDocument.documentElement;
  document.body.dataset.size = d.scrollWidth + "x" + d.clientWidth;
}});</script></body></html>"""


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_fit_phone_and_desktop(site, tmp_path, width):
    """Laid out in an iframe of the given width (a headless window cannot be narrower than 500 px):
    nothing may stick out sideways."""
    for page in (site.index, site.ward_pages[2]):
        frame = page.parent / f"frame-{width}-{page.stem}.html"
        frame.write_text(FRAME.format(src=page.name, width=width), encoding="utf-8")
        result = chromium(
            tmp_path,
            "--allow-file-access-from-files",
            "--virtual-time-budget=3000",
            "--window-size=1400,1000",
            "--dump-dom",
            frame.resolve().as_uri(),
        )
        assert result.returncode == 0, result.stderr[-2000:]
        size = re.search(r'data-size="(\d+)x(\d+)"', result.stdout)
        assert size, "the page did not load in the frame"
        scroll, client = map(int, size.groups())
        assert client == width and scroll <= client, (page.name, width, scroll)


def test_a_whole_city_of_168_wards(loaded, tmp_path):
    """The site and the report for a config with the whole city's wards (most with few cases)."""
    import random

    from test_report import complaint_row

    from bot.report import compute_figures

    base = loaded.config
    extra = [
        base.wards[0].model_copy(update={"code": f"{90000 + n:05d}", "name": f"Phường Thử {n + 1}", "aliases": []})
        for n in range(168 - len(base.wards))
    ]
    config = base.model_copy(update={"wards": [*base.wards, *extra]})
    rng = random.Random(168)
    codes = [w.code for w in config.wards]
    rows = []
    for n in range(2000):
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(60 * 24 * 85))
        rows.append(complaint_row(n, rng.choice(codes[:40]) if n % 3 else rng.choice(codes), created, rng))
    store = Store(tmp_path / "db.sqlite3", clock=lambda: NOW)
    fill(store, rows)
    site = build_site(store, config, tmp_path / "site", start=START, end=END)
    assert len(site.ward_pages) == 168
    table = index_rows(site.index.read_text(encoding="utf-8"))
    assert len(table) == 168
    hidden = [cells[0] for cells in table.values() if not cells[0].isdigit()]
    assert len(hidden) != 1 and "<5" in hidden
    figures = compute_figures(store, config, START, END)
    assert len(figures.wards) == 168 and sum(w.index.cases for w in figures.wards) == figures.summary.cases
    store.close()

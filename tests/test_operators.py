"""Operators' commands: complaints list/show/export and groups code/list, over a real store."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    CITIZEN,
    CITIZEN_NAME,
    STAFF,
    TAN_DINH,
    WARD_CHAT,
    Clock,
    Person,
    build,
    file_complaint,
    with_channels,
)

from bot.cli import main
from bot.operators import complaints_command, groups_command


@pytest.fixture
def desk(loaded, tmp_path: Path):
    clock = Clock()
    assistant = build(loaded, tmp_path, clock, with_channels(loaded.config))
    return assistant, clock


def run(assistant, capsys, action: str, **options) -> tuple[int, str, str]:
    loaded = type("L", (), {"config": assistant.config})()
    args = argparse.Namespace(action=action, status=None, ward=None, page=1, per_page=50, output=None, code=None)
    for key, value in options.items():
        setattr(args, key, value)
    rc = complaints_command(loaded, assistant.store, args)  # type: ignore[arg-type]
    out, err = capsys.readouterr()
    return rc, out, err


def file_many(assistant, clock, n: int, ward: str = BEN_THANH, user_base: int = 3000) -> list[str]:
    codes = []
    for i in range(n):
        person = Person(assistant, f"tg:{user_base + i}", None)
        codes.append(file_complaint(person, ward=ward, description=f"Cán bộ thờ ơ với tôi, lần thứ {i + 1}."))
        clock.advance(minutes=1)
    return codes


# -- list ----------------------------------------------------------------------------------------


def test_list_filters_in_sql_before_paging(desk, capsys) -> None:
    assistant, clock = desk
    old = file_many(assistant, clock, 3, ward=TAN_DINH)
    file_many(assistant, clock, 60, user_base=5000)  # newer cases of another ward
    rc, out, _ = run(assistant, capsys, "list", ward=TAN_DINH)
    assert rc == 0
    assert all(code in out for code in old)  # the older ward's cases never vanish behind a cap
    assert "3 phản ánh khớp bộ lọc" in out


def test_list_pages_explicitly(desk, capsys) -> None:
    assistant, clock = desk
    codes = file_many(assistant, clock, 7)
    rc, first, _ = run(assistant, capsys, "list", per_page=3)
    assert rc == 0 and "Trang 1/3" in first and "--page 2" in first
    _, third, _ = run(assistant, capsys, "list", per_page=3, page=3)
    assert "Trang 3/3" in third and codes[0] in third and codes[-1] not in third  # newest first
    rc, _, err = run(assistant, capsys, "list", per_page=3, page=9)
    assert rc == 2 and "Chỉ có 3 trang" in err


def test_list_shows_vietnamese_status_and_local_time(desk, capsys) -> None:
    assistant, _ = desk
    code = file_complaint(Person(assistant))
    _, out, _ = run(assistant, capsys, "list")
    line = next(line for line in out.splitlines() if code in line)
    assert "20/11/2026 10:00 UTC+07:00" in line  # filed at 03:00 UTC
    assert "chờ tiếp nhận" in line and "Phường Bến Thành" in line
    assert " new " not in line


@pytest.mark.parametrize("status", ["open", "new", "chờ tiếp nhận", "cho tiep nhan"])
def test_status_by_key_group_or_vietnamese_label(desk, capsys, status: str) -> None:
    assistant, _ = desk
    code = file_complaint(Person(assistant))
    rc, out, _ = run(assistant, capsys, "list", status=status)
    assert rc == 0 and code in out


def test_unknown_status_says_what_is_known(desk, capsys) -> None:
    assistant, _ = desk
    rc, out, err = run(assistant, capsys, "list", status="opened")
    assert rc == 2 and out == ""
    assert "Không có trạng thái “opened”" in err and "acknowledged" in err and "open" in err


@pytest.mark.parametrize("ward", ["Bến Thành", "ben thanh", "26743", "Phường Bến Thành"])
def test_ward_by_name_or_code(desk, capsys, ward: str) -> None:
    assistant, _ = desk
    code = file_complaint(Person(assistant))
    rc, out, _ = run(assistant, capsys, "list", ward=ward)
    assert rc == 0 and code in out


@pytest.mark.parametrize(("ward", "says"), [("Hoàn Kiếm", "Không tìm thấy"), ("99999", "Không có phường/xã mã"), ("Đa Kao", "nhiều phường/xã")])
def test_unknown_or_ambiguous_ward_is_explained(desk, capsys, ward: str, says: str) -> None:
    assistant, _ = desk
    rc, _, err = run(assistant, capsys, "list", ward=ward)
    assert rc == 2 and says in err


# -- show: the author's id is masked unless they consented ---------------------------------------


def test_show_masks_an_anonymous_authors_id(desk, capsys) -> None:
    assistant, _ = desk
    citizen = Person(assistant)
    code = file_complaint(citizen)
    Person(assistant, STAFF, "Cán bộ", WARD_CHAT).press(f"w:ack:{code}")
    citizen.press(f"c:withdrawok:{code}:mistake")
    rc, out, _ = run(assistant, capsys, "show", code=code.lower())
    assert rc == 0
    assert CITIZEN not in out and "1001" not in out
    assert "người phản ánh (ẩn danh)" in out
    assert STAFF in out  # staff act under their own id
    assert "đã được người dân rút" in out and "UTC+07:00" in out


def test_show_names_a_consenting_author(desk, capsys) -> None:
    assistant, _ = desk
    code = file_complaint(Person(assistant), contact=f"{CITIZEN_NAME}, 0901234567")
    _, out, _ = run(assistant, capsys, "show", code=code)
    assert CITIZEN_NAME in out and "0901234567" in out
    assert CITIZEN not in out  # the Telegram id is never printed, not even with consent


def test_show_unknown_code(desk, capsys) -> None:
    assistant, _ = desk
    rc, _, err = run(assistant, capsys, "show", code="XXXX-YYYY")
    assert rc == 1 and "Không tìm thấy" in err


# -- export --------------------------------------------------------------------------------------


def test_export_is_utf8_with_bom_and_carries_no_identity_or_free_text(desk, capsys, tmp_path: Path) -> None:
    assistant, _ = desk
    anonymous = file_complaint(Person(assistant), description="Cán bộ thờ ơ, không trả lời.")
    named = file_complaint(Person(assistant, "tg:4242", None), contact="Lê Thị Hồng, 0912345678")
    target = tmp_path / "xuat.csv"
    rc, _, err = run(assistant, capsys, "export", output=target)
    assert rc == 0 and "2 phản ánh" in err
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert b"\r\n" in data
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    # An export leaves the building: no identity even with consent, and no free text (issue 13).
    assert "contact" not in rows[named] and "description" not in rows[named]
    assert rows[named]["consent"] == "1" and rows[anonymous]["consent"] == "0"
    assert rows[anonymous]["status_label"] == "chờ tiếp nhận"
    assert rows[anonymous]["created_at"] == "2026-11-20T10:00:00+07:00"
    assert rows[anonymous]["ward"] == "Phường Bến Thành"
    text = data.decode("utf-8-sig")
    assert CITIZEN not in text and "tg:4242" not in text  # channel ids never leave the database
    assert "Lê Thị Hồng" not in text and "0912345678" not in text and "thờ ơ, không trả lời" not in text


def test_export_filters_and_stdout(desk, capsys) -> None:
    assistant, clock = desk
    file_many(assistant, clock, 2, ward=TAN_DINH)
    file_many(assistant, clock, 3, user_base=7000)
    rc, out, _ = run(assistant, capsys, "export", ward="Tân Định")
    assert rc == 0
    assert out.startswith("\ufeff")
    assert len(list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))) == 2


# -- groups --------------------------------------------------------------------------------------


def test_group_code_for_a_ward_by_name_code_or_supervisor(desk, capsys) -> None:
    assistant, _ = desk
    loaded = type("L", (), {"config": assistant.config})()
    for unit, name in (("Tân Sơn Nhất", "Phường Tân Sơn Nhất"), ("26743", "Phường Bến Thành"), ("so-noi-vu", "Sở Nội vụ")):
        assert groups_command(loaded, assistant.store, argparse.Namespace(action="code", unit=unit)) == 0  # type: ignore[arg-type]
        out = capsys.readouterr().out
        assert name in out and "/dangky" in out
    assert groups_command(loaded, assistant.store, argparse.Namespace(action="code", unit="Hoàn Kiếm")) == 1  # type: ignore[arg-type]
    assert "Không có đơn vị" in capsys.readouterr().err
    assert groups_command(loaded, assistant.store, argparse.Namespace(action="list")) == 0  # type: ignore[arg-type]


def test_cli_wiring(capsys, deployment) -> None:
    config = str(deployment.config)
    assert main(["--config", config, "complaints", "list", "--status", "open", "--ward", "Bến Thành", "--page", "1"]) == 0
    assert "Không có phản ánh nào khớp bộ lọc" in capsys.readouterr().out
    assert main(["--config", config, "complaints", "list", "--status", "opened"]) == 2
    out_file = deployment.root / "x.csv"
    assert main(["--config", config, "complaints", "export", "--csv", "--output", str(out_file)]) == 0
    assert out_file.read_bytes().startswith(b"\xef\xbb\xbfcode,")

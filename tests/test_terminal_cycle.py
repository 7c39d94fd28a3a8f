"""The whole complaint cycle in the terminal chat: the local user files it and, in this demo
channel, also plays the ward (the outbox is printed with its destination)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.app import make_assistant
from bot.complaints.store import Store
from handlers.terminal import TERMINAL_USER, chat


def test_complaint_filed_forwarded_and_acknowledged_in_the_terminal(loaded, tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assistant = make_assistant(loaded, store, demo_staff=frozenset({TERMINAL_USER}))
    out = io.StringIO()
    lines = [
        "/phananh",
        "Bến Thành",  # typed: the city has ~170 wards
        "2",  # Hách dịch, cửa quyền
        "1",  # Hôm nay
        "Cán bộ quát tôi <b>trước mặt mọi người</b>",
        "1",  # no official name
        "1",  # no dossier code
        "1",  # no photo
        "1",  # anonymous
        "1",  # send
        "1",  # the ward presses Tiếp nhận on the forwarded case
    ]
    chat(assistant, lines=lines, out=out)
    text = out.getvalue()
    assert text.count("Mã tra cứu") == 1  # the queued confirmation is shown once, not again from the outbox
    assert "── gửi đến nhóm Phường Bến Thành ──" in text
    assert "<b>trước mặt mọi người</b>" in text  # shown as typed, never interpreted as markup
    assert "Ẩn danh" in text
    assert "đã tiếp nhận phản ánh của bạn" in text
    [case] = store.list()
    assert case.status == "acknowledged"


def _press(out: io.StringIO, label: str) -> str:
    """The number of the last button on screen whose label contains `label`."""
    found = re.findall(rf"\[(\d+)\] [^\n]*{re.escape(label)}", out.getvalue())
    assert found, f"no button {label!r} in {out.getvalue()[-1500:]}"
    return found[-1]


def test_a_whole_case_handled_from_both_sides_in_the_terminal(loaded, tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assistant = make_assistant(loaded, store, demo_staff=frozenset({TERMINAL_USER}))
    out = io.StringIO()

    def script():
        yield "/phananh"
        yield "Tân Sơn Nhất"  # a ward outside the old sample of six
        yield _press(out, "Thờ ơ")
        yield _press(out, "Hôm nay")
        yield "Cán bộ bỏ đi uống cà phê, để tôi chờ cả buổi"
        for _ in range(3):
            yield _press(out, "Bỏ qua")
        yield _press(out, "Ẩn danh")
        yield _press(out, "Gửi phản ánh")
        yield _press(out, "Tiếp nhận")
        # The ward's actions are offered again after "Tiếp nhận" ...
        assert "thao tác tiếp theo của phường" in out.getvalue().rsplit("Tiếp nhận", 1)[-1]
        yield _press(out, "Hỏi thêm")
        yield "Anh/chị đến quầy số mấy?"
        yield _press(out, "Trả lời phường")
        yield "Quầy số 5"
        # ... and after every other action, until the case is resolved.
        yield _press(out, "Đã giải quyết")
        yield "Đã nhắc nhở cán bộ quầy 5, xin lỗi người dân."
        yield _press(out, "⭐⭐⭐⭐⭐")

    chat(assistant, lines=script(), out=out)
    [case] = store.list()
    assert case.ward_code == "26968"
    assert case.status == "closed" and case.rating == 5
    assert "── gửi đến nhóm Phường Tân Sơn Nhất ──" in out.getvalue()

"""The whole complaint cycle in the terminal chat: the local user files it and, in this demo
channel, also plays the ward (the outbox is printed with its destination)."""

from __future__ import annotations

import io
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

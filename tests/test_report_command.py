"""/baocao: the chart for a unit's group, only for that unit's people."""

from __future__ import annotations

from pathlib import Path

from complaint_helpers import (
    SUPERVISOR_CHAT_ID,
    WARD_CHAT,
    Clock,
    build,
    with_channels,
)

from bot.conversation import Incoming

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_supervisor_group_gets_the_chart(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock(), with_channels(loaded.config))
    replies = assistant.handle(Incoming("tg:777", text="/baocao", chat=f"tg:{SUPERVISOR_CHAT_ID}"))
    assert len(replies) == 1
    assert isinstance(replies[0].photo, bytes) and replies[0].photo.startswith(PNG_MAGIC)
    assert "Sở Nội vụ" in replies[0].text


def test_ward_group_needs_listed_staff(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock(), with_channels(loaded.config))
    refused = assistant.handle(Incoming("tg:999", text="/baocao", chat=WARD_CHAT))
    assert refused[0].photo is None and "cán bộ được phân công" in refused[0].text
    allowed = assistant.handle(Incoming("tg:501", text="/baocao", chat=WARD_CHAT))
    assert isinstance(allowed[0].photo, bytes)


def test_private_chat_is_refused(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock(), with_channels(loaded.config))
    reply = assistant.handle(Incoming("tg:1001", text="/baocao"))
    assert reply[0].photo is None

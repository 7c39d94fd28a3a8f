"""Our bot, end to end: python-telegram-bot over HTTP against the Bot API emulator.

Each test runs the real Application (handlers, JobQueue outbox worker, AIORateLimiter) built by
`handlers.telegram_app.build_application`, plays citizens and ward staff through the emulator's
client routes, and reads what the bot sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from harness import BotMessage, Emulator
from telegram.ext import Application

from bot.app import Loaded, load, make_assistant
from bot.complaints.store import Store
from handlers.telegram_app import build_application

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = 1001
STAFF = 501
OUTSIDER = 999
WARD = "26743"  # Phường Bến Thành
WARD_GROUP = -1001001001
SUPERVISOR_GROUP = -1009009009
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")


def deployment() -> Loaded:
    """The shipped deployment with Telegram groups and staff for one ward, and fast outbox retries."""
    loaded = load(ROOT / "config.yaml")
    config = loaded.config
    wards = [
        w.model_copy(update={"chat_id": WARD_GROUP, "staff_ids": [STAFF]}) if w.code == WARD else w
        for w in config.wards
    ]
    supervisors = [s.model_copy(update={"chat_id": SUPERVISOR_GROUP}) for s in config.supervisors]
    telegram = config.telegram.model_copy(update={"outbox_interval": 0.2, "outbox_max_backoff": 0.5})
    config = config.model_copy(update={"wards": wards, "supervisors": supervisors, "telegram": telegram})
    return dataclasses.replace(loaded, config=config)


@asynccontextmanager
async def running_bot(emulator: Emulator, db: Path, loaded: Loaded | None = None) -> AsyncIterator[Application]:
    assistant = make_assistant(loaded or deployment(), Store(db))
    app = build_application(assistant, emulator.token, emulator.base_url)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.05, timeout=0)
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            await app.stop()
    assistant.store.close()


async def say(emulator: Emulator, text: str, user: int = CITIZEN) -> BotMessage:
    sent = await emulator.send_message(user, user, text)
    return await emulator.wait_for_bot_message(user, after=sent)


async def press(emulator: Emulator, message: BotMessage, data: str, user: int = CITIZEN) -> BotMessage:
    sent = await emulator.press_button(message.chat_id, user, message, data)
    await emulator.wait_for_callback_answer(sent)
    return await emulator.wait_for_bot_message(message.chat_id, after=sent)


async def press_label(emulator: Emulator, message: BotMessage, prefix: str) -> BotMessage:
    button = next(b for b in message.buttons if b.text.startswith(prefix))
    assert button.callback_data
    return await press(emulator, message, button.callback_data)


async def file_complaint(emulator: Emulator, description: str, ward: str = "Bến Thành") -> str:
    """Go through the whole intake in a private chat (the ward typed by name); return the tracking code."""
    sent = await emulator.send_command(CITIZEN, CITIZEN, "/phananh")
    await emulator.wait_for_bot_message(CITIZEN, lambda m: "phường/xã nào" in (m.text or ""), after=sent)
    step = await say(emulator, ward)
    step = await press(emulator, step, "i:cat:hach-dich")
    step = await press(emulator, step, "i:when:today")
    step = await say(emulator, description)
    for _ in range(3):  # official, dossier code, photo: all optional
        step = await press(emulator, step, "i:skip")
    step = await press(emulator, step, "i:anon")
    assert "Kiểm tra lại" in (step.text or "")
    done = await press(emulator, step, "i:submit")
    match = CODE.search(done.text or "")
    assert match, done.text
    return match.group(0)


async def test_question_is_answered(emulator: Emulator, tmp_path: Path) -> None:
    async with running_bot(emulator, tmp_path / "db.sqlite3"):
        reply = await say(emulator, "lam cccd o dau")
        assert "căn cước" in (reply.text or "").lower()
        assert "Nơi nộp" in (reply.text or "")
        assert reply.parse_mode == "HTML"


async def test_ambiguous_question_answered_through_a_button(emulator: Emulator, tmp_path: Path) -> None:
    async with running_bot(emulator, tmp_path / "db.sqlite3"):
        choices = await say(emulator, "khai tu online")
        assert "thủ tục nào" in (choices.text or "")
        data = next(
            b.callback_data for b in choices.buttons if b.callback_data and "ho-tich.khai-tu" in b.callback_data
        )
        answer = await press(emulator, choices, data)
        assert "Đăng ký khai tử" in (answer.text or "")
        assert "Nộp trực tuyến" in (answer.text or "")


async def test_complaint_reaches_the_ward_and_staff_acknowledge(emulator: Emulator, tmp_path: Path) -> None:
    async with running_bot(emulator, tmp_path / "db.sqlite3"):
        code = await file_complaint(emulator, "Cán bộ quát tháo <b>rất to</b> & không hướng dẫn")
        forward = await emulator.wait_for_bot_message(WARD_GROUP, lambda m: code in (m.text or ""), timeout=5)
        assert "Ẩn danh" in (forward.text or "")
        assert str(CITIZEN) not in (forward.text or "")
        assert "&lt;b&gt;rất to&lt;/b&gt; &amp;" in (forward.text or "")  # citizen text escaped, not markup

        # Someone in the group who is not listed as staff is refused.
        sent = await emulator.press_button(WARD_GROUP, OUTSIDER, forward, f"w:ack:{code}")
        answer = await emulator.wait_for_callback_answer(sent)
        assert answer.text and "không thuộc cán bộ" in answer.text

        # The ward's staff acknowledge; the citizen is told.
        sent = await emulator.press_button(WARD_GROUP, STAFF, forward, f"w:ack:{code}")
        await emulator.wait_for_callback_answer(sent)
        note = await emulator.wait_for_bot_message(CITIZEN, lambda m: "tiếp nhận" in (m.text or ""), after=sent)
        assert code in (note.text or "")

        await asyncio.sleep(0.5)
        forwards = [
            m
            for m in await emulator.bot_messages(WARD_GROUP)
            if code in (m.text or "") and "Phản ánh mới" in (m.text or "")
        ]
        assert len(forwards) == 1


async def test_conversation_survives_a_restart(emulator: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(emulator, db):
        sent = await emulator.send_command(CITIZEN, CITIZEN, "/phananh")
        await emulator.wait_for_bot_message(CITIZEN, lambda m: "phường/xã nào" in (m.text or ""), after=sent)
        step = await say(emulator, "ben thanh")
        step = await press(emulator, step, "i:cat:tho-o")
    # A new process on the same database: the intake continues where it was.
    async with running_bot(emulator, db):
        step = await press(emulator, step, "i:when:yesterday")
        assert "kể lại sự việc" in (step.text or "")
        step = await say(emulator, "Cán bộ ngồi bấm điện thoại, không trả lời câu hỏi của tôi")
        assert "Tên cán bộ" in (step.text or "")


async def test_forward_arrives_once_after_the_api_was_unreachable(emulator: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(emulator, db) as app:
        code = await file_complaint(emulator, "Cán bộ hẹn đi hẹn lại ba lần mà không giải thích")
        await emulator.wait_for_bot_message(WARD_GROUP, lambda m: code in (m.text or ""), timeout=5)
        # The API goes away; a second complaint is stored meanwhile (straight into the core, as the
        # citizen's own messages could not reach the bot either).
        emulator.stop()
        assistant = app.bot_data["channel"].assistant
        from bot.complaints import cases
        from bot.complaints.intake import Draft

        draft = Draft(
            ward_code=WARD, category="dun-day", occurred="Hôm nay", description="Đẩy qua đẩy lại giữa các bàn"
        )
        second, _ = cases.submit(assistant.cases(), f"tg:{CITIZEN}", draft)
        assert second is not None
        await asyncio.sleep(1.5)  # several failed delivery attempts
        assert assistant.store.pending_count() >= 1
        emulator.restart()
        forward = await emulator.wait_for_bot_message(WARD_GROUP, lambda m: second.code in (m.text or ""), timeout=10)
        assert "Đẩy qua đẩy lại" in (forward.text or "")
        await asyncio.sleep(1.0)
        copies = [m for m in await emulator.bot_messages(WARD_GROUP) if second.code in (m.text or "")]
        assert len(copies) == 1
        assert assistant.store.pending_count() == 0


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "😡😡😡", "a" * 5000])
async def test_hostile_input_gets_a_clear_reply(emulator: Emulator, tmp_path: Path, text: str) -> None:
    async with running_bot(emulator, tmp_path / "db.sqlite3"):
        reply = await say(emulator, text)
        assert reply.text
        assert "<script>" not in reply.text


async def test_commitment_answer_leads_to_a_complaint(emulator: Emulator, tmp_path: Path) -> None:
    async with running_bot(emulator, tmp_path / "db.sqlite3"):
        answer = await say(emulator, "tre hen tra ket qua thi co duoc xin loi khong")
        assert "xin lỗi" in (answer.text or "").lower()
        assert "Nguồn" in (answer.text or "")
        start = await press(emulator, answer, "m:phananh:tre-hen")
        assert "Phản ánh" in (start.text or "") or "phường/xã nào" in (start.text or "")


async def test_a_ward_group_is_registered_with_a_one_time_code(emulator: Emulator, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    new_group = -1005005005
    async with running_bot(emulator, db) as app:
        assistant = app.bot_data["channel"].assistant
        code = assistant.store.new_registration_code("ward:26740")  # what `python -m bot groups code 26740` does
        sent = await emulator.send_command(new_group, STAFF, "/dangky", code)
        confirmed = await emulator.wait_for_bot_message(new_group, after=sent)
        assert "Phường Sài Gòn" in (confirmed.text or "")
        again = await emulator.send_command(new_group, STAFF, "/dangky", code)
        refused = await emulator.wait_for_bot_message(new_group, after=again)
        assert "đã dùng" in (refused.text or "")
        # A complaint about that ward now reaches the newly registered group.
        from bot.complaints import cases
        from bot.complaints.intake import Draft

        draft = Draft(ward_code="26740", category="tho-o", occurred="Hôm nay", description="Cán bộ làm ngơ khi tôi hỏi")
        case, _ = cases.submit(assistant.cases(), f"tg:{CITIZEN}", draft)
        assert case is not None
        await emulator.wait_for_bot_message(new_group, lambda m: case.code in (m.text or ""), timeout=5)


async def test_admin_reloads_knowledge_in_place(emulator: Emulator, tmp_path: Path) -> None:
    async with running_bot(emulator, tmp_path / "db.sqlite3") as app:
        assistant = app.bot_data["channel"].assistant
        assistant.config = assistant.config.model_copy(
            update={"telegram": assistant.config.telegram.model_copy(update={"admin_ids": [STAFF]})}
        )
        refused = await say(emulator, "/capnhat", user=CITIZEN)
        assert "quản trị" in (refused.text or "")
        done = await say(emulator, "/capnhat", user=STAFF)
        assert "Đã nạp lại" in (done.text or "")


BAN_CO = "27160"
BAN_CO_GROUP = -1002002002


async def test_money_demanded_goes_to_the_supervisor_never_to_the_accused_ward(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Filed under "Gây phiền hà", a story of money demanded still reaches the supervisory unit's group."""
    loaded = deployment()
    wards = [w.model_copy(update={"chat_id": BAN_CO_GROUP}) if w.code == BAN_CO else w for w in loaded.config.wards]
    loaded = dataclasses.replace(loaded, config=loaded.config.model_copy(update={"wards": wards}))
    async with running_bot(emulator, tmp_path / "db.sqlite3", loaded):
        sent = await emulator.send_command(CITIZEN, CITIZEN, "/phananh")
        await emulator.wait_for_bot_message(CITIZEN, lambda m: "phường/xã nào" in (m.text or ""), after=sent)
        step = await say(emulator, "Bàn Cờ")
        step = await press(emulator, step, "i:cat:phien-ha")
        step = await press(emulator, step, "i:when:today")
        step = await say(emulator, "cán bộ phường Bàn Cờ đòi 500 nghìn mới ký")
        for _ in range(3):
            step = await press(emulator, step, "i:skip")
        step = await press(emulator, step, "i:anon")
        done = await press(emulator, step, "i:submit")
        match = CODE.search(done.text or "")
        assert match, done.text
        code = match.group(0)
        assert "có việc đòi tiền" in (done.text or "")
        assert "Đừng đưa tiền" in (done.text or "")  # and what to do next

        forward = await emulator.wait_for_bot_message(SUPERVISOR_GROUP, lambda m: code in (m.text or ""), timeout=5)
        assert "Đòi tiền" in (forward.text or "")
        await asyncio.sleep(0.5)
        assert not [m for m in await emulator.bot_messages(BAN_CO_GROUP) if code in (m.text or "")]


async def test_a_ward_outside_the_old_sample_reaches_its_supervisor(emulator: Emulator, tmp_path: Path) -> None:
    """Phường Tân Sơn Nhất (not one of the six sample wards, no group of its own): served by its
    official name, its case goes to the supervisory unit's group, the citizen is told when."""
    async with running_bot(emulator, tmp_path / "db.sqlite3"):
        code = await file_complaint(emulator, "Cán bộ quầy 4 không nhận hồ sơ, không nói lý do", ward="p tan son nhat")
        confirmation = (await emulator.bot_messages(CITIZEN))[-1]
        assert "Sở Nội vụ Thành phố Hồ Chí Minh" in (confirmation.text or "")
        assert "Hạn tiếp nhận: trước" in (confirmation.text or "")
        forward = await emulator.wait_for_bot_message(
            SUPERVISOR_GROUP, lambda m: code in (m.text or ""), timeout=5
        )
        assert "Phường Tân Sơn Nhất" in (forward.text or "")
        assert "Ẩn danh" in (forward.text or "")
        assert not [m for m in await emulator.bot_messages(WARD_GROUP) if code in (m.text or "")]

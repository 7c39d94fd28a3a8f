"""The harness itself, proven with the bare echo bot: if these fail, no other e2e result means anything."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from echo_bot import BUTTON_ANSWER, BUTTON_DATA, ECHO_PREFIX, EDITED_PREFIX, START_REPLY, build_echo_app
from harness import Emulator
from telegram.ext import Application

CITIZEN = 1001
STAFF = 2002
GROUP = -1001234567890  # a supergroup id, the kind a ward's staff group has
SMALL_GROUP = -4242


async def _run(app: Application) -> None:
    await app.start()
    # The emulator answers getUpdates at once (no long polling), so the poll interval sets the latency.
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.05, timeout=0)


async def _halt(app: Application) -> None:
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()


@pytest.fixture
async def echo_app(emulator: Emulator) -> AsyncIterator[Application]:
    app = build_echo_app(emulator.token, emulator.base_url, emulator.base_file_url)
    async with app:
        await _run(app)
        try:
            yield app
        finally:
            await _halt(app)


async def test_bot_identity_and_dates_are_fixed(emulator: Emulator, echo_app: Application) -> None:
    # getMe (fix 1) ran in initialize(); is_bot and the username come from server.js.
    me = echo_app.bot.bot
    assert me.is_bot and me.username == emulator.bot_username and me.id == emulator.bot_id
    sent = await echo_app.bot.send_message(CITIZEN, "xin chào")
    # Fix 2: without it PTB reads a date tens of thousands of years in the future.
    assert abs(sent.date.timestamp() - time.time()) < 60
    assert sent.chat.type == "private"


async def test_user_message_is_echoed(emulator: Emulator, echo_app: Application) -> None:
    sent = await emulator.send_message(CITIZEN, CITIZEN, "Làm giấy khai sinh cần gì?")
    reply = await emulator.wait_for_bot_message(CITIZEN, after=sent, timeout=5)
    assert reply.text == f"{ECHO_PREFIX}Làm giấy khai sinh cần gì?"
    assert [b.callback_data for b in reply.buttons] == [BUTTON_DATA]


async def test_command_reaches_command_handler(emulator: Emulator, echo_app: Application) -> None:
    sent = await emulator.send_command(CITIZEN, CITIZEN, "start", "abc")
    reply = await emulator.wait_for_bot_message(CITIZEN, after=sent, timeout=5)
    assert reply.text == f"{START_REPLY} abc"


async def test_button_press_reaches_callback_handler(emulator: Emulator, echo_app: Application) -> None:
    sent = await emulator.send_message(CITIZEN, CITIZEN, "bấm nút")
    echoed = await emulator.wait_for_bot_message(CITIZEN, after=sent, timeout=5)

    press = await emulator.press_button(CITIZEN, CITIZEN, echoed, BUTTON_DATA)  # fix 3 lets PTB parse it

    answer = await emulator.wait_for_callback_answer(press, timeout=5)
    assert answer.text == BUTTON_ANSWER and not answer.show_alert
    notice = await emulator.wait_for_bot_message(CITIZEN, lambda m: m.text.startswith("callback"), after=press)
    assert notice.text == f"callback {BUTTON_DATA} handled"
    # The edit changed the echoed message in place and, not repeating the keyboard, removed it.
    (edited,) = [m for m in await emulator.bot_messages(CITIZEN) if m.message_id == echoed.message_id]
    assert edited.edited and edited.text == f"{EDITED_PREFIX}{CITIZEN}" and edited.buttons == []


@pytest.mark.parametrize("group_id", [GROUP, SMALL_GROUP])
async def test_group_message_is_read_back(emulator: Emulator, echo_app: Application, group_id: int) -> None:
    sent = await emulator.send_message(group_id, STAFF, "tiếp nhận hồ sơ")
    reply = await emulator.wait_for_bot_message(group_id, after=sent, timeout=5)
    assert reply.chat_id == group_id and reply.text == f"{ECHO_PREFIX}tiếp nhận hồ sơ"
    # Nothing leaked into the sender's private chat.
    assert await emulator.bot_messages(STAFF) == []

    # Staff press the button in the group: the callback carries the group chat back to the bot.
    press = await emulator.press_button(group_id, STAFF, reply, BUTTON_DATA)
    notice = await emulator.wait_for_bot_message(group_id, lambda m: m.text.startswith("callback"), after=press)
    assert notice.chat_id == group_id


async def test_bot_survives_emulator_outage(emulator: Emulator, echo_app: Application) -> None:
    first = await emulator.send_message(CITIZEN, CITIZEN, "trước")
    await emulator.wait_for_bot_message(CITIZEN, after=first, timeout=5)

    port = emulator.port
    emulator.stop()
    await asyncio.sleep(1.0)  # the bot's polling fails meanwhile and backs off
    emulator.start()
    assert emulator.port == port

    # The restarted emulator forgot everything; ids keep increasing so `after` stays meaningful.
    assert await emulator.bot_messages(CITIZEN) == []
    second = await emulator.send_message(CITIZEN, CITIZEN, "sau")
    assert second.update_id > first.update_id
    reply = await emulator.wait_for_bot_message(CITIZEN, after=second, timeout=10)
    assert reply.text == f"{ECHO_PREFIX}sau"

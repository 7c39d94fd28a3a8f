"""Terminal channel: chat with the assistant in a shell, buttons shown as numbered choices.

Messages the core queues for other chats (a ward's group, notifications) are delivered here too,
printed with their destination, so the whole complaint cycle can be tried on one screen: the local
user is the citizen and, in this demo channel only, may also press the ward's buttons.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import Literal, TextIO

from bot.complaints.deadlines import tick
from bot.complaints.outbox import deliver_due, deliver_one
from bot.complaints.routing import unit_name
from bot.complaints.texts import remaining_ward_actions
from bot.config import Config
from bot.conversation import Assistant, Incoming
from bot.replies import Button, QueuedReply, Reply, to_plain

TERMINAL_USER = "terminal:local"


def render(reply: Reply, first_number: int = 1) -> tuple[str, list[Button]]:
    """Plain text of a reply, its buttons numbered from `first_number`."""
    text = to_plain(reply.text)
    if isinstance(reply.photo, bytes):
        text += f"\n[ảnh PNG, {len(reply.photo):,} byte]"
    elif reply.photo:
        text += f"\n[ảnh: {reply.photo}]"
    buttons = reply.all_buttons()
    lines = [text]
    for offset, button in enumerate(buttons):
        lines.append(f"  [{first_number + offset}] {button.label}")
    return "\n".join(lines), buttons


class TerminalSender:
    """Outbox sender that prints each message with where it would go."""

    def __init__(self, config: Config, out: TextIO) -> None:
        self.config = config
        self.out = out
        self.shown: list[tuple[str, Reply]] = []

    def destination(self, target: str) -> str:
        if target == TERMINAL_USER:
            return "bạn"
        if target.startswith(("ward:", "supervisor:")):
            return f"nhóm {unit_name(self.config, target)}"
        return target

    async def send(self, target: str, reply: Reply) -> str | None:
        self.shown.append((target, reply))
        return str(len(self.shown))


class _Shown:
    """Sender for a queued reply the terminal has just printed as a direct reply."""

    async def send(self, target: str, reply: Reply) -> str | None:
        return "terminal"


def chat(assistant: Assistant, lines: Iterable[str] | None = None, out: TextIO = sys.stdout) -> None:
    """Run the conversation loop until end of input or "/thoat"."""
    sender = TerminalSender(assistant.config, out)
    out.write("Trợ lý Một cửa (gõ câu hỏi; số để chọn nút; /thoat để thoát)\n\n")
    shown, buttons = render(assistant.handle(Incoming(TERMINAL_USER, text="/start"))[0])
    out.write(shown + "\n")
    source = lines if lines is not None else _stdin_lines(out)
    ward_case: str | None = None  # the case the local user last acted on as the ward
    for raw in source:
        line = raw.strip()
        if line in ("/thoat", "/exit", "/quit"):
            break
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            msg = Incoming(TERMINAL_USER, button=buttons[int(line) - 1].data)
        else:
            msg = Incoming(TERMINAL_USER, text=line)
        if msg.button and msg.button.startswith("w:"):
            ward_case = msg.button.split(":")[2]
        buttons = []
        for reply in assistant.handle(msg):
            text, new_buttons = render(reply, len(buttons) + 1)
            buttons += new_buttons
            out.write("\n" + text + "\n")
            if isinstance(reply, QueuedReply):
                asyncio.run(deliver_one(assistant.store, _Shown(), reply.outbox_id))  # shown just above
        sender.shown.clear()
        tick(assistant.store, assistant.config)
        asyncio.run(deliver_due(assistant.store, sender))
        for target, reply in sender.shown:
            text, new_buttons = render(reply, len(buttons) + 1)
            buttons += new_buttons
            out.write(f"\n── gửi đến {sender.destination(target)} ──\n{text}\n")
        if ward_case is not None:
            offer = _ward_offer(assistant, ward_case)
            if offer is None:
                ward_case = None
            elif offer:
                text, new_buttons = render(offer, len(buttons) + 1)
                buttons += new_buttons
                out.write(f"\n── nhóm {unit_name(assistant.config, 'ward:' + assistant.store.get(ward_case).ward_code)} ──\n{text}\n")
        out.write("\n")
        out.flush()


def _ward_offer(assistant: Assistant, code: str) -> Reply | Literal[False] | None:
    """The ward's remaining actions on `code`: None once the case is over, False while the ward
    is typing a reply (its prompt is the last thing on screen)."""
    state, _ = assistant.store.load_session(TERMINAL_USER)
    if state and state.get("flow") == "staff":
        return False
    case = assistant.store.get(code)
    return remaining_ward_actions(case) if case is not None else None


def _stdin_lines(out: TextIO) -> Iterable[str]:
    while True:
        out.write("> ")
        out.flush()
        line = sys.stdin.readline()
        if not line:
            return
        yield line

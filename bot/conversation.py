"""The conversation core: one citizen message or button press in, replies out.

Channel-agnostic by design (no Telegram import): the Telegram and terminal adapters build an
`Incoming`, call `Assistant.handle`, and render the `Reply` objects they get back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot import qa
from bot.answers import ASPECT_LABELS
from bot.config import Config
from bot.knowledge import Knowledge
from bot.replies import Reply
from bot.understanding import Understanding, understand


@dataclass(frozen=True)
class Incoming:
    """What a person sent: text, a pressed button's data, or a photo, from one channel user."""

    user: str  # channel-qualified id, e.g. "tg:12345" or "terminal"
    text: str | None = None
    button: str | None = None
    photo: str | None = None  # channel file id of a photo, for complaint evidence
    name: str | None = None  # display name, shared with a ward only with consent
    chat: str | None = None  # channel-qualified chat id when it differs from the user (groups)


class KnowledgeHolder:
    """The knowledge in service; `swap` replaces it atomically after a successful reload."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge

    @property
    def current(self) -> Knowledge:
        return self._knowledge

    def swap(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge


def _today() -> dt.date:
    return dt.date.today()


class Assistant:
    """Routes each incoming event to the right flow; holds no per-user state in memory."""

    def __init__(self, knowledge: KnowledgeHolder, config: Config, today: Callable[[], dt.date] = _today) -> None:
        self.knowledge = knowledge
        self.config = config
        self.today = today

    def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one event."""
        if msg.button is not None:
            return self._button(msg, msg.button)
        text = (msg.text or "").strip()
        if text.startswith("/"):
            return self._command(msg, text)
        if not text:
            return [Reply("Bạn hãy gõ câu hỏi bằng chữ, ví dụ: <i>làm căn cước ở đâu</i>.", qa.menu_buttons())]
        return self._question(msg, text)

    def _command(self, msg: Incoming, text: str) -> list[Reply]:
        command, _, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        knowledge = self.knowledge.current
        if command in ("/start", "/menu"):
            return [qa.welcome(self.config)]
        if command in ("/trogiup", "/help"):
            return [qa.help_reply(self.config)]
        if command == "/thutuc":
            if argument.strip():
                return self._question(msg, argument)
            return [qa.browse_fields(knowledge)]
        if command == "/huy":
            return [Reply("Đã hủy. Bạn cần gì thêm cứ hỏi nhé.", qa.menu_buttons())]
        return [Reply("Tôi chưa hiểu lệnh này. Gõ /trogiup để xem các lệnh.", qa.menu_buttons())]

    def _button(self, msg: Incoming, data: str) -> list[Reply]:
        knowledge = self.knowledge.current
        kind, _, rest = data.partition(":")
        if kind == "p":
            return [qa.show_procedure(knowledge, rest, None)]
        if kind == "a":
            aspect, _, proc_id = rest.partition(":")
            return [qa.show_procedure(knowledge, proc_id, aspect if aspect in ASPECT_LABELS else None)]
        if kind == "f":
            return [qa.browse_field(knowledge, rest)]
        if kind == "m":
            return self._menu(msg, rest)
        return [Reply("Nút này đã cũ hoặc không hợp lệ. Bạn chọn lại từ menu nhé.", qa.menu_buttons())]

    def _menu(self, msg: Incoming, item: str) -> list[Reply]:
        if item == "thutuc":
            return [qa.browse_fields(self.knowledge.current)]
        if item == "none":
            return [qa.decline(self.config)]
        if item in ("camket", "phananh", "tracuu"):
            return self._command(msg, "/" + item)
        return [qa.welcome(self.config)]

    def _question(self, msg: Incoming, text: str) -> list[Reply]:
        knowledge = self.knowledge.current
        result = understand(knowledge, text)
        return self._answer(msg, result)

    def _answer(self, msg: Incoming, result: Understanding) -> list[Reply]:
        knowledge = self.knowledge.current
        if result.kind == "procedure":
            return [qa.show_procedure(knowledge, result.procedure_id, result.aspect)]
        if result.kind == "ambiguous":
            return [qa.choices(knowledge, result)]
        return [qa.greeting_or_decline(self.config, result, knowledge)]

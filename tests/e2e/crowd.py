"""Many simulated citizens at once over the Bot API emulator: a shared history reader and the
complaint intake as a citizen walks it through buttons. Used by the concurrency e2e test and by
benchmarks/concurrency.py.

One reader task fetches the emulator's history for everyone (every user polling its own chat would
load the emulator more than the bot under test does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import httpx
from harness import BotMessage, Emulator

WARD = "26743"  # Phường Bến Thành
ERROR_TEXT = "Xin lỗi, đã có lỗi"


@dataclass
class _Wait:
    chat_id: int
    after: int
    predicate: Callable[[BotMessage], bool]
    future: asyncio.Future[tuple[float, BotMessage]]


class HistoryPoller:
    """One task fetches the emulator's whole history every `interval` seconds and hands each poll
    to `_ingest`; used as an async context manager. Readers differ only in what they keep."""

    def __init__(self, emulator: Emulator, interval: float) -> None:
        self.emulator = emulator
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        self._http = httpx.AsyncClient(trust_env=False, timeout=10.0)
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._http is not None:
            await self._http.aclose()

    async def _run(self) -> None:
        assert self._http is not None
        url = f"{self.emulator.api_url}/getUpdatesHistory"
        while True:
            started = time.perf_counter()
            try:
                response = await self._http.post(url, json={"token": self.emulator.token})
                seen_at = time.perf_counter()
                entries = response.json().get("result") or []
            except (httpx.HTTPError, ValueError):
                self._failed()
            else:
                self._polled(response, seen_at - started)
                self._ingest(entries, seen_at)
            await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - started)))

    def _failed(self) -> None:
        """A poll that failed (the next one comes after the usual interval)."""

    def _polled(self, response: httpx.Response, seconds: float) -> None:
        """A poll that returned, before its entries are ingested."""

    def _ingest(self, entries: list[dict[str, Any]], seen_at: float) -> None:
        raise NotImplementedError


class HistoryReader(HistoryPoller):
    """Keeps every bot message per chat and resolves waits per chat."""

    def __init__(self, emulator: Emulator, interval: float = 0.05) -> None:
        super().__init__(emulator, interval)
        self.by_chat: dict[int, list[BotMessage]] = {}
        self._seen: set[int] = set()
        self._waits: list[_Wait] = []

    def _ingest(self, entries: list[dict[str, Any]], seen_at: float) -> None:
        for entry in sorted(entries, key=lambda e: e.get("updateId", 0)):
            msg = entry.get("message")
            update_id = int(entry.get("updateId", 0))
            if update_id in self._seen or "callbackQuery" in entry or not isinstance(msg, dict):
                continue
            if "chat_id" not in msg:
                continue  # a user's update, not a bot message
            self._seen.add(update_id)
            bm = BotMessage.from_history(entry)
            self.by_chat.setdefault(bm.chat_id, []).append(bm)
        for wait in list(self._waits):
            if wait.future.done():
                self._waits.remove(wait)
                continue
            for bm in self.by_chat.get(wait.chat_id, []):
                if bm.update_id > wait.after and wait.predicate(bm):
                    wait.future.set_result((seen_at, bm))
                    self._waits.remove(wait)
                    break

    async def wait(
        self, chat_id: int, after: int, predicate: Callable[[BotMessage], bool], timeout: float
    ) -> tuple[float, BotMessage]:
        """(moment seen, message): the first bot message in `chat_id` after update `after` matching."""
        future: asyncio.Future[tuple[float, BotMessage]] = asyncio.get_running_loop().create_future()
        self._waits.append(_Wait(chat_id, after, predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = [(m.update_id, (m.text or "")[:60]) for m in self.by_chat.get(chat_id, []) if m.update_id > after]
            raise TimeoutError(f"chat {chat_id}: nothing matching after update {after}; saw {seen}") from None

    def messages(self, chat_id: int | None = None) -> list[BotMessage]:
        if chat_id is not None:
            return list(self.by_chat.get(chat_id, []))
        return [m for chat in self.by_chat.values() for m in chat]


def offers(data: str) -> Callable[[BotMessage], bool]:
    return lambda m: any(b.callback_data == data for b in m.buttons)


def anything(m: BotMessage) -> bool:
    return True


def failed(m: BotMessage) -> bool:
    return ERROR_TEXT in (m.text or "")


class BotFailed(Exception):
    """The bot answered with its generic error message."""


@dataclass
class Filed:
    """One citizen's complaint: the tracking code confirmed, and how long the confirmation took."""

    user: int
    code: str | None
    seconds_to_confirmation: float | None
    error: str | None = None


# The intake through buttons, each step with the button the bot's next message must offer.
STEPS: tuple[tuple[str, str | None], ...] = (
    ("say", "Bến Thành"),  # the ward, typed (the city has ~170)
    ("press", "i:cat:hach-dich"),
    ("press", "i:when:today"),
    ("say", None),  # the description, typed (None: the citizen's own text)
    ("press", "i:skip"),  # official
    ("press", "i:skip"),  # dossier code
    ("press", "i:skip"),  # photo
    ("press", "i:anon"),
)
NEXT_BUTTON = (
    "i:cat:hach-dich",
    "i:when:today",
    None,
    "i:skip",
    "i:skip",
    "i:skip",
    "i:anon",
    "i:submit",
)


async def file_complaint(
    emulator: Emulator, reader: HistoryReader, user: int, description: str, timeout: float = 30.0
) -> Filed:
    """A citizen files a complaint in a private chat, through the real buttons, and waits for the code."""

    async def next_message(after: int, predicate: Callable[[BotMessage], bool]) -> tuple[float, BotMessage]:
        seen_at, message = await reader.wait(user, after, lambda m: predicate(m) or failed(m), timeout)
        if failed(message):
            raise BotFailed(message.text or "")
        return seen_at, message

    try:
        sent = await emulator.send_command(user, user, "/phananh")
        _, step = await next_message(sent.update_id, lambda m: "phường/xã nào" in (m.text or ""))
        for (kind, data), wanted in zip(STEPS, NEXT_BUTTON, strict=True):
            if kind == "press":
                assert data is not None
                sent = await emulator.press_button(user, user, step, data)
            else:
                sent = await emulator.send_message(user, user, data if data is not None else description)
            _, step = await next_message(sent.update_id, offers(wanted) if wanted else anything)
        pressed = time.perf_counter()
        sent = await emulator.press_button(user, user, step, "i:submit")
        seen_at, done = await next_message(sent.update_id, lambda m: "Mã tra cứu" in (m.text or ""))
    except (TimeoutError, AssertionError, BotFailed, httpx.HTTPError) as exc:
        return Filed(user, None, None, f"{type(exc).__name__}: {exc}")
    code = (done.text or "").split("Mã tra cứu:", 1)[1].split("\n", 1)[0]
    code = code.replace("<b>", "").replace("</b>", "").strip()
    return Filed(user, code, seen_at - pressed)


async def ask(emulator: Emulator, reader: HistoryReader, user: int, question: str, timeout: float = 60.0) -> float:
    """A citizen asks one question; seconds until the answer is visible."""
    started = time.perf_counter()
    sent = await emulator.send_message(user, user, question)
    seen_at, _ = await reader.wait(user, sent.update_id, anything, timeout)
    return seen_at - started


@dataclass
class ErrorCounter(logging.Handler):
    """Counts ERROR records (a failed update logs one) from the loggers it is attached to."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __hash__(self) -> int:
        return id(self)

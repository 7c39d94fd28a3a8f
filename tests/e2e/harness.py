"""Drive the telegram-test-api emulator (tests/e2e/emulator/server.js) from Python tests.

The bot under test talks to the emulator exactly as to Telegram (``base_url``); the test plays the
citizen or the ward staff through the emulator's client routes and reads back what the bot sent.

Process control (``start``/``stop``/``restart``) is synchronous because it is short and happens around
the bot; everything that talks to the emulator while the bot runs is ``async`` so that waiting for a
reply never blocks the event loop the bot itself is polling in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import httpx

EMULATOR_DIR = Path(__file__).resolve().parent / "emulator"
SERVER_JS = EMULATOR_DIR / "server.js"
HOST = "127.0.0.1"

ChatType = Literal["private", "group", "supergroup"]

# Ids of a restarted emulator start this far above the previous start, so that cursors taken before an
# outage still mean "later than" afterwards (the emulator keeps nothing across a restart).
_RESTART_ID_STEP = 1_000_000


class EmulatorError(RuntimeError):
    """The emulator could not be started or answered something unexpected."""


def node_executable() -> str | None:
    """Path of ``node``, or None: the e2e tests are skipped, not failed, on machines without it."""
    return shutil.which("node")


def npm_deps_installed() -> bool:
    return (EMULATOR_DIR / "node_modules" / "telegram-test-api" / "package.json").is_file()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def new_token() -> str:
    """A token in Telegram's shape; the emulator keeps each token's chats apart, so one per test is isolation."""
    return f"{100_000_000 + uuid.uuid4().int % 900_000_000}:TEST-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Sent:
    """Ids the emulator assigned to what the test sent: pass ``update_id`` as ``after=`` to only see replies."""

    update_id: int
    message_id: int
    callback_query_id: str | None = None


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as the emulator holds it now (edits are applied in place)."""

    update_id: int
    message_id: int
    chat_id: int
    text: str | None
    date: int
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    edited: bool
    raw: dict[str, Any] = field(repr=False)

    @property
    def buttons(self) -> list[Button]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for row in rows for b in row]

    def button(self, text: str) -> Button:
        """The inline button labelled ``text`` (exact match); KeyError lists what is there."""
        for b in self.buttons:
            if b.text == text:
                return b
        raise KeyError(f"no button {text!r}; buttons: {[b.text for b in self.buttons]}")

    @classmethod
    def from_history(cls, entry: dict[str, Any]) -> BotMessage:
        msg = entry["message"]
        markup = msg.get("reply_markup")
        if isinstance(markup, str):  # stored as the bot sent it when the emulator could not parse it
            markup = json.loads(markup)
        date = msg.get("date") or entry["time"]
        return cls(
            update_id=int(entry["updateId"]),
            message_id=int(entry["messageId"]),
            chat_id=int(msg["chat_id"]),
            text=msg.get("text"),
            date=int(date // 1000 if date > 1e11 else date),
            reply_markup=markup if isinstance(markup, dict) else None,
            parse_mode=msg.get("parse_mode"),
            edited="edit_date" in msg,
            raw=entry,
        )


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


def _chat(chat_id: int, chat_type: ChatType | None) -> dict[str, Any]:
    # Same inference as server.js, so the chat the bot sees matches in user updates and its own messages.
    inferred: ChatType = "private" if chat_id > 0 else ("supergroup" if str(chat_id).startswith("-100") else "group")
    kind: ChatType = chat_type or inferred
    if (kind == "private") != (chat_id > 0):
        # Telegram never mixes these; a test that does would exercise a situation that cannot happen.
        raise ValueError(f"chat id {chat_id} cannot be a {kind} chat (groups have negative ids)")
    if kind == "private":
        return {"id": chat_id, "type": kind, "first_name": f"User {chat_id}"}
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def _user(user_id: int, first_name: str | None, username: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
    if username:
        user["username"] = username
    return user


class Emulator:
    """One emulator process on a fixed port, with the client side of a Telegram chat.

    >>> with Emulator() as emu:  # doctest: +SKIP
    ...     app = Application.builder().token(emu.token).base_url(emu.base_url).build()
    """

    def __init__(
        self,
        token: str | None = None,
        port: int | None = None,
        *,
        bot_username: str = "MotCuaTestBot",
        startup_timeout: float = 10.0,
        node: str | None = None,
    ) -> None:
        self.token = token or new_token()
        self.port = port or free_port()
        self.bot_username = bot_username
        self.startup_timeout = startup_timeout
        self._node = node or node_executable()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None  # temp file with the emulator's stdout/stderr, shown when it fails
        self._first_id = 1
        self._starts = 0
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    # --- addresses for python-telegram-bot ------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``: PTB appends the token and the method name."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url``: the emulator serves no files; this keeps PTB off telegram.org."""
        return f"{self.api_url}/file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id as getMe reports it: the token's numeric prefix, like on Telegram."""
        prefix = self.token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() and int(prefix) > 0 else 666

    # --- process control ------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        if self.is_running:
            return self
        if self._node is None:
            raise EmulatorError("node is not installed")
        if not npm_deps_installed():
            raise EmulatorError(f"npm dependencies missing in {EMULATOR_DIR}: run `bash scripts/test`")
        if self._starts:
            self._first_id += _RESTART_ID_STEP
        self._starts += 1
        if self._log is not None:
            self._log.close()
        # Kept open after stop() so a failing test can still show what the emulator printed.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        env = {
            **os.environ,
            "EMULATOR_BOT_USERNAME": self.bot_username,
            "EMULATOR_STORE_TIMEOUT": os.environ.get("EMULATOR_STORE_TIMEOUT", "3600"),
        }
        self._proc = subprocess.Popen(
            [
                self._node,
                str(SERVER_JS),
                "--port",
                str(self.port),
                "--first-id",
                str(self._first_id),
                "--exit-with-parent",
            ],
            cwd=EMULATOR_DIR,
            env=env,
            stdin=subprocess.PIPE,  # held open; EOF (we died) makes the emulator exit, see server.js
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        # Polling the port rather than parsing the ready line also proves the HTTP stack answers.
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self._proc is None or self._proc.poll() is not None:
                    raise EmulatorError(f"emulator exited during start-up:\n{self.log()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.post(f"{self.api_url}/getUpdatesHistory", json={"token": ""}).status_code == 200:
                        return
                time.sleep(0.05)
        self.stop()
        raise EmulatorError(f"emulator not ready on port {self.port} after {self.startup_timeout} s:\n{self.log()}")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the process (SIGTERM, then SIGKILL); the port can be reused at once by ``start``."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if proc.stdin:
            proc.stdin.close()

    def restart(self) -> Self:
        """Stop and start again on the same port; the emulator forgets every chat, ids keep increasing."""
        self.stop()
        return self.start()

    def log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- HTTP ----------------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        # An AsyncClient is bound to the loop it first ran in; a module-scoped emulator outlives
        # function-scoped loops, so make a new one whenever the loop changed.
        loop = asyncio.get_running_loop()
        if self._http is None or self._http_loop is not loop or self._http.is_closed:
            self._http = httpx.AsyncClient(trust_env=False, timeout=5.0)
            self._http_loop = loop
        return self._http

    async def aclose(self) -> None:
        if self._http is not None and not self._http.is_closed and self._http_loop is asyncio.get_running_loop():
            await self._http.aclose()
        self._http = None

    async def _post(self, route: str, payload: dict[str, Any]) -> Any:
        response = await self._client().post(f"{self.api_url}/{route}", json=payload)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise EmulatorError(f"{route} -> HTTP {response.status_code}: {response.text[:500]}")
        return body.get("result")

    # --- playing the user -----------------------------------------------------------------------------

    async def send_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: ChatType | None = None,
        *,
        first_name: str | None = None,
        username: str | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Sent:
        """A user writes ``text``. ``chat_type`` defaults by id: positive private, ``-100…`` supergroup, else group."""
        message: dict[str, Any] = {
            "botToken": self.token,
            "date": int(time.time()),
            "chat": _chat(chat_id, chat_type),
            "from": _user(user_id, first_name, username),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        # Both routes store the same update; sendCommand only insists on entities being present.
        is_command = any(e.get("type") == "bot_command" for e in entities or [])
        route = "sendCommand" if is_command else "sendMessage"
        return Sent(**await self._post(route, message))

    async def send_command(
        self,
        chat_id: int,
        user_id: int,
        command: str,
        args: str = "",
        chat_type: ChatType | None = None,
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Sent:
        """``/command args``; ``command`` may include the ``/`` and an ``@BotName`` suffix (groups)."""
        word = command if command.startswith("/") else f"/{command}"
        text = f"{word} {args}".rstrip()
        # PTB's CommandHandler only sees a command through a bot_command entity at offset 0.
        entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(word)}]
        return await self.send_message(
            chat_id, user_id, text, chat_type, first_name=first_name, username=username, entities=entities
        )

    async def press_button(
        self,
        chat_id: int,
        user_id: int,
        message: BotMessage,
        data: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> Sent:
        """The user presses the inline button carrying ``data`` under a message the bot sent."""
        if message.chat_id != chat_id:
            raise ValueError(f"message {message.message_id} is in chat {message.chat_id}, not {chat_id}")
        offered = [b.callback_data for b in message.buttons]
        if data not in offered:
            # Telegram can only deliver data of a button that is on screen; pressing anything else would be a test bug.
            raise ValueError(f"message {message.message_id} has no button with data {data!r}; it offers {offered}")
        callback_message: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": _chat(chat_id, None),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Bot", "username": self.bot_username},
            "text": message.text or "",
            "reply_markup": message.reply_markup,
        }
        payload = {
            "botToken": self.token,
            "from": _user(user_id, first_name, username),
            "message": callback_message,
            "data": data,
        }
        return Sent(**await self._post("sendCallback", payload))

    # --- reading what the bot did ---------------------------------------------------------------------

    async def history(self) -> list[dict[str, Any]]:
        """Everything stored for this token (user updates and bot messages), oldest first."""
        entries = await self._post("getUpdatesHistory", {"token": self.token}) or []
        return sorted(entries, key=lambda e: e.get("updateId", 0))

    async def bot_messages(self, chat_id: int | None = None, *, after: int | Sent | None = None) -> list[BotMessage]:
        """Messages the bot sent (to ``chat_id`` if given), oldest first, in their current (edited) state.

        Read from getUpdatesHistory, not the client getUpdates route: that one marks messages read, so
        a second look would miss them, and it never shows an edit of a message already read.
        """
        floor = after.update_id if isinstance(after, Sent) else (after or 0)
        out = []
        for entry in await self.history():
            msg = entry.get("message")
            # Bot messages are stored as the bot's request (chat_id); user updates carry a chat object.
            if "callbackQuery" in entry or not isinstance(msg, dict) or "chat_id" not in msg:
                continue
            bm = BotMessage.from_history(entry)
            if bm.update_id > floor and (chat_id is None or bm.chat_id == chat_id):
                out.append(bm)
        return out

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        after: int | Sent | None = None,
    ) -> BotMessage:
        """First bot message in ``chat_id`` (after the update ``after``) that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        seen: list[BotMessage] = []
        while True:
            seen = await self.bot_messages(chat_id, after=after)
            for bm in seen:
                if predicate is None or predicate(bm):
                    return bm
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"no matching bot message in chat {chat_id} within {timeout} s; bot sent there: "
                    f"{[(m.message_id, m.text) for m in seen]}"
                )
            await asyncio.sleep(0.03)

    async def callback_answers(self) -> list[CallbackAnswer]:
        """Answers to callback queries (the toast/alert the user sees), oldest first; recorded by server.js."""
        rows = await self._post("getCallbackAnswers", {"token": self.token}) or []
        return [
            CallbackAnswer(r["callback_query_id"], r.get("text"), bool(r.get("show_alert")), r.get("url")) for r in rows
        ]

    async def wait_for_callback_answer(self, sent: Sent, timeout: float = 5.0) -> CallbackAnswer:
        """The bot's answer to the button press ``sent`` (what ``press_button`` returned)."""
        deadline = time.monotonic() + timeout
        while True:
            for answer in await self.callback_answers():
                if answer.callback_query_id == sent.callback_query_id:
                    return answer
            if time.monotonic() >= deadline:
                raise TimeoutError(f"callback query {sent.callback_query_id} not answered within {timeout} s")
            await asyncio.sleep(0.03)


def _utf16_len(text: str) -> int:
    # Telegram measures entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


@contextlib.contextmanager
def running_emulator(**kwargs: Any) -> Iterator[Emulator]:
    emulator = Emulator(**kwargs)
    try:
        yield emulator.start()
    finally:
        emulator.stop()

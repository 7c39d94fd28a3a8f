"""Webhook mode end to end: `python -m bot run` as a real process, the test playing Telegram.

The bot listens on a local port (python-telegram-bot's webhook server) and calls the Bot API
emulator for everything it sends; the test posts update JSON shaped exactly as Telegram posts it,
with the secret token header, and reads the bot's messages back from the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from harness import BotMessage, Emulator, free_port

from bot.privacy.keys import DataKey

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = 1001
STAFF = 501
WARD = "26743"
WARD_GROUP = -1001001001
SUPERVISOR_GROUP = -1009009009
SECRET = "webhook-secret-0123456789abcdef"
HOOK_PATH = "/telegram/hook"
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
DATA_KEY = DataKey.generate().text()


def write_deployment(folder: Path, port: int) -> Path:
    """The shipped config in webhook mode on `port`, with groups for one ward and its supervisor."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["knowledge_dir"] = str(ROOT / "knowledge")
    config["database"] = str(folder / "motcua.sqlite3")
    config.setdefault("backup", {})["dir"] = str(folder / "backups")
    config["telegram"] = {
        **config.get("telegram", {}),
        "mode": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}{HOOK_PATH}",
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
        "outbox_interval": 0.2,
        "outbox_max_backoff": 0.5,
    }
    # Every ward of the province is served; `wards:` only overrides, here Bến Thành's group and staff.
    config["wards"] = [w for w in config.get("wards") or [] if w["code"] != WARD]
    config["wards"].append({"code": WARD, "chat_id": WARD_GROUP, "staff_ids": [STAFF]})
    for supervisor in config["supervisors"]:
        supervisor["chat_id"] = SUPERVISOR_GROUP
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class WebhookBot:
    """`python -m bot run` in webhook mode, and the Telegram side that posts updates to it."""

    def __init__(self, emulator: Emulator, config: Path, port: int) -> None:
        self.emulator, self.config, self.port = emulator, config, port
        self.url = f"http://127.0.0.1:{port}{HOOK_PATH}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - read back when a test fails
        self.next_update = 1

    def start(self, timeout: float = 20.0) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.emulator.token,
            "TELEGRAM_BASE_URL": self.emulator.base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            # The database sits beside the config here, where a key file is refused: the key comes
            # from the environment, as on a server (deploy/motcua.env.example).
            "MOTCUA_DATA_KEY": DATA_KEY,
        }
        env.pop("MOTCUA_CONFIG", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"bot exited:\n{self.output()}"
                with contextlib.suppress(httpx.TransportError):
                    # Registered with "Telegram" (setWebhook) and listening: a GET on the hook is refused.
                    info = client.post(f"{self.emulator.base_url}{self.emulator.token}/getWebhookInfo").json()
                    if info["result"]["url"] == self.url and client.get(self.url).status_code == 405:
                        return
                time.sleep(0.1)
        raise AssertionError(f"webhook not ready after {timeout} s:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM, as systemd stops or restarts the service; return the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"bot did not stop on SIGTERM:\n{self.output()}") from None

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    # -- the Telegram side --------------------------------------------------------------------------

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
            response = await client.post(self.url, json=update, headers=headers)
        return response.status_code

    def _update(self, **body: Any) -> dict[str, Any]:
        update_id, self.next_update = self.next_update, self.next_update + 1
        return {"update_id": update_id, **body}

    def message(self, text: str, user: int = CITIZEN) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": 100_000 + self.next_update,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "Lan"},
            "from": {"id": user, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._update(message=message)

    def button(self, pressed_on: BotMessage, data: str, user: int = CITIZEN) -> dict[str, Any]:
        assert data in {b.callback_data for b in pressed_on.buttons}, [b.callback_data for b in pressed_on.buttons]
        message = {
            "message_id": pressed_on.message_id,
            "date": pressed_on.date,
            "chat": {"id": pressed_on.chat_id, "type": "private", "first_name": "Lan"},
            "from": {"id": self.emulator.bot_id, "is_bot": True, "first_name": "Trợ lý", "username": "MotCuaTestBot"},
            "text": pressed_on.text or "",
            "reply_markup": pressed_on.reply_markup,
        }
        return self._update(
            callback_query={
                "id": str(900_000 + self.next_update),
                "from": {"id": user, "is_bot": False, "first_name": "Lan"},
                "chat_instance": f"ci-{pressed_on.chat_id}",
                "message": message,
                "data": data,
            }
        )

    async def send(self, update: dict[str, Any], chat: int = CITIZEN) -> BotMessage:
        """Post an update as Telegram would and return the bot's (last) reply in `chat`."""
        floor = max((m.update_id for m in await self.emulator.bot_messages(chat)), default=0)
        assert await self.post(update) == 200
        first = await self.emulator.wait_for_bot_message(chat, after=floor, timeout=10)
        await asyncio.sleep(0.2)  # a reply may come in several messages; the step's buttons are on the last
        return (await self.emulator.bot_messages(chat, after=first.update_id - 1))[-1]


@pytest.fixture
def webhook_bot(emulator: Emulator, tmp_path: Path):
    port = free_port()
    bot = WebhookBot(emulator, write_deployment(tmp_path, port), port)
    bot.start()
    yield bot
    if bot.proc is not None and bot.proc.poll() is None:
        bot.stop()
    bot.log.close()


async def test_question_answered_and_updates_without_the_secret_refused(
    webhook_bot: WebhookBot, emulator: Emulator
) -> None:
    assert await webhook_bot.post(webhook_bot.message("lam cccd o dau"), secret="wrong") == 403
    assert await webhook_bot.post(webhook_bot.message("lam cccd o dau"), secret=None) == 403
    await asyncio.sleep(0.3)
    assert await emulator.bot_messages(CITIZEN) == []  # nothing reached the core
    reply = await webhook_bot.send(webhook_bot.message("lam cccd o dau"))
    assert "căn cước" in (reply.text or "").lower()
    assert "Nơi nộp" in (reply.text or "")
    assert reply.parse_mode == "HTML"


async def test_complaint_filed_across_a_restart(webhook_bot: WebhookBot, emulator: Emulator) -> None:
    bot = webhook_bot
    step = await bot.send(bot.message("/phananh"))
    assert "phường/xã nào" in (step.text or "")
    step = await bot.send(bot.message("Bến Thành"))  # typed: the city has ~170 wards
    step = await bot.send(bot.button(step, "i:cat:tho-o"))
    # systemd restarts the service mid-conversation, right after the webhook accepted an update.
    # Telegram forgets an update once answered 200, so the stop must finish handling it first.
    floor = max(m.update_id for m in await emulator.bot_messages(CITIZEN))
    assert await bot.post(bot.button(step, "i:when:yesterday")) == 200
    assert bot.stop() == 0
    step = (await emulator.bot_messages(CITIZEN, after=floor))[-1]
    assert "kể lại sự việc" in (step.text or "")
    # The new process continues the intake from SQLite.
    bot.start()
    step = await bot.send(bot.message("Cán bộ quát tháo, không hướng dẫn gì"))
    assert "Tên cán bộ" in (step.text or "")
    for _ in range(3):  # official, dossier code, photo: all optional
        step = await bot.send(bot.button(step, "i:skip"))
    step = await bot.send(bot.button(step, "i:anon"))
    assert "Kiểm tra lại" in (step.text or "")
    done = await bot.send(bot.button(step, "i:submit"))
    match = CODE.search(done.text or "")
    assert match, done.text
    forward = await emulator.wait_for_bot_message(WARD_GROUP, lambda m: match.group(0) in (m.text or ""), timeout=10)
    assert "Ẩn danh" in (forward.text or "")
    assert "quát tháo" in (forward.text or "")

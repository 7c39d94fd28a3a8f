"""Telegram channel: python-telegram-bot 22 in front of the conversation core.

Update → `Incoming` → `Assistant.handle` (in a worker thread; the core is synchronous SQLite work)
→ replies rendered as HTML messages with inline keyboards. Updates of different users run
concurrently; one user's are serialised by a per-user lock so their conversation stays in order.
The outbox worker runs on the JobQueue and delivers forwards and notifications through
`TelegramSender`, which resolves ward routes to group chats at send time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.app import Loaded, make_assistant, open_store
from bot.complaints import deadlines, outbox
from bot.complaints.outbox import DeliveryError
from bot.complaints.routing import Route, chat_for
from bot.complaints.storage import backup as backups
from bot.complaints.store import OutboxItem, Store
from bot.config import Config, resolve, telegram_token
from bot.conversation import Assistant, Incoming
from bot.privacy import retention
from bot.replies import QueuedReply, Reply, split_message

log = logging.getLogger(__name__)

CHANNEL = "tg"
CAPTION_LIMIT = 1024
COMMANDS = (
    ("start", "Bắt đầu, xem menu"),
    ("thutuc", "Tra cứu thủ tục hành chính"),
    ("camket", "Cam kết của phường, thành phố"),
    ("phananh", "Phản ánh thái độ, hành vi cán bộ"),
    ("tracuu", "Tra cứu phản ánh của bạn"),
    ("dulieu", "Dữ liệu cá nhân của bạn"),
    ("huy", "Hủy thao tác đang làm"),
    ("trogiup", "Hướng dẫn sử dụng"),
)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | ForceReply | None:
    """Inline buttons of a reply (or a reply box, which Telegram groups need to pass text to bots)."""
    if reply.buttons:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
        )
    if reply.force_reply:
        return ForceReply(selective=True)
    return None


async def send_reply(bot, chat_id: int, reply: Reply) -> Message | None:
    """Send one reply, split under Telegram's 4,096-character limit; buttons go on the last part."""
    markup = keyboard(reply)
    if reply.photo:
        caption = reply.text if len(reply.text) <= CAPTION_LIMIT else reply.text[: CAPTION_LIMIT - 1] + "…"
        return await bot.send_photo(chat_id, reply.photo, caption=caption, parse_mode=ParseMode.HTML)
    parts = split_message(reply.text)
    last: Message | None = None
    for index, part in enumerate(parts):
        last = await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if index == len(parts) - 1 else None,
            disable_web_page_preview=True,
        )
    return last


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@dataclass
class TelegramSender:
    """The outbox's channel: resolve a target to a chat and deliver, translating Telegram's errors."""

    bot: object
    config: Config
    store: Store

    def chat_id(self, target: str) -> int | None:
        if target.startswith(f"{CHANNEL}:"):
            return int(target.split(":", 1)[1])
        if target.startswith(("ward:", "supervisor:")):
            return chat_for(self.config, target, self.store.registered_groups())
        return None

    async def send(self, target: str, reply: Reply) -> str | None:
        chat_id = self.chat_id(target)
        if chat_id is None:
            # No group yet (an operator has to register one): keep the message and retry later.
            raise DeliveryError(f"no Telegram chat configured for {target}")
        try:
            message = await send_reply(self.bot, chat_id, reply)
        except RetryAfter as exc:
            raise DeliveryError(str(exc), retry_after=_seconds(exc.retry_after)) from exc
        except (Forbidden, ChatMigrated) as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        except BadRequest as exc:
            permanent = "chat not found" in str(exc).lower()
            raise DeliveryError(str(exc), permanent=permanent) from exc
        except (NetworkError, TelegramError) as exc:  # TimedOut is a NetworkError
            raise DeliveryError(str(exc)) from exc
        return str(message.message_id) if message else None

    def fallback(self, item: OutboxItem) -> str | None:
        """A ward's group that refuses messages is replaced by its supervisory unit."""
        route = Route.parse(item.target)
        if route.kind == "ward":
            ward = self.config.ward(route.id)
            return f"supervisor:{ward.supervisor}" if ward else None
        return None


def to_incoming(update: Update) -> Incoming | None:
    """Translate an update into the core's event; None for updates the core does not handle."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    group = None if chat.type == ChatType.PRIVATE else f"{CHANNEL}:{chat.id}"
    base = {"user": f"{CHANNEL}:{user.id}", "name": user.full_name, "chat": group}
    if update.callback_query is not None:
        return Incoming(button=update.callback_query.data or "", **base)
    message = update.message
    if message is None:
        return None
    photo = message.photo[-1].file_id if message.photo else None
    return Incoming(text=message.text or message.caption, photo=photo, **base)


@dataclass
class TelegramChannel:
    """Everything the handlers need, kept on the Application rather than in globals."""

    assistant: Assistant
    locks: dict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    publish_dir: Path | None = None  # the public site, regenerated daily (config report.publish_dir)
    ledger: outbox.Ledger = field(default_factory=outbox.Ledger)  # accepted by Telegram, record pending

    def sender(self, bot) -> TelegramSender:
        return TelegramSender(bot, self.assistant.config, self.assistant.store)

    def _max_backoff(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.assistant.config.telegram.outbox_max_backoff)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = to_incoming(update)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await query.answer()
            return
        async with self.locks[incoming.user]:
            try:
                replies = await asyncio.to_thread(self.assistant.handle, incoming)
            except Exception:
                log.exception("core failed on an update")
                replies = [Reply("Xin lỗi, đã có lỗi xảy ra. Bạn thử lại sau ít phút nhé.")]
            if query is not None:
                # Always answer: the button keeps spinning until we do. Refusals show as a toast too.
                toast = replies[0].text[:190] if replies and replies[0].text.startswith("⛔") else None
                try:
                    await query.answer(toast)
                except TelegramError:
                    log.warning("could not answer callback query", exc_info=True)
            chat_id = update.effective_chat.id
            for reply in replies:
                if isinstance(reply, QueuedReply):
                    # Stored in the outbox with the change it reports: deliver it from there, now, once.
                    sender = self.sender(context.bot)
                    await outbox.deliver_one(
                        self.assistant.store,
                        sender,
                        reply.outbox_id,
                        fallback=sender.fallback,
                        max_backoff=self._max_backoff(),
                        ledger=self.ledger,
                    )
                else:
                    await send_reply(context.bot, chat_id, reply)

    async def schedule(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """JobQueue callback: reminders, escalations and digests due now (state is in SQLite)."""
        assistant = self.assistant
        report = await asyncio.to_thread(deadlines.tick, assistant.store, assistant.config)
        if report.escalations or report.batched or report.digests:
            log.info("scheduler: %s", report)

    async def publish(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """JobQueue callback: regenerate the public site once a day. The stamp written last in the
        folder says whether today's is done, so a restart neither skips nor repeats it."""
        from bot.publish import publish_if_due

        assistant = self.assistant
        try:
            site = await asyncio.to_thread(
                publish_if_due,
                assistant.store,
                assistant.config,
                self.publish_dir,
                assistant.knowledge.current.commitments.values(),
            )
        except Exception:
            log.exception("publishing the public site failed; the next pass retries")
            return
        if site is not None:
            log.info("public site written: %s (%d ward pages)", site.index, len(site.ward_pages))

    async def backup(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """JobQueue callback (hourly): a copy of the database once a day, older copies rotated."""
        folder = context.job.data if context.job else None
        if folder is None:
            return
        store = self.assistant.store
        try:
            result = await asyncio.to_thread(
                backups.daily, store.path, folder, self.assistant.config.backup.keep, dt.datetime.now(dt.UTC)
            )
        except backups.BackupError:
            log.exception("daily backup failed")
            return
        if result.made:
            log.info("daily backup: %s (deleted %d old)", result.made, len(result.deleted))

    async def purge(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """JobQueue callback: the daily retention purge, once per day after its time (restart-safe)."""
        assistant = self.assistant
        report = await asyncio.to_thread(retention.run_daily, assistant.store, assistant.config)
        if report is not None:
            log.info("retention purge: %s", report.summary())  # counts only, never content

    async def deliver(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """JobQueue callback: one pass of the outbox worker."""
        sender = self.sender(context.bot)
        await outbox.deliver_due(
            self.assistant.store, sender, fallback=sender.fallback, max_backoff=self._max_backoff(), ledger=self.ledger
        )


async def _post_init(app: Application) -> None:
    await app.bot.set_my_commands([BotCommand(name, description) for name, description in COMMANDS])


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed", exc_info=context.error)


def base_url(config: Config) -> str | None:
    """The Bot API base URL: `TELEGRAM_BASE_URL` wins over the config (self-hosted server, emulator)."""
    return os.environ.get("TELEGRAM_BASE_URL") or config.telegram.base_url


def build_application(
    assistant: Assistant,
    token: str,
    api_base_url: str | None = None,
    publish_dir: Path | None = None,
    backup_dir: Path | None = None,
) -> Application:
    """The python-telegram-bot Application wired to the core, with the outbox on its JobQueue (and
    the daily public site when `publish_dir` is given, the daily database copy into `backup_dir`)."""
    config = assistant.config
    builder = (
        Application.builder()
        .token(token)
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=config.telegram.rate_overall_per_second,
                overall_time_period=1,
                group_max_rate=config.telegram.rate_group_per_minute,
                group_time_period=60,
                max_retries=3,
            )
        )
        .concurrent_updates(config.telegram.concurrent_updates)
        .post_init(_post_init)
    )
    if api_base_url:
        builder = builder.base_url(api_base_url).base_file_url(api_base_url.replace("/bot", "/file/bot"))
    app = builder.build()
    # Claims left by a previous process are void: nothing of this database is being sent any more.
    assistant.store.release_claims()
    channel = TelegramChannel(assistant, publish_dir=publish_dir)
    app.bot_data["channel"] = channel
    app.add_handler(TypeHandler(Update, channel.on_update))
    app.add_error_handler(_on_error)
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(channel.deliver, interval=config.telegram.outbox_interval, first=0.5, name="outbox")
    app.job_queue.run_repeating(channel.schedule, interval=60, first=5, name="deadlines")
    if publish_dir is not None:
        # Every 15 minutes, cheap when nothing is due: catches up soon after a restart or downtime.
        app.job_queue.run_repeating(channel.publish, interval=900, first=30, name="publish")
    if backup_dir is not None:
        app.job_queue.run_repeating(channel.backup, interval=3600, first=60, name="backup", data=backup_dir)
    app.job_queue.run_repeating(channel.purge, interval=600, first=15, name="retention")
    return app


def run(loaded: Loaded) -> int:
    """`python -m bot run`: long polling, or a webhook with a secret token when the config asks."""
    token = telegram_token()
    if token is None:
        print("Thiếu TELEGRAM_BOT_TOKEN trong biến môi trường.")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    assistant = make_assistant(loaded, open_store(loaded))
    publish = loaded.config.report.publish_dir
    publish_dir = resolve(loaded.config_path, publish) if publish else None
    backup_dir = resolve(loaded.config_path, loaded.config.backup.dir)
    app = build_application(assistant, token, base_url(loaded.config), publish_dir, backup_dir)
    settings = loaded.config.telegram
    if settings.mode == "webhook":
        secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET")
        if not secret:
            print("Chế độ webhook cần TELEGRAM_WEBHOOK_SECRET trong biến môi trường.")
            return 2
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            # Serve on the public URL's path, so a reverse proxy can pass requests on unchanged.
            url_path=urlsplit(settings.webhook_url or "").path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0

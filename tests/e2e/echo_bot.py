"""A bare python-telegram-bot 22 echo bot: the baseline for the end-to-end harness and the benchmark.

It does the least a bot can do per update (one sendMessage per text, one answer plus one edit per
button press), so the emulator round trip it measures is the floor our real bot is compared with.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

ECHO_PREFIX = "echo: "
BUTTON_DATA = "echo:pressed"
BUTTON_ANSWER = "Đã nhận"  # toast text: Vietnamese on purpose, so encoding problems show up in the round trip
EDITED_PREFIX = "pressed by "
START_REPLY = "started"


def echo_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Bấm thử", callback_data=BUTTON_DATA)]])


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await message.reply_text(f"{ECHO_PREFIX}{message.text}", reply_markup=echo_keyboard())


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        args = " ".join(context.args or [])
        await update.effective_message.reply_text(f"{START_REPLY} {args}".rstrip())


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    # Answer first: Telegram shows a spinner on the button until the bot answers the query.
    await query.answer(BUTTON_ANSWER)
    # Editing exercises editMessageText (whose emulator answer server.js fixes); dropping the keyboard
    # in the same edit is what a real "handled" button does.
    await query.edit_message_text(f"{EDITED_PREFIX}{query.from_user.id}")
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, f"callback {query.data} handled")


def build_echo_app(token: str, base_url: str, base_file_url: str | None = None) -> Application:
    """An Application that echoes every text and handles the echo keyboard, talking to ``base_url``.

    ``base_url`` is the Bot API root without the token, e.g. ``http://127.0.0.1:PORT/bot``.
    """
    builder = Application.builder().token(token).base_url(base_url)
    if base_file_url is not None:
        builder = builder.base_file_url(base_file_url)
    app = builder.build()
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo_text))
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{BUTTON_DATA}$"))
    return app

"""What the core says back: channel-neutral messages with buttons.

Reply text is a small HTML subset (<b>, <i>, <a>, <code>), the one markup Telegram and a terminal can both
render; every piece of citizen or knowledge text is escaped with `esc` before it is put in. Button
data is a short ASCII string that must fit Telegram's 64-byte callback limit.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

CALLBACK_LIMIT = 64  # bytes, Telegram's limit on callback_data
MESSAGE_LIMIT = 4096  # characters, Telegram's limit on one message's text


def esc(text: object) -> str:
    """Escape text for the HTML subset (Telegram accepts &lt; &gt; &amp; &quot;)."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Button:
    """One choice; `data` comes back to the core when it is pressed."""

    label: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_LIMIT:
            raise ValueError(f"button data must be 1-{CALLBACK_LIMIT} bytes, got {size}: {self.data!r}")


@dataclass(frozen=True)
class Reply:
    """One message to the person the core is talking to."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    force_reply: bool = False  # ask the channel to open a reply box (needed in Telegram groups)
    photo: str | bytes | None = None  # a channel file id, or PNG bytes, sent as a photo with this caption

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


@dataclass(frozen=True)
class QueuedReply(Reply):
    """A reply that is also stored in the outbox (item `outbox_id`), committed with the change it reports.

    Channels deliver it through the outbox (claim, send, record) rather than as a plain reply, so it
    reaches the person exactly once even if the channel fails at that moment (the tracking-code
    confirmation of a complaint).
    """

    outbox_id: int = 0


def rows(buttons: list[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows of `per_row`."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


_TAG = re.compile(r"<(/?)(b|i|a|code)(?:\s[^>]*)?>")


def to_plain(text: str) -> str:
    """Render the HTML subset as plain text (for the terminal and for length checks)."""
    return html.unescape(_TAG.sub("", text))


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a long reply into messages under `limit` characters, at line breaks.

    Our markup never spans lines, so cutting between lines keeps every tag balanced. A single line
    longer than the limit (citizen text pasted whole) is cut between words, outside tags.
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current or not chunks:
        chunks.append(current)
    return chunks


def _cut_line(line: str, limit: int) -> list[str]:
    """A line over the limit (a pasted wall of text) is cut between words.

    Its markup is dropped first: a tag cannot stay balanced across two messages, and Telegram
    refuses a message with an unclosed tag. Each piece is escaped again after cutting, so no
    entity is ever split.
    """
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    words = to_plain(line).split(" ")
    current = ""
    for word in words:
        while len(esc(word)) > limit:  # a single "word" longer than a message
            head = word[: limit // 6]
            if current:
                pieces.append(esc(current))
                current = ""
            pieces.append(esc(head))
            word = word[len(head) :]
        candidate = f"{current} {word}" if current else word
        if len(esc(candidate)) <= limit:
            current = candidate
        else:
            pieces.append(esc(current))
            current = word
    if current:
        pieces.append(esc(current))
    return pieces

"""The form of a question: yes/no, "how much", "how long", or open.

Kept apart from `bot.understanding` (which decides *what* a message is about): this decides *how*
the answer must start. "có cần đăng ký không?" wants Có/Không first, "bao nhiêu tiền" the figure,
"mất bao lâu" the time. Works on folded text, so "co mat phi ko" reads like "có mất phí không".
"""

from __future__ import annotations

import re
from typing import Literal

from bot.textnorm import fold, sentences

Form = Literal["yes_no", "how_much", "how_long", "open"]

_HOW_MUCH = re.compile(
    r"\b(bao nhieu tien|nhieu tien|het bao nhieu|ton bao nhieu|mat bao nhieu|phi bao nhieu|bao nhieu phi|dong bao nhieu|gia bao nhieu|may tram|may chuc|may nghin|may ngan|bao nhieu)\b"
)
_HOW_LONG = re.compile(
    r"\b(bao lau|may ngay|bao nhieu ngay|may hom|may tuan|bao gio (co|lay|xong|nhan)|khi nao (co|lay|xong|nhan)|lau khong|lau ko|lau k|lau hong)\b"
)
# Question words that make a "... không?" an open question ("cần giấy tờ gì không").
_WH = re.compile(r"\b(gi|nao|dau|sao|ai|may|bao nhieu|bao lau|the nao|nhu the nao)\b")
_YES_NO_END = re.compile(r"\b(khong|ko|k|hong|chua|hem|phai khong|dung khong|duoc khong|duoc ko|dc ko|dc khong)$")
# Politeness and address words that may follow the question word ("… không ạ", "… ko ad").
_TRAILING = re.compile(r"(\s+(a|ah|nhe|nha|vay|the|nhi|chi|anh|em|ban|ad|admin|bac|co|chu))+$")
_YES_NO_START = re.compile(r"^(co phai|phai|lieu|co the|co duoc|co can|co mat|co ton|duoc|can)\b")
_FREE = re.compile(r"\b(mien phi|mien le phi|khong mat (tien|phi)|khong ton (tien|phi)|free)\b")


def question_form(text: str) -> Form:
    """How the answer to `text` must start; the last sentence decides (the question comes last)."""
    parts = sentences(text) or [text]
    folded = _TRAILING.sub("", fold(parts[-1]))
    if not folded:
        return "open"
    if _HOW_LONG.search(folded):
        return "how_long"
    if _HOW_MUCH.search(folded) and not re.search(r"\bbao nhieu (ngay|tuoi|lau|nguoi|ban|trang)\b", folded):
        return "how_much"
    wh = _WH.search(re.sub(r"\b(co|khong|ko|duoc)\b", " ", folded))
    if _YES_NO_END.search(folded) and not wh:
        return "yes_no"
    if text.rstrip().endswith("?") and _YES_NO_START.search(folded) and not wh:
        return "yes_no"
    return "open"


_MONEY_WORDS = re.compile(r"\b(thue|phi|le phi|tien|mien phi|ton|dong tien|nop tien)\b")


def asks_about_money(text: str) -> bool:
    """Whether a question is about paying (fee, tax, money), whatever part the lexicon found."""
    return bool(_MONEY_WORDS.search(fold(text)))


def asks_if_free(text: str) -> bool:
    """A yes/no fee question put as "is it free?" (answer Có when no fee) rather than "does it cost?"."""
    return bool(_FREE.search(fold(text)))

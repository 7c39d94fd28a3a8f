"""Mask personal data in the free text of an anonymous complaint before a ward reads it.

An anonymous citizen who writes "tôi là Lan, sđt 0901 234 567" would otherwise reveal herself to
the very ward she complains about. Masked: phone numbers (mobile and landline, +84 or 0, with
spaces, dots or dashes), e-mail addresses, 12-digit personal identification numbers (and a 9-digit
old ID number when named as such), Telegram @usernames, and a name the writer gives for herself
("tôi là / tên tôi là / em tên là ... <name>"). A name given for an official is kept: the ward needs
it. Patterns work with or without diacritics. Measured on tests/data/redaction.yaml by
benchmarks/redaction_eval.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MASKS = {
    "phone": "[SĐT đã ẩn]",
    "email": "[email đã ẩn]",
    "id": "[số giấy tờ đã ẩn]",
    "account": "[tài khoản đã ẩn]",
    "name": "[tên đã ẩn]",
}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)
_SEP = r"[ .\-]?"
# 12 digits (căn cước / personal identification number), possibly grouped.
_ID12 = re.compile(rf"(?<![\w+])\d(?:{_SEP}\d){{11}}(?![\w])")
# An ID number named as such: CCCD/CMND/căn cước/định danh followed by 9 or 12 digits.
_ID_NAMED = re.compile(
    r"\b(?:cccd|cmnd|cmt|can cuoc(?: cong dan)?|dinh danh|chung minh(?: nhan dan| thu)?)\b\D{0,20}?(\d(?:[ .]?\d){8,11})(?!\d)"
)
# Vietnamese phone numbers: 0 or (+)84, then 9-10 more digits (mobile 10 digits, landline 11).
_PHONE = re.compile(rf"(?<![\w+])(?:\+84|84|0)(?:[ .\-]|\(0\))?[1-9](?:{_SEP}\d){{7,9}}(?![\w])")
_PHONE_AREA = re.compile(r"(?<![\w])\(0\d{2,3}\)\s?\d{3,4}[ .\-]?\d{4}(?![\w])")
_ACCOUNT = re.compile(r"(?<![\w@])@[a-z][a-z0-9_]{4,31}\b", re.IGNORECASE)

# First-person introductions (folded: no diacritics, lower case). The name follows. With "tên" in
# the introduction (group `named`), whatever follows is a name even in lower case; after a bare
# "tôi là" it must look like one (capitalised, or starting with a family name).
_ME = r"(?:toi|em|minh|chau|con|tui|tao)"
_INTRO = re.compile(
    rf"\b(?:(?P<named>{_ME}\s+ten(?:\s+la)?|ho\s+(?:va\s+)?ten(?:\s+{_ME})?(?:\s+la)?\s*:?"
    rf"|ten\s+{_ME}(?:\s+la)?\s*:?)|{_ME}\s+la|(?P<apposed>{_ME}\s*,))\s+",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Family names that start a name typed in lower case ("tôi là nguyễn thị lan").
SURNAMES = _words(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh đoàn lâm mai "
    "lương hà cao quách tăng thái lã chu trương đào tạ"
)
# Capitalised words that follow "tôi là" without being a name (roles, relations, titles).
NOT_NAMES = _words(
    "người công dân chủ mẹ bố cha con vợ chồng ông bà anh chị em cô chú bác giáo viên sinh học "
    "trưởng phó cán bộ bệnh nhân khách hàng doanh nghiệp thương binh cựu chiến đại diện tác giả "
    "nhà sở hàng xóm phụ huynh công nhân nông tiểu thương kỹ sư bác sĩ luật sư hội viên thành"
)
# Words that end a lower-case name ("tôi là lan ở phường...").
NAME_STOP = _words(
    "ở sống đến đi làm có đã và nhưng mà là cư trú nhà số sđt điện thoại đt sinh năm tuổi hiện đang "
    "muốn cần xin tôi em mình phản ánh gửi từ tại bị được"
)


def _ascii_set(words: frozenset[str], minus: frozenset[str] = frozenset()) -> frozenset[str]:
    """The same words as typed without diacritics; a folded form that is also in `minus` is dropped
    (without diacritics "vo" may be Võ or vợ: we side with the name, privacy first)."""
    dropped = {fold_keep_length(w) for w in minus}
    return frozenset(f for f in (fold_keep_length(w) for w in words) if f not in dropped)


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a key of MASKS


@dataclass(frozen=True)
class Redaction:
    """The masked text and where the masks are (offsets in the NFC text)."""

    original: str
    text: str
    spans: tuple[Span, ...]

    @property
    def changed(self) -> bool:
        return bool(self.spans)


def fold_keep_length(text: str) -> str:
    """Lower-case, diacritics removed, one output character per input character (offsets hold)."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


_SURNAMES_ASCII = _ascii_set(SURNAMES)
_NOT_NAMES_ASCII = _ascii_set(NOT_NAMES, SURNAMES)
_NAME_STOP_ASCII = _ascii_set(NAME_STOP, SURNAMES | frozenset({"thị", "văn"}))


def _in(word: str, folded: str, accented: frozenset[str], plain: frozenset[str]) -> bool:
    """Membership of a word typed with diacritics (exact) or without (folded)."""
    return folded in plain if word.isascii() else word.lower() in accented


def _names(original: str, folded: str) -> list[Span]:
    spans = []
    for match in _INTRO.finditer(folded):
        named, apposed = match.group("named") is not None, match.group("apposed") is not None
        pos = match.end()
        words: list[tuple[int, int]] = []
        for word in _WORD.finditer(original, pos):
            if original[pos : word.start()].strip(" ") or len(words) == 4:
                break  # punctuation or a line break ends the name
            text, token = word.group(0), folded[word.start() : word.end()]
            capital = text[0].isupper()
            if not words:
                if capital and not named and _in(text, token, NOT_NAMES, _NOT_NAMES_ASCII):
                    break
                if not capital and (apposed or not (named or _in(text, token, SURNAMES, _SURNAMES_ASCII))):
                    break
                if not capital and _in(text, token, NAME_STOP, _NAME_STOP_ASCII):
                    break
            elif not capital and (original[words[0][0]].isupper() or _in(text, token, NAME_STOP, _NAME_STOP_ASCII)):
                break  # a capitalised name ends at a lower-case word; a lower-case one at a common word
            words.append((word.start(), word.end()))
            pos = word.end()
        if apposed and not original[pos:].lstrip(" ").startswith(","):
            continue  # "Tôi, Lê Minh, xin..." is a name; "Tôi, Hôm qua đi..." is not
        if words:
            spans.append(Span(words[0][0], words[-1][1], "name"))
    return spans


def find(text: str) -> list[Span]:
    """Personal data in `text` (NFC), as non-overlapping spans in order."""
    folded = fold_keep_length(text)
    found: list[Span] = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    found += [Span(m.start(1), m.end(1), "id") for m in _ID_NAMED.finditer(folded)]
    found += [Span(m.start(), m.end(), "id") for m in _ID12.finditer(text)]
    found += [Span(m.start(), m.end(), "phone") for m in _PHONE.finditer(text)]
    found += [Span(m.start(), m.end(), "phone") for m in _PHONE_AREA.finditer(text)]
    found += [Span(m.start(), m.end(), "account") for m in _ACCOUNT.finditer(text)]
    found += _names(text, folded)
    chosen: list[Span] = []
    # Earlier kinds win an overlap (an e-mail's digits are not a phone number).
    for span in found:
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def redact(text: str) -> Redaction:
    """`text` with personal data replaced by labelled masks such as "[SĐT đã ẩn]"."""
    text = unicodedata.normalize("NFC", text)
    spans = find(text)
    parts, last = [], 0
    for span in spans:
        parts.append(text[last : span.start])
        parts.append(MASKS[span.kind])
        last = span.end
    parts.append(text[last:])
    return Redaction(text, "".join(parts), tuple(spans))

"""Vietnamese text as citizens type it, folded to a form we can match on.

Folding makes every spelling of a word meet: NFC and NFD input, old and new tone placement
("hoà"/"hòa"), text with or without diacritics ("đ" becomes "d"), upper or lower case, stray
punctuation and control characters. Matching then happens on ASCII syllables, which is what a third
of our users type anyway.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
# Invisible format characters glue or split words when kept; they carry no meaning for us.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# "ký"/"kí", "lý"/"lí", "Mỹ"/"Mĩ": both spellings are correct Vietnamese; fold final y to i.
_FINAL_Y = re.compile(r"\b([bcdghklmnprstvx])y\b")
# Sentence ends: the question in a long message is usually the last sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def clean(text: str) -> str:
    """NFC-normalise, drop control and zero-width characters, collapse whitespace."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics: "Đăng ký hoà giải" -> "Dang ky hoa giai"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, for matching."""
    ascii_text = strip_diacritics(clean(text)).lower()
    return _FINAL_Y.sub(r"\1i", _NON_WORD.sub(" ", ascii_text)).strip()


def letters_and_marks(syllable: str) -> tuple[str, str]:
    """A syllable's letters and its diacritics as a sorted string (so "hoà" and "hòa" agree)."""
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return letters, "".join(sorted(ch for ch in decomposed if unicodedata.combining(ch)))


def typed_as(typed: str, written: str) -> bool:
    """Whether a syllable the citizen typed can be the written one: typed without diacritics, or
    with the same ones. "bo" can be "bỏ"; "bố" cannot ("bố bạn" is not "bỏ bàn")."""
    letters, marks = letters_and_marks(typed)
    written_letters, written_marks = letters_and_marks(written)
    if not (marks or "đ" in letters) or not (written_marks or "đ" in written_letters):
        return True  # either side says nothing about which word it is ("ko", "dc" are cues too)
    return (letters, marks) == (written_letters, written_marks)


# The five tone marks (grave, acute, tilde, hook above, dot below). Vowel-quality marks (breve,
# circumflex, horn) are left out: "hằng tháng" and "hàng tháng" are the same words to readers.
_TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}


def tone(syllable: str) -> str:
    """The syllable's tone as one letter (Telex style), "" for the level tone."""
    return next((_TONES[ch] for ch in unicodedata.normalize("NFD", syllable) if ch in _TONES), "")


def typed_with_diacritics(typed_words: list[str]) -> bool:
    """Whether a message was typed with diacritics (then a bare syllable is a level tone, not a
    word left unmarked). Vietnamese prose marks most syllables; a third leaves no doubt."""
    if not typed_words:
        return False
    marked = sum(1 for w in typed_words if "đ" in w or any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", w)))
    return marked * 3 >= len(typed_words)


def words(text: str) -> list[str]:
    """The words of `text` as typed (lower-case, diacritics kept), in the order of `tokens`."""
    return [w for w in re.split(r"[^\w]+|_", unicodedata.normalize("NFC", text.lower())) if w]


def typed_words(text: str) -> list[tuple[str, str]]:
    """Each word of `text` as typed and as folded, side by side (one fold for the whole text)."""
    typed = words(text)
    folded = tokens(text)
    if len(folded) != len(typed):  # a letter folding drops or splits ("ß", "²"): fold word by word
        folded = [fold(w) for w in typed]
    return list(zip(typed, folded, strict=True))


def tokens(text: str) -> list[str]:
    """The folded syllables of `text`."""
    folded = fold(text)
    return folded.split() if folded else []


def sentences(text: str) -> list[str]:
    """Split a message into sentences (on . ! ? … and line breaks), dropping empty ones."""
    return [s for s in (part.strip() for part in _SENTENCE_END.split(clean_lines(text))) if s]


def clean_lines(text: str) -> str:
    """Like `clean`, but keeps line breaks, which separate sentences in chat messages."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def has_letters(text: str) -> bool:
    """True when the text holds at least one letter or digit (not only emoji or punctuation)."""
    return bool(tokens(text))

"""Folding Vietnamese as citizens type it (bot.textnorm)."""

from __future__ import annotations

import unicodedata

import pytest

from bot.textnorm import clean, clean_lines, fold, has_letters, sentences, strip_diacritics, tokens, typed_as, words


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    "text",
    ["Đăng ký khai sinh cho cháu nội", "Xin cấp lại Sổ đỏ bị mất", "THỦ TỤC HOÀ GIẢI TRANH CHẤP ĐẤT ĐAI"],
)
def test_nfc_and_nfd_input_fold_equal(text: str) -> None:
    decomposed = nfd(text)
    assert decomposed != text  # the test really feeds decomposed input
    assert fold(decomposed) == fold(text)
    assert clean(decomposed) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    ("old", "new", "folded"),
    [
        ("hoà giải", "hòa giải", "hoa giai"),
        ("thuỷ lợi", "thủy lợi", "thuy loi"),
        ("kí tên", "ký tên", "ki ten"),
        ("lí lịch tư pháp", "lý lịch tư pháp", "li lich tu phap"),
        ("người Mĩ", "người Mỹ", "nguoi mi"),
    ],
)
def test_spelling_variants_fold_equal(old: str, new: str, folded: str) -> None:
    assert fold(old) == fold(new) == folded
    assert fold(nfd(old)) == folded


def test_y_is_kept_where_it_is_not_a_final_i() -> None:
    # Only a consonant + final "y" becomes "i": "y tế", "thủy", "quy" keep their y.
    assert fold("Y tế") == "y te"
    assert fold("quy định") == "quy dinh"
    assert fold("thuyền") == "thuyen"


def test_d_with_stroke_becomes_d() -> None:
    assert strip_diacritics("Đăng ký đất đai") == "Dang ky dat dai"
    assert fold("ĐỔI GIẤY ĐĂNG KÝ") == "doi giay dang ki"
    assert "đ" not in fold("đđĐĐ") and fold("đđĐĐ") == "dddd"


def test_fold_is_lower_ascii_words_single_spaced() -> None:
    folded = fold("  Làm   CCCD, ở   đâu???  (gấp!!)  ")
    assert folded == "lam cccd o dau gap"
    assert folded.isascii()
    assert tokens("Làm CCCD ở đâu?") == ["lam", "cccd", "o", "dau"]
    assert tokens("?!…") == []


def test_control_and_zero_width_characters_are_removed() -> None:
    dirty = "\ufeff\u200bLàm\x00 căn\u200e cước\x07\u2028ở đâu\x1b\u200f\x7f"
    cleaned = clean(dirty)
    assert cleaned == "Làm căn cước ở đâu"
    assert fold(dirty) == "lam can cuoc o dau"
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned)


def test_clean_collapses_whitespace_and_keeps_tabs_out() -> None:
    assert clean("đăng\tký\r\n  tạm   trú ") == "đăng ký tạm trú"


def test_zero_width_characters_inside_a_word_vanish() -> None:
    # What the citizen sees is "giấy khai sinh": invisible characters must not change it.
    for invisible in ("\u200c", "\u200d", "\ufeff", "\u200e"):
        assert fold(f"gi{invisible}ấy khai sinh") == "giay khai sinh"


def test_sentences_last_one_is_the_question() -> None:
    message = (
        "Chào anh chị ạ. Em ở trọ ở phường này được 2 năm rồi!\n"
        "Chủ nhà vừa bán nhà nên em phải chuyển chỗ… Giờ em muốn đăng ký tạm trú ở chỗ mới thì cần những gì?"
    )
    parts = sentences(message)
    assert parts == [
        "Chào anh chị ạ.",
        "Em ở trọ ở phường này được 2 năm rồi!",
        "Chủ nhà vừa bán nhà nên em phải chuyển chỗ…",
        "Giờ em muốn đăng ký tạm trú ở chỗ mới thì cần những gì?",
    ]
    assert parts[-1].startswith("Giờ em muốn đăng ký tạm trú")


def test_sentences_split_on_line_breaks_and_drop_empty_ones() -> None:
    message = "con em mới sinh\r\n\r\n\n   \nlàm khai sinh ở đâu"
    assert sentences(message) == ["con em mới sinh", "làm khai sinh ở đâu"]
    assert sentences("   \n\n ") == []
    # Decimal points and abbreviations without a following space do not end a sentence.
    assert sentences("lệ phí 8.000 đồng/bản, đúng không?") == ["lệ phí 8.000 đồng/bản, đúng không?"]


def test_clean_lines_keeps_line_breaks_only() -> None:
    assert clean_lines("a\u200b b\r\nc\x00\td\re") == "a b\nc d\ne"


@pytest.mark.parametrize("text", ["😀", "🙏🙏🙏", "👍🏻 ❤️", "?!...", "   ", "", "🇻🇳 — …", "\u200b\ufeff"])
def test_emoji_or_punctuation_only_has_no_letters(text: str) -> None:
    assert has_letters(text) is False
    assert tokens(text) == []


@pytest.mark.parametrize("text", ["🙏 cảm ơn", "ok", "123", "Đ"])
def test_any_letter_or_digit_counts(text: str) -> None:
    assert has_letters(text) is True


@pytest.mark.parametrize(
    ("typed", "written", "same"),
    [
        ("bo", "bỏ", True),  # typed without marks: any reading stays possible
        ("bỏ", "bỏ", True),
        ("hoà", "hòa", True),  # old and new tone placement
        ("HOÀ", "hòa", True),
        ("bố", "bỏ", False),
        ("bạn", "bàn", False),
        ("đi", "di", True),  # a cue written without marks says nothing either
        ("đòi", "đợi", False),
    ],
)
def test_a_typed_syllable_is_the_written_one_only_if_its_marks_agree(typed: str, written: str, same: bool) -> None:
    assert typed_as(typed, written) is same


def test_words_keep_what_was_typed_in_token_order() -> None:
    text = "Bố bạn tôi, hoà-giải 100.000đ"
    assert words(text) == ["bố", "bạn", "tôi", "hoà", "giải", "100", "000đ"]
    assert [fold(w) for w in words(text)] == tokens(text)


def test_office_words_count_only_typed_with_their_marks(knowledge) -> None:
    marked = knowledge.lexicon.public_office_marked
    assert marked.typed_with_marks("hôm nay xã không có ai") == ["xa"]
    assert marked.typed_with_marks("nhà tôi ở xa lắm") == []  # "xa" (far) typed plain says nothing
    assert marked.typed_with_marks("đơn phương ly hôn") == []
    assert marked.typed_with_marks("lên Phường hỏi") == ["phuong"]

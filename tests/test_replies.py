"""Channel-neutral replies: escaping, buttons, message splitting (bot.replies)."""

from __future__ import annotations

import random
import re

import pytest

from bot.replies import CALLBACK_LIMIT, MESSAGE_LIMIT, Button, Reply, esc, rows, split_message, to_plain

TAG = re.compile(r"</?(?:b|i|a)(?:\s[^<>]*)?>")
ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.I)


def test_esc_escapes_markup_characters() -> None:
    assert esc('<b>"Tom" & Jerry</b>') == "&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;"
    assert esc("giấy khai sinh") == "giấy khai sinh"
    assert esc(8000) == "8000"
    escaped = esc('a < b > c & d " e')
    assert not set('<>"') & set(escaped)
    assert "&" not in ENTITY.sub("", escaped)  # every & left is the start of an entity


def test_button_data_limit_counts_utf8_bytes() -> None:
    assert Button("ok", "a" * CALLBACK_LIMIT).data == "a" * 64
    assert Button("ok", "đ" * 32).data == "đ" * 32  # 32 characters, 64 bytes
    with pytest.raises(ValueError):
        Button("too long", "a" * (CALLBACK_LIMIT + 1))
    with pytest.raises(ValueError):
        Button("short in characters, long in bytes", "đ" * 33)  # 33 characters, 66 bytes
    with pytest.raises(ValueError):
        Button("three-byte letters", "ệ" * 22)  # 22 characters, 66 bytes


def test_button_rejects_empty_data() -> None:
    with pytest.raises(ValueError):
        Button("nothing", "")


def test_rows_and_all_buttons_keep_order() -> None:
    buttons = [Button(str(n), f"x:{n}") for n in range(5)]
    laid_out = rows(buttons, per_row=2)
    assert [len(r) for r in laid_out] == [2, 2, 1]
    assert Reply("t", laid_out).all_buttons() == buttons


def test_to_plain_strips_tags_and_unescapes() -> None:
    html_text = (
        '<b>Lệ phí:</b> 8.000 đ &amp; <i>miễn</i> cho &lt;trẻ em&gt; — <a href="https://x.vn/?a=1&amp;b=2">xem</a>'
    )
    assert to_plain(html_text) == "Lệ phí: 8.000 đ & miễn cho <trẻ em> — xem"


@pytest.mark.parametrize("citizen", ['<script>alert("x")</script>', "a & b", "<b>not bold</b>", "x &amp; y", "'ok'"])
def test_to_plain_of_escaped_text_is_the_text(citizen: str) -> None:
    assert to_plain(esc(citizen)) == citizen
    assert to_plain(f"<i>{esc(citizen)}</i>") == citizen


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _assert_well_cut(text: str, chunks: list[str], limit: int) -> None:
    assert chunks, "at least one message"
    assert all(len(c) <= limit for c in chunks), [len(c) for c in chunks]
    # No text lost or reordered: only the line breaks/spaces at cut points may go, and a line too long
    # for one message loses its markup (a tag cannot stay balanced across two messages).
    assert _squash(to_plain("".join(chunks))) == _squash(to_plain(text))
    for chunk in chunks:
        # Never cut inside a tag or an entity: every "<" opens a whole tag, every "&" a whole entity.
        assert "<" not in TAG.sub("", chunk) and ">" not in TAG.sub("", chunk), chunk[-60:]
        assert "&" not in ENTITY.sub("", chunk), chunk[-60:]


def test_short_message_is_left_alone() -> None:
    text = "<b>Đăng ký khai sinh</b>\n• Tờ khai\n• Giấy chứng sinh"
    assert split_message(text) == [text]
    assert split_message("") == [""]


def test_long_reply_is_split_at_line_breaks() -> None:
    lines = [f"<b>Mục {n}:</b> {esc('giấy tờ & lệ phí <theo quy định>')} " + "chữ " * 40 for n in range(200)]
    text = "\n".join(lines)
    assert len(text) > 3 * MESSAGE_LIMIT
    chunks = split_message(text)
    assert len(chunks) >= 4
    _assert_well_cut(text, chunks, MESSAGE_LIMIT)
    # Cuts fall between lines: every chunk is a run of whole lines.
    assert "\n".join(chunks).split("\n") == lines


def test_single_line_longer_than_the_limit_is_cut_between_words() -> None:
    words = [f"từ{n}" for n in range(2000)]
    text = " ".join(words)
    assert len(text) > 2 * MESSAGE_LIMIT
    chunks = split_message(text)
    _assert_well_cut(text, chunks, MESSAGE_LIMIT)
    assert " ".join(chunks).split(" ") == words  # no word is broken


def test_cut_never_lands_inside_an_entity() -> None:
    text = "x" * (MESSAGE_LIMIT - 3) + "&amp;&quot;&lt;" + "y" * 100
    chunks = split_message(text)
    _assert_well_cut(text, chunks, MESSAGE_LIMIT)


def test_cut_never_lands_inside_a_tag() -> None:
    text = "a" * (MESSAGE_LIMIT - 6) + '<a href="https://dichvucong.gov.vn">link</a> tail'
    chunks = split_message(text)
    _assert_well_cut(text, chunks, MESSAGE_LIMIT)
    assert "link" in "".join(chunks) and not any("href" in c for c in chunks)


def test_escaped_citizen_text_without_spaces_is_cut_between_entities() -> None:
    text = esc('"&<>' * 2000)  # nothing but entities, no space to cut at
    chunks = split_message(text)
    _assert_well_cut(text, chunks, MESSAGE_LIMIT)
    assert "".join(chunks) == text


def _random_text(rng: random.Random, pieces: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(1, 120)):
        parts.append(rng.choice(pieces))
        parts.append(rng.choice([" ", " ", " ", "", "\n", "\n\n"]))
    return "".join(parts)


PLAIN_PIECES = ["chữ", "giấy", "&amp;", "&quot;", "&lt;x&gt;", "<b>đậm</b>", "<i>nghiêng</i>", "8.000", "&#x27;"]


def test_random_messages_are_cut_safely() -> None:
    rng = random.Random(20260101)
    for _ in range(200):
        limit = rng.randint(25, 200)
        text = _random_text(rng, PLAIN_PIECES)
        _assert_well_cut(text, split_message(text, limit), limit)


def test_cut_never_lands_inside_a_link_tag() -> None:
    text = "a" * 4067 + " " + '<a href="https://x.vn">DVC</a> tail'
    chunks = split_message(text)
    _assert_well_cut(text, chunks, MESSAGE_LIMIT)
    assert chunks == ["a" * 4067 + " DVC tail"]  # without its link markup the line fits in one message


def test_random_messages_with_links_are_cut_safely() -> None:
    rng = random.Random(20260102)
    for _ in range(200):
        limit = rng.randint(25, 200)
        text = _random_text(rng, [*PLAIN_PIECES, '<a href="u">l</a>'])
        _assert_well_cut(text, split_message(text, limit), limit)


def test_each_chunk_has_balanced_tags() -> None:
    text = "<i>" + esc('Tôi phản ánh: cán bộ & "đòi tiền" ') * 300 + "</i>"
    chunks = split_message(text)
    assert len(chunks) > 1
    for chunk in chunks:
        opened = re.findall(r"<(b|i|a)[\s>]", chunk)
        closed = re.findall(r"</(b|i|a)>", chunk)
        assert sorted(opened) == sorted(closed), chunk[:40] + "…" + chunk[-40:]

"""Answers rendered from the shipped catalogue (bot.answers, bot.qa) and the catalogue's currency."""

from __future__ import annotations

import re

import pytest

from bot import qa
from bot.answers import ASPECT_LABELS, ORDER, aspect_buttons, procedure_answer
from bot.conversation import Incoming
from bot.replies import CALLBACK_LIMIT, MESSAGE_LIMIT, Reply, to_plain
from bot.textnorm import clean, strip_diacritics
from bot.understanding import understand

ASPECTS_AND_NONE = (None, *ASPECT_LABELS)
DATE = re.compile(r"Thông tin kiểm tra ngày (\d{2})/(\d{2})/(\d{4})\.")


def _button_bytes_ok(reply: Reply) -> None:
    for button in reply.all_buttons():
        assert 1 <= len(button.data.encode("utf-8")) <= CALLBACK_LIMIT, button.data


def _label_at(plain: str, aspect: str) -> int:
    """Where the part `aspect` starts: its label at the beginning of a line (knowledge text may quote it)."""
    match = re.search(rf"^{re.escape(ASPECT_LABELS[aspect])}:", plain, re.M)
    assert match, aspect
    return match.start()


def _balanced(html: str) -> bool:
    return all(len(re.findall(rf"<{tag}[\s>]", html)) == len(re.findall(rf"</{tag}>", html)) for tag in ("b", "i", "a"))


@pytest.mark.parametrize("aspect", ASPECTS_AND_NONE)
def test_every_procedure_renders_within_telegram_limits(knowledge, aspect) -> None:
    assert len(knowledge.procedures) >= 44
    for proc in knowledge.procedures.values():
        html = procedure_answer(proc, aspect)
        plain = to_plain(html)
        assert len(html) <= MESSAGE_LIMIT, (proc.id, aspect, len(html))
        assert _balanced(html), (proc.id, aspect)
        assert plain.startswith(proc.name), proc.id
        # The legal basis, in full, and the date the entry was verified, as dd/mm/yyyy.
        for law in proc.legal_basis:
            assert law in plain, (proc.id, aspect, law)
        dates = DATE.findall(plain)
        assert dates == [(f"{proc.updated.day:02d}", f"{proc.updated.month:02d}", str(proc.updated.year))], proc.id
        assert len(re.findall(rf"^{ASPECT_LABELS['legal_basis']}:", plain, re.M)) == 1, (proc.id, aspect)


@pytest.mark.parametrize("aspect", list(ASPECT_LABELS))
def test_asked_aspect_comes_first_and_in_full(knowledge, aspect: str) -> None:
    for proc in knowledge.procedures.values():
        plain = to_plain(procedure_answer(proc, aspect))
        asked = _label_at(plain, aspect)
        for other in ASPECT_LABELS:
            if other != aspect:
                assert asked < _label_at(plain, other), (proc.id, aspect, other)
        section = plain[asked:]
        full = {
            "documents": proc.documents,
            "fees": [proc.fees],
            "time": [proc.processing_time],
            "where": [proc.agency],
            "online": list(proc.online.channels) + ([proc.online.note] if proc.online.note else []),
            "legal_basis": proc.legal_basis,
        }[aspect]
        for text in full:
            assert text in section, (proc.id, aspect, text)


def test_without_an_aspect_every_part_is_shown_in_order(knowledge) -> None:
    for proc in knowledge.procedures.values():
        plain = to_plain(procedure_answer(proc, None))
        positions = [_label_at(plain, part) for part in ORDER]
        assert positions == sorted(positions), proc.id
        for document in proc.documents:
            assert f"• {document}" in plain, proc.id


def test_procedures_not_filed_at_the_ward_say_so_first(knowledge) -> None:
    elsewhere = [p for p in knowledge.procedures.values() if not p.at_ward]
    assert elsewhere, "the catalogue has procedures filed outside the ward (passport, criminal record)"
    for proc in elsewhere:
        for aspect in ASPECTS_AND_NONE:
            plain = to_plain(procedure_answer(proc, aspect))
            warning = plain.index("Không nộp tại phường, xã.")
            assert warning < min(_label_at(plain, a) for a in ASPECT_LABELS), proc.id
    at_ward = next(p for p in knowledge.procedures.values() if p.at_ward)
    assert "Không nộp tại phường, xã" not in to_plain(procedure_answer(at_ward, None))


def test_aspect_buttons_open_the_other_parts(knowledge) -> None:
    proc = knowledge.procedures["ho-tich.khai-sinh"]
    shown_fees = [b.data for b in aspect_buttons(proc, "fees")]
    assert shown_fees == [f"a:{a}:ho-tich.khai-sinh" for a in ORDER if a != "fees"]
    assert [b.data for b in aspect_buttons(proc, None)] == ["a:legal_basis:ho-tich.khai-sinh"]


def test_every_button_of_every_reply_fits_the_callback_limit(knowledge, assistant) -> None:
    replies = [qa.welcome(assistant.config), qa.help_reply(assistant.config), qa.decline(assistant.config)]
    fields = qa.browse_fields(knowledge)
    replies.append(fields)
    replies += [assistant.handle(Incoming("t", button=b.data))[0] for b in fields.all_buttons()]
    for proc_id in knowledge.procedures:
        for aspect in ASPECTS_AND_NONE:
            reply = qa.show_procedure(knowledge, proc_id, aspect)
            replies.append(reply)
            # Pressing a button shows the part it names, for the same procedure.
            for button in reply.all_buttons():
                _, shown, target = button.data.split(":")
                (pressed,) = assistant.handle(Incoming("t", button=button.data))
                assert target == proc_id
                assert pressed.text == procedure_answer(knowledge.procedures[proc_id], shown)
    for question in ("chứng thực", "đăng ký", "dăng ky tạm chú ở đâu"):
        result = understand(knowledge, question)
        if result.kind == "ambiguous":
            replies.append(qa.choices(knowledge, result))
    assert len(replies) > 7 * len(knowledge.procedures)
    for reply in replies:
        _button_bytes_ok(reply)


def test_stale_procedure_button_falls_back_to_browsing(knowledge, assistant) -> None:
    (reply,) = assistant.handle(Incoming("t", button="p:khong-ton-tai.thu-tuc"))
    assert "không còn trong danh mục" in reply.text
    assert {b.data for b in reply.all_buttons()} == {b.data for b in qa.browse_fields(knowledge).all_buttons()}


# --- the shipped catalogue describes the law in force (2026) -----------------------------------


def _ascii(text: str) -> str:
    """Lower-case, no diacritics, punctuation kept (unlike `fold`)."""
    return strip_diacritics(clean(text)).lower()


_HOUSEHOLD_BOOK = re.compile(r"\b(so|ban sao|giay) ho khau\b")
_NEGATED = re.compile(r"\b(khong|khong can|khong con|bo|thay)\b[^;.()]*$")
_CMND = re.compile(r"\bcmnd\b|chung minh nhan dan|chung minh thu\b|\bcmt\b")
_DISTRICT = re.compile(
    r"\b(cap|ubnd|uy ban nhan dan|cong an|phong [^,;.()]{1,40}?|chi cuc [^,;.()]{1,40}?|toa an nhan dan)"
    r"\s+(huyen|quan)\b"
)
_STILL_DISTRICT = re.compile(r"khong con[^;.()]*")  # "từ 01/7/2025 không còn làm ở cấp huyện" is fine


def _household_book_required(text: str) -> bool:
    folded = _ascii(text)
    return any(not _NEGATED.search(folded[: m.start()]) for m in _HOUSEHOLD_BOOK.finditer(folded))


def _district_agency(text: str) -> bool:
    return bool(_DISTRICT.search(_STILL_DISTRICT.sub(" ", _ascii(text))))


def test_obsolete_detectors_are_not_vacuous() -> None:
    assert _household_book_required("Bản sao sổ hộ khẩu của cả gia đình")
    assert not _household_book_required("Không cần sổ hộ khẩu")
    assert _CMND.search(_ascii("CMND của người yêu cầu"))
    assert _CMND.search(_ascii("Giấy chứng minh nhân dân còn hạn"))
    assert not _CMND.search(_ascii("Giấy tờ chứng minh chỗ ở hợp pháp"))
    assert _district_agency("UBND cấp huyện nơi cư trú")
    assert _district_agency("Phòng Tư pháp quận")
    assert _district_agency("Công an huyện")
    assert not _district_agency("Ủy ban nhân dân xã, phường (từ 01/7/2025 không còn làm ở cấp huyện)")


def test_catalogue_requires_no_household_book_cmnd_or_district_agency(knowledge) -> None:
    problems = []
    for proc in knowledge.procedures.values():
        for text in [proc.agency, *proc.documents]:
            if _household_book_required(text):
                problems.append(f"{proc.id}: household book: {text}")
            if _CMND.search(_ascii(text)):
                problems.append(f"{proc.id}: CMND: {text}")
            if _district_agency(text):
                problems.append(f"{proc.id}: district level: {text}")
    assert problems == []

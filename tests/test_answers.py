"""Answers rendered from the shipped catalogue (bot.answers, bot.qa) and the catalogue's currency."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot import qa
from bot.answers import ASPECT_BUTTONS, ASPECT_LABELS, FIRST_LIMIT, ORDER, aspect_buttons, part_answer, part_items
from bot.complaints import intake
from bot.conversation import Incoming
from bot.replies import CALLBACK_LIMIT, MESSAGE_LIMIT, Reply, esc, to_plain
from bot.textnorm import clean, strip_diacritics
from bot.understanding import understand

ASPECTS_AND_NONE = (None, *ASPECT_LABELS)
DATE = re.compile(r"Thông tin kiểm tra ngày (\d{2})/(\d{2})/(\d{4})\.")
# A numbered legal act or an article: what must stay behind the legal-basis button.
CITATION = re.compile(r"\d[\d.]*/\d{4}/[A-ZĐ]|\bĐiều \d|\b(Thông tư|Nghị định|Nghị quyết) \d")
TODAY = dt.date(2026, 12, 1)


def _button_bytes_ok(reply: Reply) -> None:
    for button in reply.all_buttons():
        assert 1 <= len(button.data.encode("utf-8")) <= CALLBACK_LIMIT, button.data


def _balanced(html: str) -> bool:
    return all(len(re.findall(rf"<{tag}[\s>]", html)) == len(re.findall(rf"</{tag}>", html)) for tag in ("b", "i", "a"))


def _canon(knowledge, text: str) -> str:
    """Text with every spelled-out term put back short, so that first-use explanations compare equal."""
    for term in sorted(knowledge.glossary.terms, key=lambda t: -len(t.plain)):
        text = text.replace(term.plain, term.term)
    return text


def _first(knowledge, proc, aspect, question="") -> str:
    return qa.show_procedure(knowledge, proc.id, aspect, question=question, today=TODAY).text


@pytest.mark.parametrize("aspect", ASPECTS_AND_NONE)
def test_every_first_answer_fits_one_screen(knowledge, aspect) -> None:
    """Every entry (also those added later) x every aspect: one screen, no citations, the offer to complain."""
    assert len(knowledge.procedures) >= 44
    for proc in knowledge.procedures.values():
        html = _first(knowledge, proc, aspect, "cần gì")
        plain = to_plain(html)
        assert len(html) <= FIRST_LIMIT, (proc.id, aspect, len(html))
        assert _balanced(html), (proc.id, aspect)
        assert plain.startswith(to_plain(knowledge.glossary.apply(esc(proc.name)))), proc.id
        body = plain[: plain.rindex("Nguồn:")]  # one short source line may name the act
        assert aspect == "legal_basis" or not CITATION.search(body), (proc.id, aspect, CITATION.search(body))
        assert f"kiểm tra {proc.updated:%d/%m/%Y}" in plain, proc.id
        assert "Gặp khó khăn khi làm thủ tục này? Bấm 📣 Phản ánh." in plain


@pytest.mark.parametrize("aspect", list(ASPECT_LABELS))
def test_every_part_alone_is_whole_and_within_a_message(knowledge, aspect: str) -> None:
    for proc in knowledge.procedures.values():
        html = part_answer(proc, aspect, knowledge.glossary)
        plain = to_plain(html)
        assert len(html) <= MESSAGE_LIMIT, (proc.id, aspect)
        assert _balanced(html)
        for item in part_items(proc, aspect):
            shown = to_plain(knowledge.glossary.apply(esc(item)))
            assert _canon(knowledge, shown) in _canon(knowledge, plain), (proc.id, aspect, item)
        if aspect == "legal_basis":
            for law in proc.legal_basis:
                assert _canon(knowledge, law) in _canon(knowledge, plain)
            assert DATE.findall(plain) == [(f"{proc.updated:%d}", f"{proc.updated:%m}", f"{proc.updated:%Y}")]
        else:
            body = plain[: plain.rindex("Nguồn:")]
            assert not CITATION.search(body), (proc.id, aspect, CITATION.search(body))


def test_parts_are_whole_sentences(knowledge) -> None:
    """Items are cut only at sentence ends: every item ends a sentence or is a list entry."""
    for proc in knowledge.procedures.values():
        for aspect in ("time", "fees", "where", "online"):
            joined = " ".join(part_items(proc, aspect))
            assert joined.rstrip().endswith((".", ")", "!", "?", "”", '"')) or not joined, (proc.id, aspect, joined)


def test_the_asked_part_comes_first(knowledge) -> None:
    for proc in knowledge.procedures.values():
        for aspect in ("documents", "online", "where"):
            plain = to_plain(_first(knowledge, proc, aspect, "hỏi"))
            label = plain.find(f"{ASPECT_LABELS[aspect]}:")
            assert label != -1, (proc.id, aspect)
            for key in ("📍", "⏱", "💰"):
                if key in plain:
                    assert label < plain.index(key), (proc.id, aspect)


def test_procedures_not_filed_at_the_ward_say_so_first(knowledge) -> None:
    elsewhere = [p for p in knowledge.procedures.values() if not p.at_ward]
    assert elsewhere, "the catalogue has procedures filed outside the ward (passport, criminal record)"
    for proc in elsewhere:
        for aspect in ASPECTS_AND_NONE:
            plain = to_plain(_first(knowledge, proc, aspect))
            assert plain.split("\n")[1].startswith("⚠️ Không nộp tại phường, xã."), proc.id
    at_ward = next(p for p in knowledge.procedures.values() if p.at_ward)
    assert "Không nộp tại phường, xã" not in to_plain(_first(knowledge, at_ward, None))


def test_aspect_buttons_open_the_other_parts_and_the_complaint(knowledge) -> None:
    proc = knowledge.procedures["ho-tich.khai-sinh"]
    shown_fees = [b.data for b in aspect_buttons(proc, "fees")]
    assert shown_fees == [f"a:{a}:ho-tich.khai-sinh" for a in ORDER if a != "fees"] + ["x:ho-tich.khai-sinh"]
    assert next(b.data for b in aspect_buttons(proc, None)) == "a:time:ho-tich.khai-sinh"


def test_every_button_a_first_answer_names_is_there(knowledge) -> None:
    # "… còn 3 mục nữa: bấm 📄 Giấy tờ" once pointed at a button the answer did not carry.
    from bot.qa import show_procedure

    cut = 0
    for proc in knowledge.procedures.values():
        for aspect in ASPECTS_AND_NONE:
            reply = show_procedure(knowledge, proc.id, aspect, question=f"{proc.name} cần gì")
            labels = {b.label for b in reply.all_buttons()}
            for named in ASPECT_BUTTONS.values():
                if f"bấm {named}" in reply.text:
                    cut += 1
                    assert named in labels, (proc.id, aspect, named)
    assert cut, "some first answer of the catalogue leaves items for the button"


def test_complaint_button_starts_the_intake_with_the_procedure(assistant) -> None:
    replies = assistant.handle(Incoming("t", button="x:ho-tich.khai-sinh"))
    assert "Phản ánh" in replies[0].text
    state, _ = assistant.store.load_session("t")
    assert state["flow"] == "intake" and state["draft"]["procedure"] == "Đăng ký khai sinh"
    # Whatever the citizen types as the description, the procedure stays with it.
    draft = intake.Draft.from_state(state)
    draft.step = "description"
    step = intake.step(assistant.config, draft, text="Cán bộ bắt chờ cả buổi", button=None, photo=None, today=TODAY)
    assert step.draft.description == "[Thủ tục: Đăng ký khai sinh] Cán bộ bắt chờ cả buổi"


def test_every_button_of_every_reply_fits_the_callback_limit(knowledge, assistant) -> None:
    replies = [qa.welcome(assistant.config), qa.help_reply(assistant.config), qa.decline(assistant.config)]
    fields = qa.browse_fields(knowledge)
    replies.append(fields)
    replies += [assistant.handle(Incoming("t", button=b.data))[0] for b in fields.all_buttons()]
    for proc_id in knowledge.procedures:
        for aspect in ASPECTS_AND_NONE:
            reply = qa.show_procedure(knowledge, proc_id, aspect)
            replies.append(reply)
            # Pressing a part's button shows that part alone, for the same procedure.
            for button in reply.all_buttons():
                kind, *rest = button.data.split(":")
                if kind == "x":
                    assert rest == [proc_id]
                    continue
                shown, target = rest
                (pressed,) = assistant.handle(Incoming("t", button=button.data))
                assert target == proc_id
                assert pressed.text == part_answer(knowledge.procedures[proc_id], shown, knowledge.glossary)
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

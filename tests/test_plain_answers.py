"""Answers as a citizen reads them on a phone: direct openings, plain words, situations, the ward's desk."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest

from bot import qa
from bot.answers import ASPECT_LABELS, FIRST_LIMIT, MORE_MARKER, part_answer, part_items
from bot.catalogue import Online
from bot.conversation import Incoming
from bot.pledges import answer as pledge_answer
from bot.question_form import question_form
from bot.replies import CALLBACK_LIMIT, MESSAGE_LIMIT, to_plain
from bot.understanding import Understanding
from handlers.telegram_app import send_reply

TODAY = dt.date(2026, 12, 1)
ASPECTS_AND_NONE = (None, *ASPECT_LABELS)


def _ask(assistant, text: str, user: str = "citizen"):
    (reply, *_rest) = assistant.handle(Incoming(user, text=text))
    return reply


def _ask_and_pick(assistant, text: str, user: str = "citizen"):
    """The answer, through the first choice when the question was ambiguous (as a citizen would tap)."""
    reply = _ask(assistant, text, user)
    if reply.text.startswith("Bạn hỏi về thủ tục nào"):
        (reply, *_rest) = assistant.handle(Incoming(user, button=reply.all_buttons()[0].data))
    return reply


def _opening(reply) -> str:
    """The first line after the procedure's name."""
    return to_plain(reply.text).split("\n")[1]


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("có cần đăng ký không?", "yes_no"),
        ("phường có làm thứ 7 không?", "yes_no"),
        ("tam tru co mat phi ko", "yes_no"),
        ("làm căn cước hết bao nhiêu tiền", "how_much"),
        ("khai sinh mất bao lâu", "how_long"),
        ("bao nhiêu ngày thì có kết quả", "how_long"),
        ("cần giấy tờ gì không", "open"),
        ("khai sinh có mất phí không ạ", "yes_no"),
        ("phường có làm thứ 7 không chị", "yes_no"),
        ("làm khai sinh ạ", "open"),
        ("đăng ký kết hôn cần gì", "open"),
    ],
)
def test_question_form(text: str, form: str) -> None:
    assert question_form(text) == form


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("khai sinh có làm online được không", r"^Có\."),
        ("chứng thực chữ ký có nộp online được không", r"^Không\."),
        ("làm khai sinh có cần giấy chứng sinh không", r"^Có\. Giấy chứng sinh"),
        ("đăng ký tạm trú có mất phí không", r"^Có\. 15\.000 đồng"),
        ("khai tử có mất phí không", r"^Tùy trường hợp: Miễn lệ phí khi khai tử đúng hạn"),
        ("đăng ký kết hôn có mất phí không", r"^Không\. Miễn lệ phí"),
        ("đăng ký kết hôn có miễn phí không", r"^Có\. Miễn lệ phí"),
        ("làm hộ chiếu ở phường được không", r"^⚠️ Không nộp tại phường"),
    ],
)
def test_yes_no_questions_start_with_yes_no_or_it_depends(assistant, question: str, opening: str) -> None:
    assert re.search(opening, _opening(_ask(assistant, question))), to_plain(_ask(assistant, question).text)


def test_how_much_starts_with_the_figure_computed_with_its_end_date(knowledge) -> None:
    during = qa.show_procedure(knowledge, "can-cuoc.cap", "fees", question="làm căn cước bao nhiêu tiền", today=TODAY)
    opening = _opening(during)
    assert opening.startswith("Cấp đổi 25.000 đồng, cấp lại 35.000 đồng")
    assert "đến hết 31/12/2026" in opening and "50.000" in opening  # the normal rate, said once
    after = qa.show_procedure(knowledge, "can-cuoc.cap", "fees", question="bao nhiêu tiền", today=dt.date(2027, 1, 2))
    assert _opening(after).startswith("50.000 đồng")
    assert "đã giảm" not in to_plain(after.text)
    free = qa.show_procedure(
        knowledge, "ho-tich.ket-hon", "fees", question="đăng ký kết hôn bao nhiêu tiền", today=TODAY
    )
    assert _opening(free).startswith("Không mất tiền")


def test_a_money_question_without_a_named_part_is_answered_about_money(assistant) -> None:
    reply = _ask(assistant, "sang tên sổ đỏ cho con có mất thuế không")
    assert _opening(reply).startswith("Tùy trường hợp: Chuyển nhượng, tặng cho, thừa kế")
    assert "miễn cả thuế thu nhập cá nhân" in _opening(reply)
    # The part shown keeps its button only when the answer left some of its items for it.
    assert ("a:fees:" in " ".join(b.data for b in reply.all_buttons())) == ("bấm 💰 Lệ phí" in reply.text)
    priced = _ask(assistant, "trích lục khai sinh bao nhiêu tiền", "u2")
    assert _opening(priced).startswith("8.000 đồng/bản")


def test_how_long_starts_with_the_time(assistant) -> None:
    assert _opening(_ask(assistant, "đăng ký kết hôn mất bao lâu")).startswith("⏱ Trong ngày")


def test_no_answer_holds_an_unexplained_abbreviation(knowledge) -> None:
    glossary = knowledge.glossary
    assert glossary.terms, "knowledge/glossary.yaml is loaded"
    for proc in knowledge.procedures.values():
        texts = [qa.show_procedure(knowledge, proc.id, a, question="hỏi", today=TODAY).text for a in ASPECTS_AND_NONE]
        texts += [part_answer(proc, a, glossary) for a in ASPECT_LABELS]
        for html in texts:
            plain = to_plain(html)
            plain = plain[: plain.rfind("Nguồn:")]  # the source line names the site as it is
            assert glossary.unexplained(plain) == [], (proc.id, glossary.unexplained(plain))
    assert "Cổng Dịch vụ công quốc gia" in glossary.apply("nộp trên Cổng DVCQG")
    assert glossary.apply("dùng VNeID, rồi VNeID") == "dùng ứng dụng VNeID, rồi VNeID"
    assert glossary.apply("Nghị định 123/2015/NĐ-CP") == "Nghị định 123/2015/NĐ-CP"  # a number, not a word
    assert glossary.unexplained("nộp cho UBND") == ["UBND"]


def test_post_is_not_an_online_channel(knowledge) -> None:
    legacy = Online.model_validate({"channels": ["DVCQG", "Bưu chính"], "fully_online": False})
    assert legacy.channels == ["DVCQG"] and legacy.by_post
    for proc in knowledge.procedures.values():
        assert "Bưu chính" not in proc.online.channels
    paper_only = knowledge.procedures["bao-tro.ho-ngheo"]
    assert paper_only.online.by_post and not paper_only.online.channels
    assert to_plain(part_answer(paper_only, "online")).split("\n")[2].startswith("Chưa nộp trực tuyến được")


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("bố tôi 85 tuổi nằm một chỗ thì làm căn cước thế nào", "đến tận nhà"),
        ("làm căn cước cho mẹ 85 tuổi nằm một chỗ", "đến tận nhà"),  # the situation told after the act
        ("mất bản chính giấy khai sinh thì làm sao", "xin bản sao trích lục"),
        ("cán bộ bắt nộp giấy xác nhận độc thân để kết hôn", "Không cần giấy này nữa"),
        ("đăng ký kết hôn có cần giấy xác nhận độc thân không", "Không cần giấy này nữa"),
        ("đăng ký thường trú có cần sổ hộ khẩu không", "Không cần giấy này nữa"),
        ("ông bà nội đi làm khai sinh cho cháu được không", "không cần giấy ủy quyền"),
        ("làm căn cước cho trẻ dưới 6 tuổi cần gì", "không phải đưa trẻ đến"),
    ],
)
def test_the_situation_told_leads_the_answer(assistant, question: str, lead: str) -> None:
    reply = _ask_and_pick(assistant, question)
    opening = _opening(reply)
    assert opening.startswith("👉") and lead in opening, to_plain(reply.text)
    if "Không cần giấy này nữa" in lead:  # demanding it breaks the rules: the complaint comes first
        assert reply.all_buttons()[0].data.startswith("x:")


def test_a_choice_carries_the_situation_told(assistant, knowledge) -> None:
    question = "mất bản chính giấy khai sinh thì làm sao"
    asked = Understanding(question, "ambiguous", choices=("ho-tich.khai-sinh", "ho-tich.trich-luc"))
    data = [b.data for b in qa.choices(knowledge, asked).all_buttons()]
    assert data[:2] == ["p:ho-tich.khai-sinh", "s:ho-tich.trich-luc:mat-ban-chinh"]
    assert all(len(d.encode()) <= CALLBACK_LIMIT for d in data)
    (picked,) = assistant.handle(Incoming("citizen", button=data[1]))
    assert _opening(picked).startswith("👉 Mất bản chính giấy khai sinh")


def test_a_situation_is_not_read_into_a_plain_question(knowledge) -> None:
    for proc_id, question in (
        ("ho-tich.khai-sinh", "khai sinh mất bao lâu"),
        ("can-cuoc.cap", "làm căn cước cần gì"),
        ("ho-tich.ket-hon", "đăng ký kết hôn cần giấy tờ gì"),
    ):
        text = qa.show_procedure(knowledge, proc_id, None, question=question, today=TODAY).text
        assert "👉" not in text, (proc_id, question)


def test_every_situation_is_found_by_its_own_phrases(knowledge) -> None:
    found = 0
    for proc in knowledge.procedures.values():
        for situation in proc.situations:
            for phrase in situation.phrases:
                text = qa.show_procedure(knowledge, proc.id, None, question=f"tôi {phrase} thì sao", today=TODAY).text
                assert "👉" in text, (proc.id, phrase)
                found += 1
    assert found >= 40


def test_fixed_entries_no_longer_contradict_themselves(knowledge) -> None:
    birth = knowledge.procedures["ho-tich.khai-sinh"]
    proxy = next(d for d in birth.documents if "ủy quyền" in d)
    assert "ông, bà" in proxy and "không cần giấy ủy quyền" in proxy and "không cần giấy ủy quyền" in birth.notes
    transfer = knowledge.procedures["dat-dai.bien-dong"].fees
    assert "miễn cả thuế thu nhập cá nhân và lệ phí trước bạ" in transfer and "cha, mẹ" in transfer
    adoption = knowledge.procedures["ho-tich.nuoi-con-nuoi"]
    assert any("114/2016/NĐ-CP" in law and "lệ phí" in law for law in adoption.legal_basis)
    assert "19/2011" not in adoption.fees


def test_a_fee_without_a_figure_says_where_to_see_it(knowledge) -> None:
    """Audit rule: where the catalogue has no published figure, the answer points to where it is shown."""
    unknown = []
    for proc in knowledge.procedures.values():
        text = " ".join(part_items(proc, "fees"))
        if re.search(r"\d[\d.]* đồng", text) or re.match(r"(Miễn|Không thu|Không mất)", text):
            continue
        unknown.append(proc.id)
        assert re.search(r"niêm yết|Cổng|hiển thị|thông báo", text), (proc.id, text)
        assert "theo;" not in text and not text.startswith(("Lệ phí;", "Phí;")), text
    assert "ho-chieu.cap" in unknown  # the passport fee is not verified: shown when filing online


def test_relatives_need_no_authorisation_where_the_law_makes_them_declarants(knowledge) -> None:
    for proc_id in ("ho-tich.khai-sinh", "ho-tich.khai-tu"):
        proc = knowledge.procedures[proc_id]
        proxy = next(d for d in proc.documents if "ủy quyền" in d)
        assert proxy.startswith("Người ngoài gia đình") and "không cần giấy ủy quyền" in proxy, proc_id


def test_the_ward_desk_answers_from_the_config(assistant) -> None:
    config = assistant.config
    ward = config.ward("26743")
    reply = _ask(assistant, f"{ward.name} làm việc thứ 7 không")
    plain = to_plain(reply.text)
    assert plain.split("\n")[1].startswith("Có")
    assert ward.desk_hours in plain and ward.desk_address in plain
    assert not any(w.name in plain for w in config.wards if w.code != ward.code)
    where = to_plain(_ask(assistant, "phuong ban co o dau", "u2").text)
    assert config.ward("27160").desk_address in where
    sunday = to_plain(_ask(assistant, "phường Tân Định có làm chủ nhật không", "u3").text)
    assert sunday.split("\n")[1] == "Không."
    unnamed = to_plain(_ask(assistant, "phường có làm thứ 7 không?", "u4").text)
    assert unnamed.startswith("Có.") and "Gõ tên phường" in unnamed


def test_a_procedure_question_naming_a_ward_shows_that_wards_desk(assistant) -> None:
    ward = assistant.config.ward("26737")
    reply = _ask(assistant, "đăng ký kết hôn ở phường tân định cần gì")
    plain = to_plain(reply.text)
    assert f"🏢 {ward.name}: {ward.desk_address}" in plain and len(reply.text) <= FIRST_LIMIT
    assert sum(plain.count(icon) for icon in ("🏢", "📍", "⏱", "💰")) <= 3
    elsewhere = to_plain(_ask(assistant, "làm hộ chiếu ở phường tân định được không", "u2").text)
    assert "🏢" not in elsewhere  # a passport is not filed at the ward: no desk to point to


def test_a_named_wards_pledges_never_show_another_wards(assistant, knowledge) -> None:
    config = assistant.config
    by_ward = {c.unit for c in knowledge.commitments.values() if c.unit.startswith("ward:")}
    assert len(by_ward) >= 2
    ids = tuple(knowledge.commitments)
    for unit in by_ward:
        ward = config.ward(unit.removeprefix("ward:"))
        reply = pledge_answer(knowledge, config, ids, f"{ward.name} cam kết gì", TODAY, lambda *_: 0)
        others = [c.title for c in knowledge.commitments.values() if c.unit.startswith("ward:") and c.unit != unit]
        own = {c.title for c in knowledge.commitments.values() if c.unit == unit}
        assert not any(title in reply.text for title in others if title not in own), ward.name


class _Recorder:
    """A stand-in for telegram.Bot: records what would be sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_message(self, chat_id, text, **kwargs):
        self.sent.append({"text": text, **kwargs})


def test_every_entry_and_aspect_through_the_telegram_adapter(knowledge) -> None:
    """What Telegram receives: the first answer in one message of one screen, each part in one message."""

    async def render() -> None:
        for proc in knowledge.procedures.values():
            for aspect in ASPECTS_AND_NONE:
                for alone in (False, True) if aspect else (False,):
                    bot = _Recorder()
                    reply = qa.show_procedure(knowledge, proc.id, aspect, question="hỏi", today=TODAY, alone=alone)
                    await send_reply(bot, 1, reply)
                    (message,) = bot.sent
                    limit = MESSAGE_LIMIT if alone else FIRST_LIMIT
                    assert len(message["text"]) <= limit, (proc.id, aspect, alone, len(message["text"]))
                    assert message["parse_mode"] == "HTML"
                    buttons = [b for row in message["reply_markup"].inline_keyboard for b in row]
                    # The five other parts and the complaint, plus the shown part when items were left for it.
                    assert len(buttons) == 6 + (MORE_MARKER in reply.text)
                    assert all(len(b.callback_data.encode()) <= CALLBACK_LIMIT for b in buttons)

    asyncio.run(render())


def test_a_situation_told_in_abbreviations_is_found(knowledge) -> None:
    # One finder serves understanding and answers; with the lexicon it reads "gks", "cc", "sd".
    from bot.answers import find_situation

    cases = [
        ("ho-tich.trich-luc", "mất bản chính gks thì làm sao", "mat-ban-chinh"),
        ("dat-dai.cap-doi-cap-lai", "sd bị mất thì làm lại thế nào", "mat-so"),
        ("can-cuoc.cap", "lam cccd cho me 85 tuoi nam mot cho", "tai-nha"),
    ]
    for proc_id, question, situation in cases:
        told = find_situation(knowledge.procedures[proc_id], question, knowledge.lexicon.expand)
        assert told is not None and told.id == situation, (question, told)

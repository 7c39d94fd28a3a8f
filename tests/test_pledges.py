"""Commitments (cam kết): answers with sources, the link to complaints, overdue tasks, safe reloads."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    START,
    TAN_DINH,
    Clock,
    Person,
    build,
    buttons_of,
    draft_step,
    file_complaint,
    session_of,
    text_of,
)

from bot import pledges
from bot.app import Loaded
from bot.conversation import Assistant

APOLOGY = "quoc-gia.phieu-xin-loi"
APOLOGY_QUESTION = "trễ hẹn thì có được xin lỗi không"
OVERDUE_TASK = "phuong-ben-thanh.so-hoa-ho-so"  # due 30/09/2026, recorded as "đang thực hiện"
DONE_TASK = "phuong-ben-thanh.kiosk-lay-so"  # due 30/06/2026, recorded as "hoàn thành"
CITATIONS = re.compile(r"30 ngày qua: (\d+) phản ánh tại (.+?) liên quan cam kết này")


@pytest.fixture
def assistant(loaded, tmp_path: Path, clock: Clock) -> Assistant:
    return build(loaded, tmp_path, clock)


@pytest.fixture
def citizen(assistant: Assistant) -> Person:
    return Person(assistant)


def block_of(text: str, title: str) -> str:
    """The paragraph of a reply that presents the commitment with this title."""
    blocks = [b for b in text.split("\n\n") if b.startswith(f"<b>{title}</b>")]
    assert blocks, f"no block for {title!r} in {text!r}"
    return blocks[0]


def citations(block: str) -> tuple[int, str]:
    found = CITATIONS.search(block)
    assert found, block
    return int(found.group(1)), found.group(2)


# -- answering a commitment question ------------------------------------------------------------------------------


def test_a_commitment_question_gets_the_pledge_its_source_and_a_complaint_button(
    assistant: Assistant, citizen: Person, knowledge
) -> None:
    apology = knowledge.commitments[APOLOGY]

    replies = citizen.say(APOLOGY_QUESTION)

    [reply] = replies
    block = block_of(reply.text, apology.title)
    assert "văn bản xin lỗi" in block
    assert "Nguồn: Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP (Mẫu 04), 15/09/2025" in block
    assert "Nếu không được thực hiện" in block
    assert buttons_of(replies) == ["m:phananh:tre-hen", "m:camket"]
    assert session_of(assistant) is None  # a question starts no intake


def test_the_complaint_button_starts_an_intake_with_the_category_chosen(assistant: Assistant, citizen: Person) -> None:
    citizen.say(APOLOGY_QUESTION)

    citizen.press("m:phananh:tre-hen")

    assert draft_step(assistant) == "ward"
    assert session_of(assistant)["draft"]["category"] == "tre-hen"
    replies = citizen.press(f"i:ward:{BEN_THANH}")
    assert buttons_of(replies)[0] == "i:cat:tre-hen"
    assert "Trễ hẹn không xin lỗi" in text_of(replies)


def test_a_late_result_complaint_cites_a_national_obligation(knowledge, loaded) -> None:
    for ward in loaded.config.wards:
        pledge = pledges.pledge_for(knowledge, "tre-hen", ward.code)
        assert pledge is not None
        assert (pledge.kind, pledge.unit) == ("obligation", "national")
        assert "tre-hen" in pledge.complaint_categories
    assert pledges.pledge_for(knowledge, "doi-tien", BEN_THANH).id == "quoc-gia.khong-doi-tien"


def test_the_citation_count_follows_complaints_filed_for_the_ward(
    assistant: Assistant, citizen: Person, clock: Clock, knowledge
) -> None:
    cited = pledges.pledge_for(knowledge, "tre-hen", BEN_THANH)
    question = f"{cited.title.lower()} phường Bến Thành"

    before = citations(block_of(text_of(citizen.say(question)), cited.title))
    assert before == (0, "Phường Bến Thành")

    code = file_complaint(citizen, category="tre-hen", description="Quá hẹn 5 ngày, không ai xin lỗi")
    assert assistant.store.get(code).commitment_ids[0] == cited.id  # cited first, counted under all it breaks
    file_complaint(citizen, ward=TAN_DINH, category="tre-hen", description="Ở phường khác cũng trễ hẹn")

    assert citations(block_of(text_of(citizen.say(question)), cited.title)) == (1, "Phường Bến Thành")

    clock.advance(days=31)  # out of the 30-day window
    assert citations(block_of(text_of(citizen.say(question)), cited.title)) == (0, "Phường Bến Thành")


def test_the_apology_answer_counts_late_result_complaints(assistant: Assistant, citizen: Person, knowledge) -> None:
    apology = knowledge.commitments[APOLOGY]
    question = f"{APOLOGY_QUESTION} ở phường Bến Thành"
    before, where = citations(block_of(text_of(citizen.say(question)), apology.title))
    assert where == "Phường Bến Thành"

    file_complaint(citizen, category="tre-hen", description="Quá hẹn 5 ngày, không ai xin lỗi")

    after, _ = citations(block_of(text_of(citizen.say(question)), apology.title))
    assert after == before + 1


# -- browsing by unit ----------------------------------------------------------------------------------------------


def test_camket_offers_every_unit_with_pledges(assistant: Assistant, citizen: Person, knowledge) -> None:
    replies = citizen.say("/camket")
    units = {c.unit for c in knowledge.commitments.values()}
    expected = ["k:national", "k:city"] + [f"k:ward:{w.code}" for w in assistant.config.wards if f"ward:{w.code}" in units]
    assert 2 < len(expected) < 20  # the wards that published pledges, not the ~170 of the city
    assert buttons_of(replies) == expected
    assert buttons_of(citizen.press("m:camket")) == expected


def test_a_ward_lists_its_pledges_and_flags_overdue_tasks(assistant: Assistant, citizen: Person, knowledge) -> None:
    overdue, done = knowledge.commitments[OVERDUE_TASK], knowledge.commitments[DONE_TASK]
    assert overdue.status == "dang-thuc-hien"  # the file does not say "overdue": the date does
    assert overdue.deadline < START.date()

    [reply] = citizen.press(f"k:ward:{BEN_THANH}")

    assert "Phường Bến Thành" in reply.text.split("\n")[0]
    titles = [c.title for c in knowledge.commitments.values() if c.unit == f"ward:{BEN_THANH}"]
    for title in titles:
        block_of(reply.text, title)
    assert "Trạng thái: <b>Quá hạn (đang thực hiện)</b>" in block_of(reply.text, overdue.title)
    assert "Hạn: 30/09/2026" in block_of(reply.text, overdue.title)
    assert "Trạng thái: <b>Hoàn thành</b>" in block_of(reply.text, done.title)
    assert reply.text.count("Trạng thái: <b>Quá hạn") == 1
    assert buttons_of([reply]) == ["m:camket"]


@pytest.mark.parametrize(
    ("moment", "is_overdue"),
    [
        (dt.datetime(2026, 9, 1, 3, 0, tzinfo=dt.UTC), False),
        (dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC), False),  # 23:30 on the deadline, local time
        (dt.datetime(2026, 9, 30, 17, 30, tzinfo=dt.UTC), True),  # 00:30 the next day, local time
    ],
)
def test_overdue_comes_from_the_local_date(
    assistant: Assistant, citizen: Person, clock: Clock, knowledge, moment: dt.datetime, is_overdue: bool
) -> None:
    clock.now = moment
    [reply] = citizen.press(f"k:ward:{BEN_THANH}")
    block = block_of(reply.text, knowledge.commitments[OVERDUE_TASK].title)
    assert ("Quá hạn" in block) is is_overdue
    assert "Đang thực hiện" in block or "đang thực hiện" in block


def test_national_and_city_units_list_their_commitments(citizen: Person, knowledge) -> None:
    [national] = citizen.press("k:national")
    assert "Quy định chung (toàn quốc)" in national.text
    block_of(national.text, knowledge.commitments[APOLOGY].title)
    [city] = citizen.press("k:city")
    assert "Thành phố Hồ Chí Minh" in city.text.split("\n")[0]
    assert "k:national" in buttons_of(citizen.press("k:ward:99999"))  # unknown unit: back to the list


# -- reloading the knowledge -----------------------------------------------------------------------------------------


def with_admin(config, admin_id: int = 42):
    return config.model_copy(update={"telegram": config.telegram.model_copy(update={"admin_ids": [admin_id]})})


def on_copy(loaded, deployment) -> Loaded:
    """The shipped knowledge in service, reloading from the throw-away copy (saves a full load)."""
    return Loaded(deployment.config, loaded.config, loaded.knowledge)


def test_a_broken_commitments_file_is_refused_and_the_old_knowledge_stays(loaded, deployment, tmp_path: Path) -> None:
    copy = on_copy(loaded, deployment)
    assistant = build(copy, tmp_path, Clock(), with_admin(copy.config))
    before = assistant.knowledge.current
    wards_file = deployment.root / "knowledge" / "commitments" / "wards.yaml"
    text = wards_file.read_text(encoding="utf-8")
    wards_file.write_text(text.replace("status: dang-thuc-hien", "status: sap-xong", 1), encoding="utf-8")

    problems = assistant.reload()

    assert problems
    assert any("wards.yaml" in p.file for p in problems)
    assert assistant.knowledge.current is before
    [reply] = Person(assistant).press(f"k:ward:{BEN_THANH}")
    assert "Quá hạn" in reply.text  # still served from the old knowledge

    admin = Person(assistant, "tg:42", "Quản trị")
    answer = text_of(admin.say("/capnhat"))
    assert "chưa được áp dụng" in answer
    assert "wards.yaml" in answer
    assert assistant.knowledge.current is before

    wards_file.write_text(
        text.replace("title: Số hóa hồ sơ khi tiếp nhận", "title: Số hóa toàn bộ hồ sơ khi tiếp nhận"), encoding="utf-8"
    )
    assert "Đã nạp lại" in text_of(admin.say("/capnhat"))
    assert assistant.knowledge.current is not before
    assert assistant.knowledge.current.commitments[OVERDUE_TASK].title == "Số hóa toàn bộ hồ sơ khi tiếp nhận"


def test_a_yaml_syntax_error_is_refused_too(loaded, deployment, tmp_path: Path) -> None:
    copy = on_copy(loaded, deployment)
    assistant = build(copy, tmp_path, Clock())
    before = assistant.knowledge.current
    national = deployment.root / "knowledge" / "commitments" / "national.yaml"
    national.write_text(national.read_text(encoding="utf-8") + "\n- id: [unclosed\n", encoding="utf-8")

    assert assistant.reload()
    assert assistant.knowledge.current is before
    assert "Văn bản xin lỗi" in text_of(Person(assistant).say(APOLOGY_QUESTION))


def test_capnhat_is_for_admins_only(assistant: Assistant, citizen: Person) -> None:
    calls: list[str] = []
    assistant.reload = lambda: calls.append("reload") or []

    replies = citizen.say("/capnhat")

    assert "chỉ dành cho quản trị viên" in text_of(replies)
    assert calls == []

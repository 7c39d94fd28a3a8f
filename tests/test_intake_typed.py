"""The intake stores only what the citizen meant: cancel and back words, "none", dates, phones, pledges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from complaint_helpers import BEN_THANH, Clock, Person, build, buttons_of, draft_step, session_of, text_of

from bot.complaints.typed import is_cancel, is_none, normalise_phone, parse_contact, parse_when
from bot.pledges import pledge_for

TODAY = dt.date(2026, 11, 20)  # a Friday (the helpers' clock)


@pytest.fixture
def assistant(loaded, tmp_path: Path):
    return build(loaded, tmp_path, Clock())


def walk_to(citizen: Person, step: str) -> None:
    """Bring a fresh intake to `step` with ordinary answers."""
    path = [
        ("ward", lambda: citizen.press(f"i:ward:{BEN_THANH}")),
        ("category", lambda: citizen.press("i:cat:hach-dich")),
        ("when", lambda: citizen.press("i:when:today")),
        ("description", lambda: citizen.say("Cán bộ quát tháo, ném hồ sơ xuống bàn.")),
        ("official", lambda: citizen.press("i:skip")),
        ("dossier", lambda: citizen.press("i:skip")),
        ("photo", lambda: citizen.press("i:skip")),
        ("identity", lambda: citizen.press("i:share")),
        ("consent", lambda: citizen.press("i:agree")),
        ("contact", lambda: citizen.say("Trần Thị Hoa, 0901234567")),
    ]
    citizen.say("/phananh")
    for name, act in path:
        if draft_step(citizen.assistant) == step:
            return
        assert draft_step(citizen.assistant) == name
        act()
    assert draft_step(citizen.assistant) == step


STEPS = ["ward", "category", "when", "description", "official", "dossier", "photo", "identity", "consent", "contact", "summary"]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("words", ["thoi khong gui nua", "Hủy", "huỷ nhé", "dừng lại", "HUY"])
def test_cancel_words_end_the_intake_at_every_step(assistant, step: str, words: str) -> None:
    citizen = Person(assistant)
    walk_to(citizen, step)
    replies = citizen.say(words)
    assert "Đã hủy phản ánh" in text_of(replies)
    assert session_of(assistant) is None
    assert assistant.store.list() == []


@pytest.mark.parametrize("step", STEPS[1:])
def test_back_works_from_every_step(assistant, step: str) -> None:
    citizen = Person(assistant)
    walk_to(citizen, step)
    before = STEPS[STEPS.index(step) - 1]
    citizen.press("i:back")
    assert draft_step(assistant) == before
    walk_to_again = Person(assistant)
    walk_to_again.say("/huy")
    walk_to(walk_to_again, step)
    walk_to_again.say("quay lại")
    assert draft_step(assistant) == before


@pytest.mark.parametrize("words", ["không có", "ko", "k có", "ko co", "chưa có"])
def test_none_words_skip_an_optional_field(assistant, words: str) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "dossier")
    citizen.say(words)
    assert draft_step(assistant) == "photo"
    assert session_of(assistant)["draft"]["dossier"] is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("hôm qua", "Hôm qua (19/11/2026)"),
        ("hom kia", "Hôm kia (18/11/2026)"),
        ("sáng nay", "Sáng hôm nay (20/11/2026)"),
        ("thứ 2 tuần trước", "Thứ Hai 09/11/2026"),
        ("15/11", "Chủ nhật 15/11/2026"),
        ("15/11/2026", "Chủ nhật 15/11/2026"),
    ],
)
def test_dates_as_people_type_them_are_shown_back_as_dates(assistant, typed: str, stored: str) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "when")
    citizen.say(typed)
    assert draft_step(assistant) == "description"
    assert session_of(assistant)["draft"]["occurred"] == stored


@pytest.mark.parametrize(("typed", "says"), [("25/12/2026", "tương lai"), ("31/02", "Không có ngày"), ("dau thang", "chưa hiểu")])
def test_future_impossible_or_unreadable_dates_are_asked_again(assistant, typed: str, says: str) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "when")
    replies = citizen.say(typed)
    assert says in text_of(replies)
    assert draft_step(assistant) == "when"
    assert session_of(assistant)["draft"]["occurred"] is None


def test_date_parsing_units() -> None:
    assert parse_when("chủ nhật", TODAY).day == dt.date(2026, 11, 15)
    assert parse_when("thu 6 tuan nay", TODAY).day == TODAY
    assert parse_when("ngày 3", TODAY).day == dt.date(2026, 11, 3)
    assert parse_when("15/11/26", TODAY).day == dt.date(2026, 11, 15)
    assert parse_when("xyz", TODAY) is None


def test_a_phone_with_a_letter_is_refused_and_asked_again(assistant) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "contact")
    replies = citizen.say("Tran Thi Hoa 09o1234567")
    assert "chưa đúng" in text_of(replies)
    assert draft_step(assistant) == "contact"
    citizen.say("Tran Thi Hoa +84 901 234 567")
    draft = session_of(assistant)["draft"]
    assert draft["step"] == "summary"
    assert (draft["contact_name"], draft["contact"]) == ("Tran Thi Hoa", "Tran Thi Hoa, 0901234567")


@pytest.mark.parametrize(
    ("raw", "number"),
    [("0901234567", "0901234567"), ("+84 90 123 4567", "0901234567"), ("090.123.4567", "0901234567"),
     ("028 3829 1234", "02838291234"), ("090123456", None), ("09012345678", None), ("1234567890", None)],
)  # fmt: skip
def test_vietnamese_phone_numbers(raw: str, number: str | None) -> None:
    assert normalise_phone(raw) == number


def test_contact_needs_a_name_and_a_number() -> None:
    assert parse_contact("0901234567").problem
    assert parse_contact("Nguyễn Văn A").problem
    assert parse_contact("0901234567 - Lan").name == "Lan"


def test_words_that_are_not_commands() -> None:
    assert not is_cancel("Cán bộ bảo tôi thôi về đi, không tiếp nữa, hủy hồ sơ của tôi luôn mà không nói lý do")
    assert not is_cancel("không")
    assert not is_none("không có ai ở quầy")


@pytest.mark.parametrize(
    ("category", "title_words"),
    [
        ("hach-dich", "hách dịch"),
        ("phien-ha", "phiền hà"),
        ("giay-to-ngoai-quy-dinh", "giấy tờ ngoài quy định"),
        ("dun-day", "đùn đẩy"),
        ("doi-tien", "đòi tiền"),
        ("vang-mat", "giờ làm việc"),
        ("tre-hen", "trễ hẹn"),
    ],
)
def test_the_cited_pledge_concerns_the_category(loaded, category: str, title_words: str) -> None:
    pledge = pledge_for(loaded.knowledge, category, BEN_THANH)
    assert pledge is not None and title_words in pledge.title.lower()


def test_summary_buttons_never_list_the_province(assistant) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "summary")
    replies = citizen.press("i:edit")
    assert "i:resume" in buttons_of(replies)  # back to the summary from the edit menu
    assert len(buttons_of(replies)) < 20


def test_a_typed_date_is_shown_back(assistant) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "when")
    replies = citizen.say("hom kia")
    assert "Thời điểm: <b>Hôm kia (18/11/2026)</b>" in text_of(replies)


def test_none_is_not_a_description(assistant) -> None:
    citizen = Person(assistant)
    walk_to(citizen, "description")
    replies = citizen.say("ko co")
    assert draft_step(assistant) == "description" and "kể lại" in text_of(replies)
    assert session_of(assistant)["draft"]["description"] is None


def test_qua_and_nay_need_a_day_word() -> None:
    assert parse_when("lâu quá không nhớ", TODAY) is None
    assert parse_when("tối qua", TODAY).day == dt.date(2026, 11, 19)
    assert parse_when("trưa nay", TODAY).day == TODAY


def test_toi_as_i_is_not_evening() -> None:
    assert parse_when("hôm qua tôi đến nộp hồ sơ", TODAY).label == "Hôm qua (19/11/2026)"
    assert parse_when("tối thứ 3", TODAY).label == "Tối thứ ba 17/11/2026"

"""The guided complaint intake, through `Assistant.handle` as a citizen uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    CITIZEN,
    CITIZEN_NAME,
    CONTACT,
    SUPERVISOR,
    Clock,
    Person,
    build,
    buttons_of,
    code_in,
    draft_step,
    file_complaint,
    fill_intake,
    outbox_of,
    session_of,
    text_of,
    with_complaint_rules,
)

from bot.complaints.store import Store
from bot.conversation import Assistant


@pytest.fixture
def assistant(loaded, tmp_path: Path, clock: Clock) -> Assistant:
    return build(loaded, tmp_path, clock)


@pytest.fixture
def citizen(assistant: Assistant) -> Person:
    return Person(assistant)


def stored(store: Store) -> dict[str, int]:
    tables = ("complaints", "status_history", "audit", "outbox", "sessions")
    return {t: store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def at_description_step(citizen: Person) -> None:
    citizen.say("/phananh")
    citizen.press(f"i:ward:{BEN_THANH}")
    citizen.press("i:cat:hach-dich")
    citizen.press("i:when:yesterday")
    assert draft_step(citizen.assistant) == "description"


# -- the whole path ------------------------------------------------------------------------------------


def test_anonymous_complaint_from_start_to_tracking_code(assistant: Assistant, citizen: Person) -> None:
    replies = citizen.say("/phananh")
    assert "ẩn danh" in text_of(replies)
    assert "Gõ tên phường/xã" in text_of(replies)  # ~170 wards: typed, not listed as buttons
    assert not [b for b in buttons_of(replies) if b.startswith("i:ward:")]
    assert draft_step(assistant) == "ward"

    steps = [
        (citizen.press, f"i:ward:{BEN_THANH}", "category", "i:cat:tho-o"),
        (citizen.press, "i:cat:tho-o", "when", "i:when:today"),
        (citizen.press, "i:when:today", "description", None),
        (citizen.say, "Cán bộ quầy 3 nói chuyện điện thoại, bỏ mặc tôi chờ 40 phút.", "official", "i:skip"),
        (citizen.press, "i:skip", "dossier", "i:skip"),
        (citizen.press, "i:skip", "photo", "i:skip"),
        (citizen.press, "i:skip", "identity", "i:anon"),
        (citizen.press, "i:anon", "summary", "i:submit"),
    ]
    for act, value, next_step, offered in steps:
        replies = act(value)
        assert draft_step(assistant) == next_step, text_of(replies)
        if offered:
            assert offered in buttons_of(replies)
    summary = text_of(replies)
    assert "Phường Bến Thành" in summary
    assert "Thờ ơ, vô cảm" in summary
    assert "Hôm nay (20/11/2026)" in summary
    assert "Danh tính: ẩn danh" in summary

    replies = citizen.press("i:submit")

    code = code_in(replies)
    assert f"/tracuu {code}" in text_of(replies)
    assert "Phường Bến Thành" in text_of(replies)
    assert session_of(assistant) is None
    case = assistant.store.get(code)
    assert case is not None
    assert (case.user, case.ward_code, case.route, case.category, case.status) == (
        CITIZEN,
        BEN_THANH,
        f"ward:{BEN_THANH}",
        "tho-o",
        "new",
    )
    assert case.description == "Cán bộ quầy 3 nói chuyện điện thoại, bỏ mặc tôi chờ 40 phút."
    assert (case.consent, case.contact_name, case.contact) == (False, None, None)
    assert (case.official, case.dossier, case.photo) == (None, None, None)

    forward, confirm = assistant.store.outbox()
    assert (forward.target, forward.purpose, forward.code) == (f"ward:{BEN_THANH}", "forward", code)
    # The confirmation was queued with the case, so it reaches the citizen even if the channel fails now.
    assert (confirm.target, confirm.purpose, confirm.code) == (CITIZEN, "confirm", code)
    assert code in confirm.reply.text
    assert "Ẩn danh" in forward.reply.text
    for secret in ("1001", CITIZEN, CITIZEN_NAME):
        assert secret not in forward.reply.text
    assert f"w:ack:{code}" in [b.data for b in forward.reply.all_buttons()]


def test_a_stale_submit_button_creates_nothing_more(assistant: Assistant, citizen: Person) -> None:
    file_complaint(citizen)
    replies = citizen.press("i:submit")
    assert "đã được gửi hoặc đã hủy" in text_of(replies)
    assert stored(assistant.store)["complaints"] == 1


def test_back_returns_to_the_previous_step(assistant: Assistant, citizen: Person) -> None:
    at_description_step(citizen)

    replies = citizen.press("i:back")
    assert draft_step(assistant) == "when"
    assert "khi nào" in text_of(replies)
    replies = citizen.press("i:back")
    assert draft_step(assistant) == "category"
    assert "i:cat:tho-o" in buttons_of(replies)
    citizen.press("i:back")
    assert draft_step(assistant) == "ward"
    citizen.press("i:back")  # nothing before the first step: stays there
    assert draft_step(assistant) == "ward"
    assert session_of(assistant)["draft"]["ward_code"] == BEN_THANH  # going back keeps the answers


def test_edit_goes_back_to_the_summary_after_the_change(assistant: Assistant, citizen: Person) -> None:
    fill_intake(citizen, description="Nội dung ban đầu về cán bộ")

    menu = citizen.press("i:edit")
    assert "i:goto:description" in buttons_of(menu)
    replies = citizen.press("i:goto:description")
    assert draft_step(assistant) == "description"
    assert "Nội dung ban đầu về cán bộ" in text_of(replies)

    replies = citizen.say("Nội dung đã sửa: cán bộ quát tháo người cao tuổi")

    assert draft_step(assistant) == "summary"
    assert "Nội dung: Nội dung đã sửa" in text_of(replies)
    assert "i:submit" in buttons_of(replies)
    code = code_in(citizen.press("i:submit"))
    assert assistant.store.get(code).description == "Nội dung đã sửa: cán bộ quát tháo người cao tuổi"


def test_edit_the_category_returns_to_the_summary(assistant: Assistant, citizen: Person) -> None:
    fill_intake(citizen)
    citizen.press("i:edit")
    citizen.press("i:goto:category")
    replies = citizen.press("i:cat:vang-mat")
    assert draft_step(assistant) == "summary"
    assert "Vắng mặt, sai giờ làm việc" in text_of(replies)


@pytest.mark.parametrize("how", ["/huy", "i:cancel"])
def test_cancel_leaves_nothing_stored(assistant: Assistant, citizen: Person, how: str) -> None:
    fill_intake(citizen)

    replies = citizen.say(how) if how.startswith("/") else citizen.press(how)

    assert "hủy" in text_of(replies).lower()
    assert stored(assistant.store) == dict.fromkeys(("complaints", "status_history", "audit", "outbox", "sessions"), 0)
    assert "đã được gửi hoặc đã hủy" in text_of(citizen.press("i:submit"))
    assert stored(assistant.store)["complaints"] == 0


# -- started from a free message ---------------------------------------------------------------------


def test_a_complaint_typed_as_a_message_starts_a_prefilled_intake(assistant: Assistant, citizen: Person) -> None:
    message = "cán bộ phường Bến Thành đòi tiền mới làm hồ sơ"

    replies = citizen.say(message)

    draft = session_of(assistant)["draft"]
    assert draft["description"] == message
    assert draft["ward_code"] == BEN_THANH
    assert draft["category"] == "doi-tien"
    assert draft["step"] == "category"  # the ward is already known
    assert "Đòi tiền, nhũng nhiễu" in text_of(replies)
    assert buttons_of(replies)[0] == "i:cat:doi-tien"  # the guess is offered first

    citizen.press("i:cat:doi-tien")
    replies = citizen.press("i:when:today")
    assert message in text_of(replies)
    assert "i:keep" in buttons_of(replies)
    citizen.press("i:keep")
    assert draft_step(assistant) == "official"
    for press in ("i:skip", "i:skip", "i:skip", "i:anon"):
        citizen.press(press)
    code = code_in(citizen.press("i:submit"))

    case = assistant.store.get(code)
    assert (case.description, case.category, case.ward_code) == (message, "doi-tien", BEN_THANH)
    assert case.route == f"supervisor:{SUPERVISOR}"  # đòi tiền never goes to the ward itself


# -- identity and evidence -----------------------------------------------------------------------------


def test_consent_puts_name_and_contact_in_the_forward(assistant: Assistant, citizen: Person) -> None:
    fill_intake(citizen, contact=CONTACT)
    assert f"cho phường biết ({CONTACT})" in text_of(citizen.log[-1:])

    code = code_in(citizen.press("i:submit"))

    case = assistant.store.get(code)
    assert (case.consent, case.contact_name, case.contact) == (True, CITIZEN_NAME, CONTACT)
    [forward] = outbox_of(assistant.store, code, "forward")
    assert CITIZEN_NAME in forward.reply.text
    assert "0901234567" in forward.reply.text
    assert "Ẩn danh" not in forward.reply.text
    assert CITIZEN not in forward.reply.text  # the channel id is never shown, even with consent


def test_share_then_back_to_anonymous_keeps_no_contact(assistant: Assistant, citizen: Person) -> None:
    fill_intake(citizen)
    citizen.press("i:edit")
    citizen.press("i:goto:identity")
    citizen.press("i:share")
    citizen.press("i:agree")
    assert draft_step(assistant) == "contact"
    citizen.press("i:back")
    citizen.press("i:back")
    assert draft_step(assistant) == "identity"
    citizen.press("i:anon")
    code = code_in(citizen.press("i:submit"))
    assert assistant.store.get(code).consent is False


def test_a_photo_is_sent_to_the_ward_as_evidence(assistant: Assistant, citizen: Person) -> None:
    citizen.say("/phananh")
    citizen.press(f"i:ward:{BEN_THANH}")
    citizen.press("i:cat:giay-to-ngoai-quy-dinh")
    citizen.press("i:when:today")
    citizen.say("Bị đòi bản sao công chứng căn cước dù đã có VNeID")
    citizen.say("Quầy số 4")
    citizen.say("HS-2026-000123")
    replies = citizen.say("đây là ảnh")  # text instead of a photo
    assert "Bạn gửi một ảnh" in text_of(replies)
    assert draft_step(assistant) == "photo"
    citizen.send_photo("FILEID")
    assert draft_step(assistant) == "identity"
    citizen.press("i:anon")

    code = code_in(citizen.press("i:submit"))

    case = assistant.store.get(code)
    assert (case.photo, case.official, case.dossier) == ("FILEID", "Quầy số 4", "HS-2026-000123")
    items = outbox_of(assistant.store, code)
    assert [(i.target, i.purpose) for i in items] == [
        (f"ward:{BEN_THANH}", "forward"),
        (f"ward:{BEN_THANH}", "evidence"),
        (CITIZEN, "confirm"),
    ]
    assert items[1].reply.photo == "FILEID"
    assert code in items[1].reply.text
    assert "Ảnh minh chứng: có" in items[0].reply.text


# -- bad input at the description step --------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "   ", "😡😡", "!!! ???"])
def test_a_description_without_words_is_refused(assistant: Assistant, citizen: Person, typed: str) -> None:
    at_description_step(citizen)

    replies = citizen.say(typed)

    assert "Nội dung cần có chữ" in text_of(replies)
    assert draft_step(assistant) == "description"
    assert session_of(assistant)["draft"]["description"] is None


def test_an_overlong_description_is_refused_and_not_kept(assistant: Assistant, citizen: Person) -> None:
    at_description_step(citizen)
    limit = assistant.config.complaints.max_description_chars

    replies = citizen.say("Cán bộ hách dịch. " * 556)  # 10,008 characters

    assert f"vượt quá {limit} ký tự" in text_of(replies)
    assert "chưa được lưu" in text_of(replies)
    assert draft_step(assistant) == "description"
    assert session_of(assistant)["draft"]["description"] is None

    citizen.say("x" * limit)  # exactly at the limit is accepted
    assert draft_step(assistant) == "official"


def test_html_in_a_description_is_stored_raw_and_escaped_when_shown(assistant: Assistant, citizen: Person) -> None:
    code = file_complaint(citizen, description="<b>x</b> & y")

    assert assistant.store.get(code).description == "<b>x</b> & y"
    [forward] = outbox_of(assistant.store, code, "forward")
    assert "Nội dung: &lt;b&gt;x&lt;/b&gt; &amp; y" in forward.reply.text
    assert "<b>x</b>" not in forward.reply.text
    shown = text_of(citizen.say(f"/tracuu {code}"))
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in shown


def test_control_characters_are_removed(assistant: Assistant, citizen: Person) -> None:
    code = file_complaint(citizen, description="Cán bộ\x00 quát\x07 tôi\u200b\x1b[31m ở quầy")

    description = assistant.store.get(code).description
    assert description == "Cán bộ quát tôi [31m ở quầy"
    assert not any(ord(ch) < 32 or ch == "\u200b" for ch in description)


def test_line_breaks_in_a_description_are_kept(assistant: Assistant, citizen: Person) -> None:
    code = file_complaint(citizen, description="Sáng 19/11 tôi đến nộp hồ sơ.\r\nCán bộ   không nhận.")
    assert assistant.store.get(code).description == "Sáng 19/11 tôi đến nộp hồ sơ.\nCán bộ không nhận."


# -- duplicates and limits -------------------------------------------------------------------------------


def test_the_same_complaint_twice_makes_one_case(assistant: Assistant, citizen: Person) -> None:
    first = file_complaint(citizen)

    fill_intake(citizen)
    replies = citizen.press("i:submit")

    assert first in text_of(replies)
    assert "không tạo thêm bản trùng" in text_of(replies)
    assert [c.code for c in assistant.store.list()] == [first]
    assert len(outbox_of(assistant.store, purpose="forward")) == 1
    assert session_of(assistant) is None


def test_the_daily_limit_refuses_politely_and_keeps_the_draft(loaded, tmp_path: Path, clock: Clock) -> None:
    assistant = build(loaded, tmp_path, clock, with_complaint_rules(loaded.config, daily_limit_per_user=2))
    citizen = Person(assistant)
    file_complaint(citizen, description="Sự việc thứ nhất ở quầy 1")
    clock.advance(hours=1)
    file_complaint(citizen, description="Sự việc thứ hai ở quầy 2")
    clock.advance(hours=1)

    fill_intake(citizen, description="Sự việc thứ ba ở quầy 3")
    replies = citizen.press("i:submit")

    assert "2 phản ánh trong 24 giờ qua" in text_of(replies)
    assert "vẫn được giữ" in text_of(replies)
    assert len(assistant.store.list()) == 2
    assert draft_step(assistant) == "summary"
    assert session_of(assistant)["draft"]["description"] == "Sự việc thứ ba ở quầy 3"

    clock.advance(hours=23)  # the first complaint leaves the 24-hour window
    code = code_in(citizen.press("i:submit"))
    assert assistant.store.get(code).description == "Sự việc thứ ba ở quầy 3"


def test_the_shipped_daily_limit_applies(assistant: Assistant, citizen: Person) -> None:
    limit = assistant.config.complaints.daily_limit_per_user
    for n in range(limit):
        file_complaint(citizen, description=f"Sự việc số {n + 1} ở bộ phận một cửa")
    fill_intake(citizen, description="Một sự việc nữa")
    assert f"{limit} phản ánh trong 24 giờ qua" in text_of(citizen.press("i:submit"))
    assert len(assistant.store.list(user=CITIZEN)) == limit
    # Another citizen is not affected.
    other = Person(assistant, "tg:3003", None)
    fill_intake(other)
    assert other.log[-1].text.startswith("🧾")
    code_in(other.press("i:submit"))


# -- abandoned and resumed -------------------------------------------------------------------------------


def test_an_idle_draft_shows_the_resume_prompt(assistant: Assistant, citizen: Person, clock: Clock) -> None:
    at_description_step(citizen)
    clock.advance(hours=3)

    replies = citizen.say("xin chào")

    assert replies[0].text.startswith("📝 Bạn còn một phản ánh đang soạn dở")
    assert {"i:resume", "i:cancel"} <= set(buttons_of(replies[:1]))
    assert len(replies) > 1  # the message itself is still answered
    # The draft is kept, and not filled with the message that woke it up.
    assert draft_step(assistant) == "description"
    assert session_of(assistant)["draft"]["description"] is None
    assert session_of(assistant)["draft"]["category"] == "hach-dich"

    replies = citizen.say("Cán bộ quầy 2 quát tôi khi tôi hỏi lại")  # right after: the flow continues
    assert "phản ánh đang soạn dở" not in text_of(replies)
    assert draft_step(assistant) == "official"
    assert session_of(assistant)["draft"]["description"] == "Cán bộ quầy 2 quát tôi khi tôi hỏi lại"


def test_a_photo_after_a_long_pause_goes_straight_to_the_draft(
    assistant: Assistant, citizen: Person, clock: Clock
) -> None:
    fill_intake(citizen)
    citizen.press("i:edit")
    citizen.press("i:goto:photo")
    clock.advance(hours=5)

    replies = citizen.send_photo("LATEPHOTO")

    assert "đang soạn dở" not in text_of(replies)
    assert draft_step(assistant) == "summary"
    assert session_of(assistant)["draft"]["photo"] == "LATEPHOTO"


def test_a_complaint_like_message_after_a_pause_keeps_the_draft(
    assistant: Assistant, citizen: Person, clock: Clock
) -> None:
    at_description_step(citizen)
    clock.advance(hours=3)

    citizen.say("Cán bộ quát tôi")

    draft = session_of(assistant)["draft"]
    assert (draft["ward_code"], draft["category"], draft["step"]) == (BEN_THANH, "hach-dich", "description")


def test_continue_after_the_resume_prompt_stays_on_the_same_step(
    assistant: Assistant, citizen: Person, clock: Clock
) -> None:
    at_description_step(citizen)
    clock.advance(hours=3)
    prompt = citizen.say("xin chào")
    [resume] = [b.data for r in prompt for b in r.all_buttons() if b.label.startswith("▶️")]

    citizen.press(resume)

    assert draft_step(assistant) == "description"


def test_a_draft_older_than_the_resume_window_is_dropped(assistant: Assistant, citizen: Person, clock: Clock) -> None:
    at_description_step(citizen)
    clock.advance(days=assistant.config.complaints.resume_after_days, minutes=1)

    replies = citizen.say("xin chào")

    assert "quá lâu nên được xóa" in text_of(replies)
    assert "/phananh" in text_of(replies)
    assert session_of(assistant) is None
    assert stored(assistant.store)["complaints"] == 0
    assert "đã được gửi hoặc đã hủy" in text_of(citizen.press("i:back"))

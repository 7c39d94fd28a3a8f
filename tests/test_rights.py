"""/dulieu: see what is stored, withdraw identity-sharing consent, delete one's data."""

from __future__ import annotations

from pathlib import Path

import pytest
from complaint_helpers import (
    CITIZEN,
    CONTACT,
    OTHER_CITIZEN,
    STAFF,
    WARD_CHAT,
    Clock,
    Person,
    build,
    buttons_of,
    file_complaint,
    fill_intake,
    outbox_of,
    text_of,
    with_channels,
)

from bot.conversation import Assistant
from bot.privacy import consent
from bot.replies import MESSAGE_LIMIT, to_plain


@pytest.fixture
def assistant(loaded, tmp_path: Path, clock: Clock) -> Assistant:
    return build(loaded, tmp_path, clock, with_channels(loaded.config))


def staff(assistant: Assistant) -> Person:
    return Person(assistant, user=STAFF, name="Cán bộ", chat=WARD_CHAT)


def close(assistant: Assistant, citizen: Person, code: str) -> None:
    ward = staff(assistant)
    ward.press(f"w:ack:{code}")
    ward.press(f"w:resolve:{code}")
    ward.say("Đã xin lỗi công dân và nhắc nhở cán bộ.")
    citizen.press(f"r:{code}:4")
    assert assistant.store.get(code).status == "closed"


def test_overview_shows_cases_identity_consent_and_draft(assistant: Assistant, clock: Clock) -> None:
    citizen = Person(assistant)
    shared = file_complaint(citizen, contact=CONTACT, description="Cán bộ hẹn tôi ba lần không trả kết quả.")
    anonymous = file_complaint(citizen, description="Cán bộ quầy 2 nói chuyện điện thoại suốt buổi.")
    fill_intake(citizen)  # a draft left at the summary
    replies = citizen.say("/dulieu")
    text = text_of(replies)
    assert shared in text and anonymous in text
    assert "Trần Thị Mai, 0901234567" in text
    assert consent.version(assistant.config) in text
    assert "20/11/2026 10:00" in text  # consent time, local
    assert "Cán bộ hẹn tôi ba lần" in text
    assert "Bản nháp đang soạn</b>: có" in text
    assert "Cán bộ quầy số 2 không trả lời" in text  # the draft's own text
    assert {"d:unshare", "d:erase"} <= set(buttons_of(replies))
    assert len(replies) == 1 and len(to_plain(replies[0].text)) <= MESSAGE_LIMIT
    assert ("citizen", "privacy_view") in [(r["actor"], r["action"]) for r in assistant.store.audit_log()]


def test_overview_fits_one_message_with_many_long_cases(assistant: Assistant, clock: Clock) -> None:
    citizen = Person(assistant)
    config = assistant.config.model_copy(
        update={"complaints": assistant.config.complaints.model_copy(update={"daily_limit_per_user": 100})}
    )
    assistant.config = config
    for n in range(30):
        file_complaint(citizen, description=f"Lần {n}: " + "cán bộ không hướng dẫn thủ tục " * 90)
        clock.advance(minutes=1)
    [reply] = citizen.say("/dulieu")
    assert len(to_plain(reply.text)) <= MESSAGE_LIMIT
    assert "(30)" in reply.text


def test_other_people_and_groups_see_nothing(assistant: Assistant) -> None:
    file_complaint(Person(assistant), contact=CONTACT)
    other = Person(assistant, user=OTHER_CITIZEN)
    text = text_of(other.say("/dulieu"))
    assert "chưa gửi phản ánh nào" in text and "Trần Thị Mai" not in text
    assert staff(assistant).say("/dulieu") == []


def test_withdrawing_consent_makes_the_case_anonymous_and_tells_the_ward(assistant: Assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen, contact=CONTACT)
    for item in assistant.store.due():
        assistant.store.mark_sent(item.id, "m1")  # the forward with the name was delivered
    assert "d:unshareok" in buttons_of(citizen.press("d:unshare"))
    replies = citizen.press("d:unshareok")
    assert "Đã rút đồng ý" in text_of(replies)
    case = assistant.store.get(code)
    assert case.consent is False and case.contact is None and case.contact_name is None
    assert case.consent_withdrawn_at is not None
    [notice] = outbox_of(assistant.store, code, "privacy")
    assert notice.target == case.route and "rút đồng ý cung cấp danh tính" in notice.reply.text
    assert "Trần" not in notice.reply.text
    # The ward's next message about the case says "Ẩn danh".
    ward = staff(assistant)
    ward.press(f"w:ack:{code}")
    ward.press(f"w:resolve:{code}")
    ward.say("Đã xử lý.")
    citizen.press(f"r:{code}:0")  # reopened: forwarded again
    reforward = outbox_of(assistant.store, code, "forward")[-1]
    assert "Ẩn danh" in reforward.reply.text and "0901234567" not in reforward.reply.text
    actions = [r["action"] for r in assistant.store.audit_log(code)]
    assert "consent_withdrawn" in actions
    assert all("0901234567" not in (r["detail"] or "") for r in assistant.store.audit_log())
    # Pressing again changes nothing.
    assert "Không có phản ánh" in text_of(citizen.press("d:unshareok"))


def test_an_undelivered_forward_with_the_name_is_replaced(assistant: Assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen, contact=CONTACT)
    citizen.press("d:unshareok")
    pending = [i for i in outbox_of(assistant.store, code) if i.sent_at is None and i.purpose != "confirm"]
    assert [i.purpose for i in pending] == ["forward", "privacy"]
    assert all("0901234567" not in i.reply.text and "Trần Thị Mai" not in i.reply.text for i in pending)
    assert "Ẩn danh" in pending[0].reply.text


def test_erasing_asks_first_then_withdraws_open_cases_and_keeps_statistics(assistant: Assistant, clock: Clock) -> None:
    citizen = Person(assistant)
    closed = file_complaint(citizen, contact=CONTACT, description="Cán bộ quát tôi, ném hồ sơ 200 trang xuống bàn.")
    close(assistant, citizen, closed)
    clock.advance(minutes=5)
    still_open = file_complaint(citizen, description="Cán bộ quầy 5 không tiếp, bảo hết giờ.")
    fill_intake(citizen)  # a draft
    replies = citizen.press("d:erase")
    assert "Không thể hoàn tác" in text_of(replies) and still_open in text_of(replies)
    assert assistant.store.get(still_open).status == "new"  # nothing happens before confirming
    replies = citizen.press("d:eraseok")
    assert "2 phản ánh" in text_of(replies)
    for code, status in ((closed, "closed"), (still_open, "withdrawn")):
        case = assistant.store.get(code)
        assert case.status == status and case.erased_at is not None
        assert case.description == "" and case.user == "" and case.contact is None and case.official is None
        assert all(step["note"] is None for step in assistant.store.history(code))
        assert all(row["actor"] != CITIZEN for row in assistant.store.audit_log(code))
        assert ("citizen", "erase") in [(r["actor"], r["action"]) for r in assistant.store.audit_log(code)]
    assert case.ward_code and case.category  # the statistic remains
    # The ward was told the open case was withdrawn; nothing left in the outbox carries the text.
    assert [i.purpose for i in outbox_of(assistant.store, still_open)] == ["notify"]
    for item in assistant.store.outbox():
        assert "200 trang" not in item.reply.text and "0901234567" not in item.reply.text
    assert assistant.store.load_session(CITIZEN) == (None, None)
    assert "chưa gửi phản ánh nào" in text_of(citizen.say("/dulieu"))
    dump = "\n".join(
        str(row)
        for table in ("complaints", "status_history", "audit", "outbox", "sessions")
        for row in assistant.store.db.execute(f"SELECT * FROM {table}").fetchall()
    )
    for secret in ("0901234567", "Trần Thị Mai", "200 trang", "hết giờ", CITIZEN):
        assert secret not in dump


def test_help_lists_the_command(assistant: Assistant) -> None:
    assert "/dulieu" in text_of(Person(assistant).say("/trogiup"))

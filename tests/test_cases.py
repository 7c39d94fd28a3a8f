"""A stored case from both sides: the ward's buttons in its group, the citizen's follow-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    CITIZEN,
    CITIZEN_NAME,
    OTHER_CITIZEN,
    STAFF,
    STRANGER,
    SUPERVISOR,
    WARD_CHAT,
    Clock,
    Person,
    build,
    buttons_of,
    code_in,
    file_complaint,
    outbox_of,
    session_of,
    text_of,
    with_channels,
)

from bot.complaints.store import Complaint, OutboxItem
from bot.conversation import Assistant

WARD = f"ward:{BEN_THANH}"


@dataclass
class Desk:
    """A ward with a Telegram group and one staff member, and one anonymous complaint filed to it."""

    assistant: Assistant
    citizen: Person
    staff: Person
    code: str
    clock: Clock

    @property
    def case(self) -> Complaint:
        case = self.assistant.store.get(self.code)
        assert case is not None
        return case

    def to_citizen(self, purpose: str | None = None) -> list[OutboxItem]:
        """What the case's handling sent the citizen (not the confirmation of the submission itself)."""
        items = outbox_of(self.assistant.store, self.code, purpose)
        return [i for i in items if i.target == CITIZEN and (purpose or i.purpose != "confirm")]

    def to_unit(self, purpose: str | None = None) -> list[OutboxItem]:
        return [i for i in outbox_of(self.assistant.store, self.code, purpose) if i.target != CITIZEN]

    def audit(self) -> list[tuple[str, str]]:
        return [(row["actor"], row["action"]) for row in self.assistant.store.audit_log(self.code)]


@pytest.fixture
def desk(loaded, tmp_path: Path) -> Desk:
    clock = Clock()
    assistant = build(loaded, tmp_path, clock, with_channels(loaded.config))
    citizen = Person(assistant)
    code = file_complaint(citizen, description="Cán bộ quầy 2 không nhận hồ sơ, bảo mai quay lại mà không nói lý do")
    staff = Person(assistant, STAFF, "Lê Văn Cán Bộ", WARD_CHAT)
    return Desk(assistant, citizen, staff, code, clock)


def staff_says(desk: Desk, action: str, text: str) -> list:
    prompt = desk.staff.press(f"w:{action}:{desk.code}")
    assert prompt[0].force_reply, prompt[0].text
    return desk.staff.say(text)


# -- acknowledging --------------------------------------------------------------------------------------


def test_acknowledge_notifies_the_citizen_once(desk: Desk) -> None:
    replies = desk.staff.press(f"w:ack:{desk.code}")

    assert "Đã tiếp nhận" in text_of(replies)
    case = desk.case
    assert case.status == "acknowledged"
    assert case.acknowledged_at == desk.clock()
    [note] = desk.to_citizen()
    assert note.purpose == "notify"
    assert "Phường Bến Thành" in note.reply.text and "tiếp nhận" in note.reply.text
    assert "501" not in note.reply.text

    desk.clock.advance(minutes=2)
    replies = desk.staff.press(f"w:ack:{desk.code}")

    assert "không còn chờ tiếp nhận" in text_of(replies)
    assert len(desk.to_citizen()) == 1  # no second notification
    assert desk.case.acknowledged_at == case.acknowledged_at
    assert [s["status"] for s in desk.assistant.store.history(desk.code)] == ["new", "acknowledged"]
    assert desk.audit().count((STAFF, "acknowledge")) == 1


def test_a_non_staff_member_of_the_group_is_refused_and_audited(desk: Desk) -> None:
    stranger = Person(desk.assistant, STRANGER, "Người lạ", WARD_CHAT)

    for action in ("ack", "reply", "resolve"):
        replies = stranger.press(f"w:{action}:{desk.code}")
        assert "⛔" in text_of(replies)

    assert desk.case.status == "new"
    assert desk.to_citizen() == []
    assert session_of(desk.assistant, f"{STRANGER}@{WARD_CHAT}") is None
    refused = [(row["actor"], row["action"]) for row in desk.assistant.store.audit_log(desk.code)[1:]]
    assert refused == [(STRANGER, "refused:ack"), (STRANGER, "refused:reply"), (STRANGER, "refused:resolve")]


def test_staff_of_the_ward_may_act_from_a_private_chat_but_the_citizen_may_not(desk: Desk) -> None:
    assert "⛔" in text_of(desk.citizen.press(f"w:ack:{desk.code}"))
    assert desk.case.status == "new"
    assert (CITIZEN, "refused:ack") in desk.audit()

    in_private = Person(desk.assistant, STAFF, "Lê Văn Cán Bộ", None)
    assert "Đã tiếp nhận" in text_of(in_private.press(f"w:ack:{desk.code}"))
    assert desk.case.status == "acknowledged"


def test_an_unknown_case_is_reported(desk: Desk) -> None:
    assert "Không tìm thấy" in text_of(desk.staff.press("w:ack:AAAA-AAAA"))


# -- replies and questions ----------------------------------------------------------------------------------


def test_a_staff_reply_reaches_the_citizen_without_the_staff_identity(desk: Desk) -> None:
    prompt = desk.staff.press(f"w:reply:{desk.code}")
    assert prompt[0].force_reply is True
    assert session_of(desk.assistant, f"{STAFF}@{WARD_CHAT}") == {"flow": "staff", "action": "reply", "code": desk.code}

    replies = desk.staff.say("Chúng tôi đã làm việc với cán bộ quầy 2; mời anh/chị quay lại sáng thứ Hai.")

    assert "Đã gửi câu trả lời" in text_of(replies)
    [relay] = desk.to_citizen("relay")
    assert "Chúng tôi đã làm việc với cán bộ quầy 2" in relay.reply.text
    assert "Phường Bến Thành" in relay.reply.text
    for secret in ("501", STAFF, "Lê Văn Cán Bộ"):
        assert secret not in relay.reply.text
    assert f"c:answer:{desk.code}" in [b.data for b in relay.reply.all_buttons()]
    assert session_of(desk.assistant, f"{STAFF}@{WARD_CHAT}") is None
    assert (STAFF, "reply") in desk.audit()
    assert desk.case.status == "new"  # a reply is not a status change


def test_ward_asks_for_more_and_the_citizen_answers_anonymously(desk: Desk) -> None:
    staff_says(desk, "info", "Anh/chị cho biết giờ đến và số thứ tự?")

    assert desk.case.status == "info_requested"
    [question] = desk.to_citizen("relay")
    assert "bổ sung thông tin" in question.reply.text
    assert "Anh/chị cho biết giờ đến" in question.reply.text

    replies = desk.citizen.press(f"c:answer:{desk.code}")
    assert desk.code in text_of(replies)
    replies = desk.citizen.say("Tôi đến lúc 9 giờ sáng, số thứ tự 45.")

    assert "Đã chuyển câu trả lời" in text_of(replies)
    [answer] = [i for i in desk.to_unit("relay")]
    assert answer.target == WARD
    assert "Tôi đến lúc 9 giờ sáng, số thứ tự 45." in answer.reply.text
    for secret in ("1001", CITIZEN, CITIZEN_NAME):
        assert secret not in answer.reply.text
    assert desk.case.status == "acknowledged"
    assert session_of(desk.assistant) is None
    assert (STAFF, "request_info") in desk.audit()
    assert (CITIZEN, "citizen_answer") in desk.audit()


def test_a_citizen_answer_without_words_is_asked_again(desk: Desk) -> None:
    staff_says(desk, "info", "Anh/chị cho biết giờ đến?")
    desk.citizen.press(f"c:answer:{desk.code}")
    assert "bằng chữ" in text_of(desk.citizen.say("🙏🙏"))
    assert desk.to_unit("relay") == []
    assert session_of(desk.assistant) == {"flow": "answer", "code": desk.code}


# -- resolving and rating ----------------------------------------------------------------------------------


def test_resolve_needs_a_text_then_offers_the_citizen_a_rating(desk: Desk) -> None:
    desk.staff.press(f"w:resolve:{desk.code}")
    for empty in ("", "   ", "👍"):
        replies = desk.staff.say(empty)
        assert "không được để trống" in text_of(replies)
        assert replies[0].force_reply is True
        assert desk.case.status == "new"

    replies = desk.staff.say("Đã nhận hồ sơ của anh/chị, cán bộ đã được nhắc nhở.")

    assert "Đã ghi nhận kết quả" in text_of(replies)
    case = desk.case
    assert case.status == "resolved"
    assert case.resolved_at == desk.clock()
    [note] = desk.to_citizen("notify")
    assert "giải quyết" in note.reply.text
    ratings = [b.data for b in note.reply.all_buttons()]
    assert ratings == [f"r:{desk.code}:{n}" for n in (1, 2, 3, 4, 5, 0)]
    history = desk.assistant.store.history(desk.code)
    assert history[-1] == {
        "status": "resolved",
        "at": desk.clock().isoformat(),
        "actor": STAFF,
        "note": "Đã nhận hồ sơ của anh/chị, cán bộ đã được nhắc nhở.",
    }


def test_a_good_rating_closes_the_case(desk: Desk) -> None:
    staff_says(desk, "resolve", "Đã xử lý xong.")

    replies = desk.citizen.press(f"r:{desk.code}:4")

    assert "4/5" in text_of(replies)
    case = desk.case
    assert (case.status, case.rating) == ("closed", 4)
    [note] = [i for i in desk.to_unit("notify")]
    assert note.target == WARD and "4/5" in note.reply.text
    assert (CITIZEN, "rate") in desk.audit()

    assert "không chờ đánh giá" in text_of(desk.citizen.press(f"r:{desk.code}:1"))
    assert desk.case.rating == 4
    # A closed case takes no more ward actions.
    replies = desk.staff.press(f"w:reply:{desk.code}")
    assert replies[0].force_reply is False
    assert session_of(desk.assistant, f"{STAFF}@{WARD_CHAT}") is None


def test_not_resolved_reopens_and_forwards_again(desk: Desk) -> None:
    staff_says(desk, "resolve", "Đã xử lý xong.")
    forwards_before = len(desk.to_unit("forward"))

    replies = desk.citizen.press(f"r:{desk.code}:0")

    assert "mở lại" in text_of(replies)
    case = desk.case
    assert (case.status, case.reopened, case.rating) == ("reopened", 1, None)
    forwards = desk.to_unit("forward")
    assert len(forwards) == forwards_before + 1
    again = forwards[-1]
    assert again.target == WARD
    assert "mở lại" in again.reply.text and "CHƯA được giải quyết" in again.reply.text
    assert "Ẩn danh" in again.reply.text
    assert (CITIZEN, "reopen") in desk.audit()

    # The ward takes it up again, resolves, and this time the citizen is satisfied.
    desk.staff.press(f"w:ack:{desk.code}")
    assert desk.case.status == "acknowledged"
    staff_says(desk, "resolve", "Đã trả hồ sơ tận nhà.")
    desk.citizen.press(f"r:{desk.code}:5")
    assert (desk.case.status, desk.case.rating, desk.case.reopened) == ("closed", 5, 1)


@pytest.mark.parametrize("data", ["r:{code}:6", "r:{code}:x", "r:{code}:-1"])
def test_malformed_ratings_change_nothing(desk: Desk, data: str) -> None:
    staff_says(desk, "resolve", "Đã xử lý xong.")
    desk.citizen.press(data.format(code=desk.code))
    assert desk.case.status == "resolved"


def test_another_user_cannot_rate_or_answer(desk: Desk) -> None:
    staff_says(desk, "resolve", "Đã xử lý xong.")
    other = Person(desk.assistant, OTHER_CITIZEN, "Ai đó")
    assert "Không tìm thấy" in text_of(other.press(f"r:{desk.code}:1"))
    assert "Không tìm thấy" in text_of(other.press(f"c:answer:{desk.code}"))
    assert desk.case.status == "resolved"


# -- not ours: transfer ---------------------------------------------------------------------------------------


def test_not_ours_with_a_reason_transfers_and_tells_the_citizen_who_and_why(desk: Desk) -> None:
    desk.staff.press(f"w:notours:{desk.code}")
    replies = desk.staff.say("Hồ sơ đất đai do Sở tiếp nhận")

    choices = buttons_of(replies)
    destination = f"w:to:{desk.code}:supervisor:{SUPERVISOR}"
    assert destination in choices
    assert f"w:to:{desk.code}:{WARD}" not in choices  # not back to itself
    assert desk.case.route == WARD  # nothing moves before a destination is chosen

    replies = desk.staff.press(destination)

    assert "Đã chuyển" in text_of(replies)
    case = desk.case
    assert (case.route, case.status) == (f"supervisor:{SUPERVISOR}", "new")
    [note] = [i for i in desk.to_citizen("notify")]
    assert "Phường Bến Thành" in note.reply.text  # who decided
    assert "Hồ sơ đất đai do Sở tiếp nhận" in note.reply.text  # why
    assert "Sở Nội vụ" in note.reply.text  # where it went
    forward = desk.to_unit("forward")[-1]
    assert forward.target == f"supervisor:{SUPERVISOR}"
    assert "Hồ sơ đất đai do Sở tiếp nhận" in forward.reply.text
    [transfer] = [row for row in desk.assistant.store.audit_log(desk.code) if row["action"] == "transfer"]
    assert transfer["actor"] == STAFF
    assert transfer["detail"] == f"{WARD} -> supervisor:{SUPERVISOR}: Hồ sơ đất đai do Sở tiếp nhận"
    assert session_of(desk.assistant, f"{STAFF}@{WARD_CHAT}") is None
    # The ward no longer handles it: its staff are now refused.
    assert "⛔" in text_of(desk.staff.press(f"w:ack:{desk.code}"))


def test_a_transfer_without_a_reason_is_refused(desk: Desk) -> None:
    replies = desk.staff.press(f"w:to:{desk.code}:supervisor:{SUPERVISOR}")
    assert "lý do" in text_of(replies)
    assert desk.case.route == WARD


def test_a_transfer_to_an_unknown_unit_is_refused(desk: Desk) -> None:
    desk.staff.press(f"w:notours:{desk.code}")
    desk.staff.say("Không thuộc phường")
    assert "không hợp lệ" in text_of(desk.staff.press(f"w:to:{desk.code}:supervisor:khong-co"))
    assert desk.case.route == WARD


# -- the audit trail -------------------------------------------------------------------------------------------


def test_every_action_is_audited_with_its_actor(desk: Desk) -> None:
    Person(desk.assistant, STRANGER, None, WARD_CHAT).press(f"w:ack:{desk.code}")
    desk.staff.press(f"w:ack:{desk.code}")
    staff_says(desk, "reply", "Đang kiểm tra.")
    staff_says(desk, "info", "Số thứ tự của anh/chị?")
    desk.citizen.press(f"c:answer:{desk.code}")
    desk.citizen.say("Số 45.")
    staff_says(desk, "resolve", "Đã xử lý.")
    desk.citizen.press(f"r:{desk.code}:0")
    desk.staff.press(f"w:notours:{desk.code}")
    desk.staff.say("Thuộc thẩm quyền Sở")
    desk.staff.press(f"w:to:{desk.code}:supervisor:{SUPERVISOR}")
    desk.citizen.press(f"c:withdrawok:{desk.code}:mistake")

    assert desk.audit() == [
        (CITIZEN, "create"),
        (STRANGER, "refused:ack"),
        (STAFF, "acknowledge"),
        (STAFF, "reply"),
        (STAFF, "request_info"),
        (CITIZEN, "citizen_answer"),
        (STAFF, "resolve"),
        (CITIZEN, "reopen"),
        (STAFF, "transfer"),
        (CITIZEN, "withdraw"),
    ]
    statuses = [(s["actor"], s["status"]) for s in desk.assistant.store.history(desk.code)]
    assert statuses == [
        (CITIZEN, "new"),
        (STAFF, "acknowledged"),
        (STAFF, "info_requested"),
        (CITIZEN, "acknowledged"),
        (STAFF, "resolved"),
        (CITIZEN, "reopened"),
        (STAFF, "new"),
        (CITIZEN, "withdrawn"),
    ]


# -- the citizen's side: lookup and withdrawal ----------------------------------------------------------------


def test_lookup_shows_a_case_only_to_its_author(desk: Desk) -> None:
    replies = desk.citizen.say(f"/tracuu {desk.code.lower().replace('-', ' ')}")
    shown = text_of(replies)
    assert desk.code in shown
    assert "Đã gửi, chờ tiếp nhận" in shown
    assert "Cán bộ quầy 2 không nhận hồ sơ" in shown
    assert f"c:withdraw:{desk.code}" in buttons_of(replies)

    other = Person(desk.assistant, OTHER_CITIZEN, "Ai đó")
    replies = other.say(f"/tracuu {desk.code}")
    assert "Không tìm thấy" in text_of(replies)
    assert "Cán bộ quầy 2" not in text_of(replies)
    assert "Không tìm thấy" in text_of(other.press(f"c:show:{desk.code}"))
    assert "Không tìm thấy" in text_of(desk.citizen.say("/tracuu XXXX"))


def test_lookup_shows_history_dates_in_local_time(loaded, tmp_path: Path) -> None:
    clock = Clock(dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC))  # 01:00 on 21/11 in Hồ Chí Minh City
    assistant = build(loaded, tmp_path, clock)
    citizen = Person(assistant)
    code = file_complaint(citizen)

    shown = text_of(citizen.say(f"/tracuu {code}"))

    assert "Hôm nay (21/11/2026)" in shown
    [history_line] = [line for line in shown.split("\n") if line.startswith("• ")]
    assert "21/11/2026" in history_line or "2026-11-21" in history_line


def test_lookup_without_a_code_lists_own_cases(desk: Desk) -> None:
    desk.clock.advance(minutes=5)
    second = file_complaint(desk.citizen, category="vang-mat", description="Quầy không có người lúc 14 giờ")

    replies = desk.citizen.say("/tracuu")

    assert buttons_of(replies) == [f"c:show:{second}", f"c:show:{desk.code}"]  # newest first
    assert desk.code in text_of(desk.citizen.press(f"c:show:{desk.code}"))
    assert "chưa gửi phản ánh nào" in text_of(Person(desk.assistant, OTHER_CITIZEN).say("/tracuu"))


def test_withdrawing_tells_the_ward(desk: Desk) -> None:
    replies = desk.citizen.press(f"c:withdraw:{desk.code}")
    assert f"c:withdrawok:{desk.code}:done" in buttons_of(replies)
    assert "Vì sao" in text_of(replies)
    assert desk.case.status == "new"  # asking is not doing

    replies = desk.citizen.press(f"c:withdrawok:{desk.code}:done")

    assert "Đã rút" in text_of(replies)
    assert desk.case.status == "withdrawn"
    [note] = desk.to_unit("notify")
    assert note.target == WARD
    assert "rút" in note.reply.text and "Đã được giải quyết" in note.reply.text
    assert (CITIZEN, "withdraw") in desk.audit()

    assert "không còn ở trạng thái" in text_of(desk.citizen.press(f"c:withdrawok:{desk.code}"))
    assert len(desk.to_unit("notify")) == 1
    # The ward can no longer act on it, and the citizen sees it as withdrawn.
    assert desk.staff.press(f"w:resolve:{desk.code}")[0].force_reply is False
    assert desk.case.status == "withdrawn"
    assert "Bạn đã rút phản ánh" in text_of(desk.citizen.say(f"/tracuu {desk.code}"))


def test_a_withdrawal_by_someone_else_is_impossible(desk: Desk) -> None:
    other = Person(desk.assistant, OTHER_CITIZEN, "Ai đó")
    assert "Không tìm thấy" in text_of(other.press(f"c:withdrawok:{desk.code}"))
    assert desk.case.status == "new"


def test_staff_commands_in_the_group_do_not_start_citizen_flows(desk: Desk) -> None:
    assert desk.staff.say("/phananh") == []
    assert desk.staff.say("hôm nay đông quá") == []
    assert session_of(desk.assistant, f"{STAFF}@{WARD_CHAT}") is None
    assert code_in([desk.citizen.say(f"/tracuu {desk.code}")[0]]) == desk.code

"""Who handles a complaint (conflicts of interest go up), which chat receives it, who may act on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    STAFF,
    STAFF_ID,
    SUPERVISOR,
    SUPERVISOR_CHAT_ID,
    SUPERVISOR_STAFF,
    SUPERVISOR_STAFF_ID,
    WARD_CHAT,
    WARD_CHAT_ID,
    XUAN_HOA,
    Clock,
    Person,
    build,
    code_in,
    file_complaint,
    fill_intake,
    outbox_of,
    text_of,
    with_channels,
    with_complaint_rules,
)

from bot.complaints.routing import Route, chat_for, may_act, names_leadership, route_for, unit_name

SUPERVISOR_ROUTE = f"supervisor:{SUPERVISOR}"
SUPERVISOR_CHAT = f"tg:{SUPERVISOR_CHAT_ID}"


@pytest.fixture
def config(loaded):
    return with_channels(loaded.config)


@pytest.fixture
def assistant(loaded, tmp_path: Path, clock: Clock, config):
    return build(loaded, tmp_path, clock, config)


# -- the routing rules ------------------------------------------------------------------------------------------


def test_an_ordinary_complaint_goes_to_its_ward(config) -> None:
    route = route_for(config, BEN_THANH, "tho-o", None, "Cán bộ không hướng dẫn")
    assert route == Route("ward", BEN_THANH)
    assert route.key == f"ward:{BEN_THANH}"
    assert route.sensitive is False


def test_a_sensitive_category_goes_to_the_supervisor(config) -> None:
    route = route_for(config, BEN_THANH, "doi-tien", None, "Cán bộ gợi ý bồi dưỡng")
    assert route.key == SUPERVISOR_ROUTE
    assert route.sensitive is True
    assert route.reason == "loại phản ánh nhạy cảm"


@pytest.mark.parametrize(
    ("official", "description"),
    [
        ("chủ tịch phường", "Không tiếp dân dù đã hẹn"),
        ("Phó Chủ tịch UBND phường", "Không tiếp dân dù đã hẹn"),
        (None, "Tôi gặp pho chu tich phuong thì bị quát"),
        ("Lãnh đạo phường", "Hứa rồi không làm"),
    ],
)
def test_a_complaint_about_the_ward_leadership_goes_to_the_supervisor(config, official, description) -> None:
    assert names_leadership(official, description)
    route = route_for(config, BEN_THANH, "hach-dich", official, description)
    assert route.key == SUPERVISOR_ROUTE
    assert route.sensitive is True
    assert route.reason == "liên quan lãnh đạo phường"


def test_sensitive_categories_come_from_the_config(config) -> None:
    stricter = with_complaint_rules(config, sensitive_categories=["doi-tien", "hach-dich"])
    assert route_for(stricter, BEN_THANH, "hach-dich", None, "Quát tháo").key == SUPERVISOR_ROUTE
    assert route_for(config, BEN_THANH, "hach-dich", None, "Quát tháo").key == f"ward:{BEN_THANH}"


def test_an_unknown_ward_cannot_be_routed(config) -> None:
    with pytest.raises(ValueError):
        route_for(config, "99999", "tho-o", None, "x")


def test_unit_names(config) -> None:
    assert unit_name(config, f"ward:{BEN_THANH}") == "Phường Bến Thành"
    assert unit_name(config, SUPERVISOR_ROUTE) == "Sở Nội vụ Thành phố Hồ Chí Minh"
    assert unit_name(config, "supervisor:khong-co") == "khong-co"


# -- through the intake -----------------------------------------------------------------------------------------


def test_a_money_complaint_is_forwarded_to_the_supervisor_not_the_ward(assistant) -> None:
    citizen = Person(assistant)
    fill_intake(citizen, category="doi-tien", description="Cán bộ nói phải có 500 nghìn mới làm nhanh")
    replies = citizen.press("i:submit")

    code = code_in(replies)
    assert "Sở Nội vụ" in text_of(replies)
    case = assistant.store.get(code)
    assert (case.route, case.sensitive, case.ward_code) == (SUPERVISOR_ROUTE, True, BEN_THANH)
    [forward] = outbox_of(assistant.store, code, "forward")
    assert forward.target == SUPERVISOR_ROUTE
    assert "Chuyển thẳng cấp trên: loại phản ánh nhạy cảm" in forward.reply.text
    assert "phản ánh về Phường Bến Thành" in forward.reply.text
    assert [row["detail"] for row in assistant.store.audit_log(code)] == [f"route={SUPERVISOR_ROUTE}"]


def test_naming_the_ward_chairman_sends_another_category_to_the_supervisor(assistant) -> None:
    code = file_complaint(Person(assistant), category="hach-dich", official="chủ tịch phường")

    case = assistant.store.get(code)
    assert case.route == SUPERVISOR_ROUTE
    assert case.official == "chủ tịch phường"
    [forward] = outbox_of(assistant.store, code, "forward")
    assert forward.target == SUPERVISOR_ROUTE
    assert "liên quan lãnh đạo phường" in forward.reply.text


def test_the_ward_cannot_act_on_a_case_about_itself(assistant) -> None:
    code = file_complaint(Person(assistant), category="doi-tien", description="Cán bộ đòi bồi dưỡng")

    ward_staff = Person(assistant, STAFF, None, WARD_CHAT)
    assert "⛔" in text_of(ward_staff.press(f"w:ack:{code}"))
    assert assistant.store.get(code).status == "new"

    # The supervisor lists no staff: any member of its group may act.
    inspector = Person(assistant, "tg:777", None, SUPERVISOR_CHAT)
    assert "Đã tiếp nhận" in text_of(inspector.press(f"w:ack:{code}"))
    assert assistant.store.get(code).status == "acknowledged"


def test_a_supervisor_staff_list_restricts_who_may_act(loaded, tmp_path: Path, clock: Clock) -> None:
    config = with_channels(loaded.config, supervisor_staff=(SUPERVISOR_STAFF_ID,))
    assistant = build(loaded, tmp_path, clock, config)
    code = file_complaint(Person(assistant), category="doi-tien", description="Cán bộ đòi bồi dưỡng")

    assert "⛔" in text_of(Person(assistant, "tg:777", None, SUPERVISOR_CHAT).press(f"w:ack:{code}"))
    assert "Đã tiếp nhận" in text_of(Person(assistant, SUPERVISOR_STAFF, None, SUPERVISOR_CHAT).press(f"w:ack:{code}"))


# -- delivery chats ----------------------------------------------------------------------------------------------


def test_a_ward_with_a_group_receives_its_own_cases(config) -> None:
    assert chat_for(config, f"ward:{BEN_THANH}", {}) == WARD_CHAT_ID
    assert chat_for(config, SUPERVISOR_ROUTE, {}) == SUPERVISOR_CHAT_ID


def test_a_ward_without_a_group_falls_back_to_its_supervisor(assistant, config) -> None:
    code = file_complaint(Person(assistant), ward=XUAN_HOA)

    [forward] = outbox_of(assistant.store, code, "forward")
    # The route stays the ward's; delivery goes up to the supervisor's group.
    assert forward.target == f"ward:{XUAN_HOA}"
    assert chat_for(config, forward.target, assistant.store.registered_groups()) == SUPERVISOR_CHAT_ID

    # With no staff and no group of its own, the ward's cases are handled from the supervisor's group.
    assert "⛔" in text_of(Person(assistant, STAFF, None, WARD_CHAT).press(f"w:ack:{code}"))
    assert "Đã tiếp nhận" in text_of(Person(assistant, "tg:777", None, SUPERVISOR_CHAT).press(f"w:ack:{code}"))


def test_with_no_group_anywhere_there_is_no_chat(loaded) -> None:
    shipped = loaded.config
    assert chat_for(shipped, f"ward:{BEN_THANH}", {}) is None
    assert chat_for(shipped, SUPERVISOR_ROUTE, {}) is None
    assert chat_for(shipped, "ward:99999", {}) is None
    assert chat_for(shipped, "supervisor:khong-co", {}) is None


def test_registered_groups_win_over_the_config(config) -> None:
    registered = {f"ward:{XUAN_HOA}": -3003, f"ward:{BEN_THANH}": -4004}
    assert chat_for(config, f"ward:{XUAN_HOA}", registered) == -3003
    assert chat_for(config, f"ward:{BEN_THANH}", registered) == -4004


def test_may_act(config) -> None:
    ward = f"ward:{BEN_THANH}"
    assert may_act(config, ward, STAFF_ID, WARD_CHAT_ID, {})
    assert may_act(config, ward, STAFF_ID, None, {})  # a listed staff member, anywhere
    assert not may_act(config, ward, 999, WARD_CHAT_ID, {})  # listed staff only, even in the group
    assert not may_act(config, ward, None, WARD_CHAT_ID, {})
    assert may_act(config, SUPERVISOR_ROUTE, 999, SUPERVISOR_CHAT_ID, {})  # no list: members of the group
    assert not may_act(config, SUPERVISOR_ROUTE, 999, None, {})
    assert not may_act(config, SUPERVISOR_ROUTE, 999, WARD_CHAT_ID, {})
    assert not may_act(config, f"ward:{XUAN_HOA}", 999, -3003, {})
    assert may_act(config, f"ward:{XUAN_HOA}", 999, -3003, {f"ward:{XUAN_HOA}": -3003})


def test_a_group_registers_with_a_one_time_code(assistant, config, clock: Clock) -> None:
    code = assistant.store.new_registration_code(f"ward:{XUAN_HOA}")
    member = Person(assistant, "tg:888", None, "tg:-3003")

    replies = member.say(f"/dangky {code.lower()}")

    assert "Phường Xuân Hòa" in text_of(replies)
    assert assistant.store.registered_groups() == {f"ward:{XUAN_HOA}": -3003}
    assert chat_for(config, f"ward:{XUAN_HOA}", assistant.store.registered_groups()) == -3003
    assert "không đúng" in text_of(Person(assistant, "tg:889", None, "tg:-5005").say(f"/dangky {code}"))
    assert assistant.store.registered_groups() == {f"ward:{XUAN_HOA}": -3003}

    # Cases of that ward can now be handled from the registered group.
    complaint = file_complaint(Person(assistant), ward=XUAN_HOA)
    assert "Đã tiếp nhận" in text_of(member.press(f"w:ack:{complaint}"))


def test_an_expired_registration_code_is_refused(assistant, clock: Clock) -> None:
    code = assistant.store.new_registration_code(f"ward:{XUAN_HOA}")
    clock.advance(days=3)
    assert "hết hạn" in text_of(Person(assistant, "tg:888", None, "tg:-3003").say(f"/dangky {code}"))
    assert assistant.store.registered_groups() == {}


# -- money demanded, whatever the category ---------------------------------------------------------------------

BAN_CO = "27160"


def test_money_demanded_routes_up_even_when_the_ward_is_named(config) -> None:
    route = route_for(config, BAN_CO, "phien-ha", None, "đòi 500 nghìn mới ký", money_demanded=True)
    assert (route.kind, route.id, route.sensitive) == ("supervisor", SUPERVISOR, True)
    assert route_for(config, BAN_CO, "phien-ha", None, "bắt chờ cả buổi").key == f"ward:{BAN_CO}"


def test_a_money_story_filed_as_nuisance_goes_up_as_extortion_and_the_citizen_is_told_why(assistant) -> None:
    citizen = Person(assistant)
    fill_intake(citizen, ward=BAN_CO, category="phien-ha", description="cán bộ phường Bàn Cờ đòi 500 nghìn mới ký")
    replies = citizen.press("i:submit")

    case = assistant.store.get(code_in(replies))
    assert (case.route, case.category, case.sensitive) == (SUPERVISOR_ROUTE, "doi-tien", True)
    assert "có việc đòi tiền" in text_of(replies)
    assert "Đòi tiền, nhũng nhiễu" in text_of(replies)
    [forward] = outbox_of(assistant.store, case.code, "forward")
    assert forward.target == SUPERVISOR_ROUTE


def test_asking_for_a_benefit_is_not_money_demanded(assistant) -> None:
    citizen = Person(assistant)
    fill_intake(citizen, category="tho-o", description="Tôi hỏi xin tiền mai táng phí cho mẹ thì cán bộ không trả lời")
    case = assistant.store.get(code_in(citizen.press("i:submit")))
    assert (case.route, case.category) == (f"ward:{BEN_THANH}", "tho-o")


def test_money_complaint_sent_twice_is_one_case(assistant) -> None:
    # The category changes to đòi tiền at submission; the duplicate check must see the stored one.
    citizen = Person(assistant)
    story = "cán bộ phường Bàn Cờ đòi 500 nghìn mới ký"
    fill_intake(citizen, ward=BAN_CO, category="phien-ha", description=story)
    first = code_in(citizen.press("i:submit"))
    fill_intake(citizen, ward=BAN_CO, category="phien-ha", description=story)
    replies = citizen.press("i:submit")
    assert "đã được gửi trước đó" in text_of(replies)
    assert first in text_of(replies)
    assert len(assistant.store.list(user=citizen.user)) == 1


def test_praise_of_the_desk_is_thanked_not_answered_with_opening_hours(assistant) -> None:
    # "làm việc" would ask the desk's hours; told as praise, the citizen is thanked.
    citizen = Person(assistant)
    said = text_of(citizen.say("Cán bộ một cửa phường tôi làm việc rất chu đáo, niềm nở với dân, tôi rất hài lòng."))
    assert said.startswith("Cảm ơn bạn đã chia sẻ nhận xét tốt")
    # A question about the hours still gets the hours.
    assert "Giờ làm việc" in text_of(citizen.say("phường Bàn Cờ làm việc thứ 7 không"))

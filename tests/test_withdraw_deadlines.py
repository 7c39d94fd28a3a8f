"""The citizen knows when (deadlines in every status message), withdrawals say why, and a citizen
asked for money is told what to do next."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    CITIZEN,
    STAFF,
    SUPERVISOR,
    WARD_CHAT,
    Clock,
    Person,
    build,
    buttons_of,
    code_in,
    file_complaint,
    outbox_of,
    text_of,
    with_channels,
)

from bot.complaints import deadlines

SUPERVISOR_NAME = "Sở Nội vụ Thành phố Hồ Chí Minh"


@pytest.fixture
def assistant(loaded, tmp_path: Path):
    return build(loaded, tmp_path, Clock(), with_channels(loaded.config))


def to_citizen(assistant, code: str) -> list[str]:
    return [i.reply.text for i in outbox_of(assistant.store, code) if i.target == CITIZEN and i.purpose != "confirm"]


# -- deadlines -----------------------------------------------------------------------------------


def test_confirmation_and_lookup_give_the_deadline_in_local_working_time(assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen)
    case = assistant.store.get(code)
    # Filed Friday 20/11/2026 10:00: 8 working hours -> Saturday morning 10:00 (desk open Saturdays).
    due = case.ack_due.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert (due.day, due.hour, due.minute) == (21, 10, 0)
    confirmation = text_of(citizen.log[-1:])
    for shown in (confirmation, text_of(citizen.say(f"/tracuu {code}"))):
        assert "Hạn tiếp nhận: trước <b>10:00 Thứ Bảy 21/11/2026</b>" in shown
        assert "giờ làm việc 07:30–11:30 và 13:00–17:00" in shown
        assert f"báo lên <b>{SUPERVISOR_NAME}</b>" in shown


def test_every_status_message_gives_the_next_deadline(assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen)
    staff = Person(assistant, STAFF, "Cán bộ", WARD_CHAT)
    staff.press(f"w:ack:{code}")
    [ack] = to_citizen(assistant, code)
    resolve_due = deadlines.local_due(assistant.config, assistant.store.get(code).resolve_due)
    assert f"Hạn giải quyết: trước <b>{resolve_due}</b>" in ack
    staff.press(f"w:info:{code}")
    staff.say("Bạn cho biết số quầy?")
    assert "Hạn giải quyết" in to_citizen(assistant, code)[-1]
    assert "Hạn giải quyết" in text_of(citizen.say(f"/tracuu {code}"))


def test_escalation_tells_the_citizen_the_supervisors_deadline(loaded, tmp_path: Path) -> None:
    clock = Clock()
    assistant = build(loaded, tmp_path, clock, with_channels(loaded.config))
    code = file_complaint(Person(assistant))
    clock.advance(days=1, hours=1)  # past the acknowledgement deadline, within catch-up
    clock.now = assistant.store.get(code).ack_due + dt.timedelta(minutes=5)
    deadlines.tick(assistant.store, assistant.config)
    note = to_citizen(assistant, code)[-1]
    assert SUPERVISOR_NAME in note and "Hạn giải quyết mới" in note
    assert "Hạn giải quyết mới" in text_of(Person(assistant).say(f"/tracuu {code}"))


# -- withdrawal ----------------------------------------------------------------------------------


def test_withdrawal_asks_why_with_buttons(assistant) -> None:
    code = file_complaint(Person(assistant))
    replies = Person(assistant).press(f"c:withdraw:{code}")
    data = buttons_of(replies)
    for reason in ("done", "mistake", "drop", "pressed", "other"):
        assert f"c:withdrawok:{code}:{reason}" in data
        assert len(f"c:withdrawok:{code}:{reason}".encode()) <= 64
    assert "Bị yêu cầu rút" in [b.label for r in replies for b in r.all_buttons()]


def test_pressed_to_withdraw_becomes_a_sensitive_case_at_the_supervisor(assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen, description="Cán bộ quát tháo, ném hồ sơ xuống bàn")
    replies = citizen.press(f"c:withdrawok:{code}:pressed")

    assert assistant.store.get(code).status == "withdrawn"
    new_code = code_in(replies[1:])
    new = assistant.store.get(new_code)
    assert new.sensitive and new.route == f"supervisor:{SUPERVISOR}" and new.ward_code == BEN_THANH
    assert code in new.description and "ném hồ sơ" in new.description
    assert SUPERVISOR_NAME in text_of(replies)
    forwards = [i for i in outbox_of(assistant.store, new_code, "forward")]
    assert [i.target for i in forwards] == [f"supervisor:{SUPERVISOR}"]
    # The supervisor also sees the withdrawal itself, with its reason.
    seen = [i for i in outbox_of(assistant.store, code, "notify") if i.target == f"supervisor:{SUPERVISOR}"]
    assert seen and "Bị yêu cầu rút" in seen[0].reply.text


def test_every_withdrawal_of_a_sensitive_case_is_shown_to_the_supervisor(assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen, category="doi-tien", description="Cán bộ đòi 500 nghìn tiền cà phê")
    assert assistant.store.get(code).sensitive
    citizen.press(f"c:withdrawok:{code}:done")
    notes = [i for i in outbox_of(assistant.store, code, "notify") if i.target.startswith("supervisor:")]
    assert notes and "Đã được giải quyết" in notes[0].reply.text
    history = assistant.store.history(code)
    assert history[-1]["status"] == "withdrawn" and "Đã được giải quyết" in (history[-1]["note"] or "")


def test_an_ordinary_withdrawal_stays_with_the_ward(assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen)
    citizen.press(f"c:withdrawok:{code}:mistake")
    targets = [i.target for i in outbox_of(assistant.store, code, "notify")]
    assert targets == [f"ward:{BEN_THANH}"]


# -- money demanded ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "description"),
    [("doi-tien", "Cán bộ gợi ý bồi dưỡng để làm nhanh"), ("phien-ha", "Cán bộ bảo nộp thêm 500k mới nhận hồ sơ")],
)
def test_money_demanded_gets_plain_advice_in_the_confirmation(assistant, category: str, description: str) -> None:
    citizen = Person(assistant)
    file_complaint(citizen, category=category, description=description)
    confirmation = text_of(citizen.log[-1:])
    assert "Đừng đưa tiền" in confirmation
    assert "Giữ giấy tiếp nhận hồ sơ và hẹn trả kết quả" in confirmation
    assert "số quầy/bàn" in confirmation


def test_no_money_advice_for_other_complaints(assistant) -> None:
    citizen = Person(assistant)
    file_complaint(citizen)
    assert "Đừng đưa tiền" not in text_of(citizen.log[-1:])


# -- transfer to another ward: typed, not ~170 buttons -------------------------------------------


def test_not_ours_offers_the_supervisor_and_the_ward_typed_by_name(assistant) -> None:
    code = file_complaint(Person(assistant))
    staff = Person(assistant, STAFF, "Cán bộ", WARD_CHAT)
    staff.press(f"w:notours:{code}")
    replies = staff.say("Sự việc xảy ra ở phường Tân Sơn Nhất")
    assert buttons_of(replies) == [f"w:to:{code}:supervisor:{SUPERVISOR}"]
    assert "Gõ tên phường/xã" in text_of(replies)
    replies = staff.say("tan son nhat")
    assert f"w:to:{code}:ward:26968" in buttons_of(replies)
    staff.press(f"w:to:{code}:ward:26968")
    assert assistant.store.get(code).route == "ward:26968"
    assert "Hạn tiếp nhận" in to_citizen(assistant, code)[-1]


def test_a_sensitive_case_says_what_happens_at_the_supervisor(assistant) -> None:
    citizen = Person(assistant)
    file_complaint(citizen, category="doi-tien", description="Cán bộ đòi tiền cà phê 200 nghìn")
    confirmation = text_of(citizen.log[-1:])
    assert "Hạn tiếp nhận: trước" in confirmation
    assert f"<b>{SUPERVISOR_NAME}</b> được nhắc lại" in confirmation

"""Which ward a citizen means: current names, aliases, typos, and pre-2025 addresses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    TAN_DINH,
    XUAN_HOA,
    Clock,
    Person,
    build,
    buttons_of,
    draft_step,
    session_of,
    text_of,
)

from bot.complaints import intake
from bot.wards import convert_old_address, match_ward

TODAY = dt.date(2026, 11, 20)
OLD_ADDRESS = "phường 6, quận 3"


class FakeConverter:
    """Stands in for vietnamadminunits: answers from a table and records what it was asked."""

    def __init__(self, answers: dict[str, str | None]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str]] = []

    def __call__(self, text: str, city: str) -> str | None:
        self.calls.append((text, city))
        return self.answers.get(text)


def never_called(text: str, city: str) -> str | None:
    raise AssertionError(f"the converter should not be needed for {text!r}")


@pytest.fixture
def config(loaded):
    return loaded.config


@pytest.fixture
def assistant(loaded, tmp_path: Path):
    return build(loaded, tmp_path, Clock())


# -- match_ward ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["Phường Bến Thành", "phường bến thành", "Bến Thành", "ben thanh", "P Ben Thanh", "Phạm Ngũ Lão", "Bến Thàn"],
)
def test_current_names_aliases_and_typos_match_without_conversion(config, typed: str) -> None:
    found = match_ward(config, typed, never_called)
    assert found.ward is not None and found.ward.code == BEN_THANH
    assert found.converted is False


def test_a_ward_named_inside_a_sentence_matches(config) -> None:
    found = match_ward(config, "ở phường Tân Định ạ", never_called)
    assert found.ward is not None and found.ward.name == "Phường Tân Định"


def test_an_old_address_is_converted_and_flagged_for_confirmation(config) -> None:
    converter = FakeConverter({OLD_ADDRESS: "Phường Xuân Hòa"})
    found = match_ward(config, OLD_ADDRESS, converter)
    assert converter.calls == [(OLD_ADDRESS, config.city)]
    assert found.ward is not None and found.ward.code == XUAN_HOA
    assert found.converted is True
    assert found.new_name == "Phường Xuân Hòa"


def test_an_old_address_outside_the_province_names_its_new_ward(config) -> None:
    found = match_ward(config, "phường 7, quận Ba Đình", FakeConverter({"phường 7, quận Ba Đình": "Phường Ba Đình"}))
    assert found.ward is None
    assert found.new_name == "Phường Ba Đình"


def test_every_ward_of_the_city_is_served_by_name_and_old_names(config) -> None:
    found = match_ward(config, "Tân Sơn Nhất", never_called)
    assert found.ward is not None and (found.ward.code, found.ward.name) == ("26968", "Phường Tân Sơn Nhất")
    assert match_ward(config, "xa binh chanh", never_called).ward.name == "Xã Bình Chánh"
    assert match_ward(config, "Phạm Ngũ Lão", never_called).ward.code == BEN_THANH  # merged old ward


def test_an_old_ward_split_between_two_asks_which(config) -> None:
    found = match_ward(config, "Đa Kao", never_called)  # split between Sài Gòn and Tân Định
    assert found.ward is None
    assert {w.name for w in found.candidates} == {"Phường Sài Gòn", "Phường Tân Định"}


def test_unreadable_text_matches_nothing(config) -> None:
    assert match_ward(config, "phường 99, quận 42", FakeConverter({})).ward is None
    assert match_ward(config, "Hà Nội", never_called).ward is None
    assert match_ward(config, "an toàn thực phẩm", never_called).ward is None
    assert match_ward(config, "!!!", never_called).ward is None


# -- intake.step with an injected converter --------------------------------------------------------------


def test_intake_step_uses_the_given_converter(config) -> None:
    draft = intake.Draft()
    converter = FakeConverter({OLD_ADDRESS: "Phường Xuân Hòa"})

    result = intake.step(config, draft, text=OLD_ADDRESS, button=None, photo=None, today=TODAY, converter=converter)

    assert converter.calls
    assert result.draft.step == "ward_confirm"
    assert result.draft.pending_ward == XUAN_HOA
    assert "Phường Xuân Hòa" in result.replies[-1].text
    result = intake.step(config, result.draft, text=None, button="i:wardok", photo=None, today=TODAY)
    assert (result.draft.step, result.draft.ward_code, result.draft.pending_ward) == ("category", XUAN_HOA, None)


# -- through the assistant ----------------------------------------------------------------------------------


@pytest.fixture
def fake_conversion(monkeypatch) -> FakeConverter:
    """`intake.step` binds its default converter at import time, so patch that default."""
    converter = FakeConverter({OLD_ADDRESS: "Phường Xuân Hòa", "phường 7, quận Ba Đình": "Phường Ba Đình"})
    monkeypatch.setitem(intake.step.__kwdefaults__, "converter", converter)
    return converter


def test_an_old_address_asks_to_confirm_the_new_ward(assistant, fake_conversion: FakeConverter) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")

    replies = citizen.say(OLD_ADDRESS)

    assert fake_conversion.calls == [(OLD_ADDRESS, assistant.config.city)]
    assert draft_step(assistant) == "ward_confirm"
    assert "Phường Xuân Hòa" in text_of(replies)
    assert {"i:wardok", "i:wardno"} <= set(buttons_of(replies))

    replies = citizen.press("i:wardok")

    assert draft_step(assistant) == "category"
    assert session_of(assistant)["draft"]["ward_code"] == XUAN_HOA
    assert "Phường Xuân Hòa" in text_of(replies)


def test_rejecting_the_converted_ward_asks_again(assistant, fake_conversion: FakeConverter) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")
    citizen.say(OLD_ADDRESS)

    replies = citizen.press("i:wardno")

    assert draft_step(assistant) == "ward"
    assert session_of(assistant)["draft"]["ward_code"] is None
    assert "phường/xã nào" in text_of(replies)


def test_a_typed_reply_at_the_confirmation_is_not_taken_as_yes(assistant, fake_conversion: FakeConverter) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")
    citizen.say(OLD_ADDRESS)
    replies = citizen.say("ừ")
    assert "Đúng" in text_of(replies)
    assert draft_step(assistant) == "ward_confirm"


def test_an_old_address_of_a_ward_not_served_says_so(assistant, fake_conversion: FakeConverter) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")
    replies = citizen.say("phường 7, quận Ba Đình")
    assert "Phường Ba Đình" in text_of(replies)
    assert "không thuộc Thành phố Hồ Chí Minh" in text_of(replies)
    assert assistant.config.hotline in text_of(replies)
    assert draft_step(assistant) == "ward"


@pytest.mark.parametrize("typed", ["Phường Hoàn Kiếm", "abc xyz"])
def test_an_unknown_ward_gets_a_clear_message_and_stays(assistant, fake_conversion: FakeConverter, typed) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")

    replies = citizen.say(typed)

    assert "chưa tìm thấy phường/xã này" in text_of(replies)
    assert assistant.config.hotline in text_of(replies)
    assert "phường/xã nào" in text_of(replies)  # asked again
    assert draft_step(assistant) == "ward"
    assert session_of(assistant)["draft"]["ward_code"] is None


def test_a_ward_typed_by_name_is_taken_directly(assistant, fake_conversion: FakeConverter) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")
    citizen.say("p. ben thanh")
    assert draft_step(assistant) == "category"
    assert session_of(assistant)["draft"]["ward_code"] == BEN_THANH
    assert fake_conversion.calls == []


# -- the real conversion library (imported once, ~0.5 s) ----------------------------------------------------


def test_real_conversion_of_an_old_address(assistant) -> None:
    assert convert_old_address(OLD_ADDRESS, assistant.config.city) == "Phường Xuân Hòa"
    assert convert_old_address("phường Bến Nghé, quận 1", assistant.config.city) == "Phường Sài Gòn"
    assert convert_old_address("phường 6, quận 99", assistant.config.city) is None

    citizen = Person(assistant)
    citizen.say("/phananh")
    replies = citizen.say(OLD_ADDRESS)
    assert "Phường Xuân Hòa" in text_of(replies)
    citizen.press("i:wardok")
    assert draft_step(assistant) == "category"
    assert session_of(assistant)["draft"]["ward_code"] == XUAN_HOA


def test_a_name_that_fits_two_wards_is_asked_with_buttons(assistant) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")
    replies = citizen.say("Đa Kao")
    assert draft_step(assistant) == "ward"
    assert {f"i:ward:{TAN_DINH}", "i:ward:26740"} <= set(buttons_of(replies))
    citizen.press(f"i:ward:{TAN_DINH}")
    assert draft_step(assistant) == "category"
    assert session_of(assistant)["draft"]["ward_code"] == TAN_DINH


def test_back_after_an_old_address_confirmation_returns_to_the_ward(assistant, fake_conversion) -> None:
    citizen = Person(assistant)
    citizen.say("/phananh")
    citizen.say(OLD_ADDRESS)
    citizen.press("i:wardok")
    replies = citizen.press("i:back")
    assert "None" not in text_of(replies)
    assert draft_step(assistant) == "ward"
    replies = citizen.say("Bến Thành")
    assert draft_step(assistant) == "category"
    assert session_of(assistant)["draft"]["ward_code"] == BEN_THANH


def test_national_matching_asks_among_the_seven_tan_tien(config) -> None:
    from bot.adminunits import national_wards
    from bot.wards import WardIndex

    index = WardIndex((w.code, w.name, True) for w in national_wards())
    assert len(index.lookup("Xã Tân Tiến")) == 7
    [code] = index.lookup("Phường Tân Sơn Nhất")
    assert code == "26968"

"""Informed consent before name and phone, and masking of an anonymous complaint's text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from complaint_helpers import (
    BEN_THANH,
    START,
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
    with_channels,
)

from bot.conversation import Assistant
from bot.privacy import consent
from bot.privacy.redact import MASKS


@pytest.fixture
def assistant(loaded, tmp_path: Path) -> Assistant:
    return build(loaded, tmp_path, Clock(), with_channels(loaded.config))


def to_identity(citizen: Person, description: str = "Cán bộ quầy 2 không hướng dẫn, bắt tôi chờ cả buổi.") -> None:
    citizen.say("/phananh")
    citizen.press(f"i:ward:{BEN_THANH}")
    citizen.press("i:cat:tho-o")
    citizen.press("i:when:today")
    citizen.say(description)
    for _ in range(3):
        citizen.press("i:skip")
    assert draft_step(citizen.assistant) == "identity"


def test_sharing_shows_the_notice_before_asking_for_name(assistant: Assistant) -> None:
    citizen = Person(assistant)
    to_identity(citizen)
    replies = citizen.press("i:share")
    text = text_of(replies)
    for part in ("Thu thập", "Mục đích", "Ai xem", "Lưu bao lâu", "24 tháng", "/dulieu"):
        assert part in text
    assert {"i:agree", "i:decline"} <= set(buttons_of(replies))
    assert draft_step(assistant) == "consent"
    # Silence is not consent: typing a name here does not get it recorded.
    replies = citizen.say("Nguyễn Văn A, 0901234567")
    assert draft_step(assistant) == "consent"
    assert session_of(assistant)["draft"]["contact"] is None


def test_agreeing_records_time_and_notice_version(assistant: Assistant) -> None:
    citizen = Person(assistant)
    to_identity(citizen)
    citizen.press("i:share")
    citizen.press("i:agree")
    assert draft_step(assistant) == "contact"
    citizen.say("Trần Thị Mai, 0901234567")
    draft = session_of(assistant)["draft"]
    assert draft["consent"] is True
    assert dt.datetime.fromisoformat(draft["consent_at"]) == START
    assert draft["consent_version"] == consent.version(assistant.config)


def test_declining_keeps_the_complaint_going_anonymously(assistant: Assistant) -> None:
    citizen = Person(assistant)
    to_identity(citizen)
    citizen.press("i:share")
    replies = citizen.press("i:decline")
    assert draft_step(assistant) == "summary"
    assert "ẩn danh" in text_of(replies)
    code = code_in(citizen.press("i:submit"))
    assert assistant.store.get(code).consent is False


def test_jumping_to_the_contact_step_still_needs_the_notice(assistant: Assistant) -> None:
    citizen = Person(assistant)
    fill_intake(citizen)
    citizen.press("i:goto:contact")
    replies = citizen.say("Nguyễn Văn A, 0901234567")
    assert draft_step(assistant) == "consent"
    assert "Lưu bao lâu" in text_of(replies)


def test_notice_version_follows_the_text(loaded) -> None:
    config = loaded.config
    longer = config.model_copy(update={"retention": config.retention.model_copy(update={"identity_months": 36})})
    assert consent.version(config) != consent.version(longer)
    assert "36 tháng" in consent.notice(longer)


def test_anonymous_summary_shows_the_masked_text_the_ward_will_read(assistant: Assistant) -> None:
    citizen = Person(assistant)
    to_identity(citizen, "Tôi là Nguyễn Thị Lan, sđt 0901 234 567. Cán bộ quầy 3 quát tôi.")
    replies = citizen.press("i:anon")
    text = text_of(replies)
    assert "che thông tin" in text
    assert MASKS["name"] in text and MASKS["phone"] in text
    assert "0901 234 567" not in text and "Nguyễn Thị Lan" not in text
    code = code_in(citizen.press("i:submit"))
    [forward] = outbox_of(assistant.store, code, "forward")
    assert "0901" not in forward.reply.text and "Lan" not in forward.reply.text
    assert "Cán bộ quầy 3 quát tôi." in forward.reply.text


def test_the_citizen_can_rewrite_the_masked_text(assistant: Assistant) -> None:
    citizen = Person(assistant)
    to_identity(citizen, "Tên tôi là Lê Văn Tám, cán bộ giữ hồ sơ của tôi.")
    citizen.press("i:anon")
    citizen.press("i:edit")
    citizen.press("i:goto:description")
    replies = citizen.say("Cán bộ giữ hồ sơ của tôi hai tuần không trả.")
    assert draft_step(assistant) == "summary"
    assert "che thông tin" not in text_of(replies)
    assert session_of(assistant)["draft"]["description"] == "Cán bộ giữ hồ sơ của tôi hai tuần không trả."


def test_with_consent_the_text_is_forwarded_as_written(assistant: Assistant) -> None:
    citizen = Person(assistant)
    fill_intake(citizen, description="Tôi là Trần Thị Mai, cán bộ hẹn tôi 3 lần.", contact="Trần Thị Mai, 0901234567")
    code = code_in(citizen.press("i:submit"))
    [forward] = outbox_of(assistant.store, code, "forward")
    assert "Tôi là Trần Thị Mai, cán bộ hẹn tôi 3 lần." in forward.reply.text


def test_an_anonymous_citizens_answer_to_the_ward_is_masked_too(assistant: Assistant) -> None:
    citizen = Person(assistant)
    code = file_complaint(citizen)
    ward = Person(assistant, user="tg:501", name="Cán bộ", chat="tg:-1001")
    ward.press(f"w:info:{code}")
    ward.say("Anh chị cho số điện thoại để liên hệ?")
    citizen.press(f"c:answer:{code}")
    replies = citizen.say("Số của tôi là 0912 345 678, tên tôi là Lê Văn Tám")
    assert "đã được che" in text_of(replies)
    relay = outbox_of(assistant.store, code, "relay")[-1]
    assert relay.target.startswith("ward:")
    assert "0912 345 678" not in relay.reply.text and "Lê Văn Tám" not in relay.reply.text

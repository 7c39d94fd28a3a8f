"""Logs and exports of a full complaint cycle carry no message text and no identity."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from complaint_helpers import (
    BEN_THANH,
    CITIZEN,
    STAFF,
    WARD_CHAT,
    Clock,
    FakeSender,
    Person,
    build,
    file_complaint,
    with_channels,
)

from bot.app import Loaded
from bot.complaints import deadlines, outbox
from bot.complaints.outbox import DeliveryError
from bot.operators import EXPORT_FIELDS, complaints_command
from bot.privacy import retention

DESCRIPTION = "Cán bộ Hùng quầy 5 quát tôi trước mặt mọi người, ném trả hồ sơ đất đai"
NAME, PHONE = "Trần Thị Mai", "0901234567"
SECRETS = (DESCRIPTION[:30], "ném trả hồ sơ", NAME, PHONE, CITIZEN, "1001", "Xin lỗi chị", "Tôi bổ sung giấy hẹn")


def test_log_lines_and_export_of_a_full_cycle_reveal_nothing(loaded, tmp_path: Path, caplog, capsys) -> None:
    clock = Clock()
    config = with_channels(loaded.config)
    assistant = build(loaded, tmp_path, clock, config)
    store = assistant.store
    citizen = Person(assistant)
    ward = Person(assistant, user=STAFF, name="Cán bộ", chat=WARD_CHAT)
    # The citizen's chat refuses once, the ward's group twice: the worker logs each failure.
    sender = FakeSender(
        {
            CITIZEN: [DeliveryError(f"Forbidden: bot was blocked by the user {CITIZEN}", permanent=True)],
            f"ward:{BEN_THANH}": [DeliveryError("Timed out")],
        }
    )
    with caplog.at_level(logging.DEBUG):
        code = file_complaint(citizen, description=DESCRIPTION, contact=f"{NAME}, {PHONE}")
        ward.press(f"w:ack:{code}")
        ward.press(f"w:info:{code}")
        ward.say("Xin lỗi chị, chị gửi giúp ảnh giấy hẹn")
        citizen.press(f"c:answer:{code}")
        citizen.say("Tôi bổ sung giấy hẹn số 12 ngày 18/11")
        for _ in range(3):
            asyncio.run(outbox.deliver_due(store, sender))
            clock.advance(minutes=15)
        ward.press(f"w:resolve:{code}")
        ward.say("Đã xử lý, nhắc nhở cán bộ")
        citizen.press(f"r:{code}:4")
        deadlines.tick(store, config, clock())
        clock.advance(days=800)
        retention.run_daily(store, config)
        asyncio.run(outbox.deliver_due(store, sender))

    assert any(r.levelno >= logging.WARNING for r in caplog.records), "the failures were logged"
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    for secret in SECRETS:
        assert secret not in logged, secret

    args = argparse.Namespace(action="export", csv=True, status=None, ward=None)
    complaints_command(Loaded(loaded.config_path, config, loaded.knowledge), store, args)
    exported = capsys.readouterr().out
    assert exported.splitlines()[0] == "\ufeff" + ",".join(EXPORT_FIELDS)  # BOM for Excel
    assert code in exported
    for secret in SECRETS:
        assert secret not in exported, secret

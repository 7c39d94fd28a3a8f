"""Thirty citizens filing complaints at the same moment, through the real Telegram path.

The bot is `handlers.telegram_app.build_application` over the emulator, with its outbox worker on the
JobQueue; each citizen walks the whole intake through buttons. Before the store was made safe for
concurrent use, this produced failed updates ("Xin lỗi, đã có lỗi"), lost confirmations and forwards
sent twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path

from crowd import ERROR_TEXT, ErrorCounter, HistoryReader, file_complaint
from harness import Emulator
from test_bot_e2e import WARD_GROUP, deployment, running_bot

from bot.app import Loaded

CITIZENS = 30


def crowded_deployment() -> Loaded:
    """The e2e deployment without Telegram's 20 messages/minute per group (the emulator has no such
    limit, and 30 forwards to one group would otherwise take 90 s by design)."""
    loaded = deployment()
    telegram = loaded.config.telegram.model_copy(update={"rate_group_per_minute": 6000})
    return dataclasses.replace(loaded, config=loaded.config.model_copy(update={"telegram": telegram}))


async def test_thirty_citizens_file_complaints_at_once(emulator: Emulator, tmp_path: Path) -> None:
    errors = ErrorCounter()
    watched = [logging.getLogger(name) for name in ("handlers.telegram_app", "bot.complaints.outbox", "telegram.ext")]
    for logger in watched:
        logger.addHandler(errors)
    try:
        async with running_bot(emulator, tmp_path / "db.sqlite3", crowded_deployment()) as app, HistoryReader(emulator) as reader:
            users = [5000 + n for n in range(CITIZENS)]
            started = time.perf_counter()
            filed = await asyncio.gather(
                *(file_complaint(emulator, reader, u, f"Cán bộ quát tháo người dân số {u}") for u in users)
            )
            print(f"{CITIZENS} complaints filed in {time.perf_counter() - started:.1f} s")
            store = app.bot_data["channel"].assistant.store
            codes = [f.code for f in filed if f.code]
            # Every forward reaches the ward's group once the outbox worker has run.
            deadline = asyncio.get_running_loop().time() + 20
            while store.pending_count() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # a few more outbox passes: nothing may be sent again
            forwards = [m.text or "" for m in reader.messages(WARD_GROUP) if "Phản ánh mới" in (m.text or "")]
            stored = {case.code for case in store.list(limit=1000)}
            pending = store.pending_count()
            everything = reader.messages()
    finally:
        for logger in watched:
            logger.removeHandler(errors)

    assert [f.error for f in filed if f.error] == []
    assert len(codes) == CITIZENS == len(set(codes))
    assert set(codes) == stored  # every confirmed complaint is stored, nothing else is
    assert [r.getMessage() for r in errors.records] == []  # no failed update, no failed delivery
    assert not [m.text for m in everything if ERROR_TEXT in (m.text or "")]
    assert pending == 0
    assert sorted(code for code in codes for text in forwards if code in text) == sorted(codes)  # once each
    assert len(forwards) == CITIZENS
    # Each citizen saw the confirmation exactly once.
    for f in filed:
        confirmations = [m for m in reader.messages(f.user) if "Mã tra cứu" in (m.text or "")]
        assert len(confirmations) == 1, (f.user, [m.text for m in confirmations])

#!/usr/bin/env python3
"""Concurrency benchmark: many citizens at once through the real Telegram path, over the emulator.

50 citizens each file a complaint through the whole intake (buttons and typed text, exactly as on
Telegram) while 50 others ask questions, all at the same moment, against the bot built by
`handlers.telegram_app.build_application` with its outbox worker. Reported:

- failed updates: ERROR records of the adapter ("core failed on an update", "update failed") and
  replies carrying the generic error text "Xin lỗi, đã có lỗi" (target: 0);
- duplicate forwards: a case forwarded to the ward's group more than once (target: 0);
- complaints confirmed (the citizen saw a tracking code) and stored (target: all, and the same set);
- p50/p95 time to confirmation: pressing "Gửi phản ánh" until the code is visible in the chat;
- p50/p95 time to an answer for the questions.

The bot runs in this process (same event loop as the simulated users), against a fresh emulator and
a temporary database; the ward group's 20 messages/minute limit is lifted (the emulator has none and
50 forwards would otherwise take 150 s by design). Needs Node.js and the emulator's npm packages
(`bash scripts/test` once). Writes benchmarks/results/concurrency.json (one entry per `--label`).

Usage:
  python benchmarks/concurrency.py [--citizens 50] [--askers 50] [--questions 3] [--label after]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
E2E = ROOT / "tests" / "e2e"
RESULTS = Path(__file__).resolve().parent / "results"
for _path in (str(ROOT), str(E2E)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from crowd import ERROR_TEXT, ErrorCounter, HistoryReader, ask, file_complaint  # noqa: E402
from harness import Emulator, node_executable, npm_deps_installed  # noqa: E402

WARD_GROUP = -1001001001
STAFF = 501
FIRST_CITIZEN = 710_000_000
FIRST_ASKER = 720_000_000
QUESTIONS = (
    "làm căn cước ở đâu",
    "đăng ký khai sinh cho con cần giấy tờ gì",
    "lam cccd o dau",
    "dang ky ket hon mat bao lau",
    "chứng thực bản sao mất bao nhiêu tiền",
    "trễ hẹn thì có được xin lỗi không",
    "thời tiết hôm nay thế nào",
)


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def deployment():
    from bot.app import load

    loaded = load(ROOT / "config.yaml")
    config = loaded.config
    wards = [
        w.model_copy(update={"chat_id": WARD_GROUP, "staff_ids": [STAFF]}) if w.code == "26743" else w
        for w in config.wards
    ]
    telegram = config.telegram.model_copy(
        update={"outbox_interval": 0.2, "outbox_max_backoff": 0.5, "rate_group_per_minute": 6000}
    )
    config = config.model_copy(update={"wards": wards, "telegram": telegram})
    return dataclasses.replace(loaded, config=config)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.app import make_assistant
    from bot.complaints.store import Store
    from handlers.telegram_app import build_application

    errors = ErrorCounter()
    watched = [logging.getLogger(n) for n in ("handlers.telegram_app", "bot.complaints.outbox", "telegram.ext")]
    saved = [(logger.level, logger.propagate) for logger in watched]
    for logger in watched:
        # Counted here, not printed: ERROR records must reach the counter whatever the root level is.
        logger.addHandler(errors)
        logger.setLevel(logging.ERROR)
        logger.propagate = False
    workdir = tempfile.TemporaryDirectory(prefix="motcua-bench-")
    emulator = Emulator()
    emulator.start()
    try:
        assistant = make_assistant(deployment(), Store(Path(workdir.name) / "db.sqlite3"))
        app = build_application(assistant, emulator.token, emulator.base_url)
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=args.poll_interval, timeout=0)
            try:
                async with HistoryReader(emulator, interval=args.reader_interval) as reader:
                    citizens = [FIRST_CITIZEN + n for n in range(args.citizens)]
                    askers = [FIRST_ASKER + n for n in range(args.askers)]

                    async def asker(user: int) -> list[float | None]:
                        times: list[float | None] = []
                        for k in range(args.questions):
                            try:
                                times.append(await ask(emulator, reader, user, QUESTIONS[(user + k) % len(QUESTIONS)]))
                            except TimeoutError:
                                times.append(None)
                        return times

                    started = time.perf_counter()
                    filed, asked = await asyncio.gather(
                        asyncio.gather(
                            *(file_complaint(emulator, reader, u, f"Cán bộ quát tháo người dân {u}") for u in citizens)
                        ),
                        asyncio.gather(*(asker(u) for u in askers)),
                    )
                    wall = time.perf_counter() - started
                    store = assistant.store
                    deadline = time.perf_counter() + args.drain
                    while store.pending_count() and time.perf_counter() < deadline:
                        await asyncio.sleep(0.2)
                    await asyncio.sleep(1.0)  # more outbox passes: nothing may be sent twice
                    forwards = [m.text or "" for m in reader.messages(WARD_GROUP) if "Phản ánh mới" in (m.text or "")]
                    everything = reader.messages()
                    stored = {c.code for c in store.list(limit=100_000)}
                    pending = store.pending_count()
            finally:
                if app.updater.running:
                    await app.updater.stop()
                await app.stop()
        assistant.store.close()
    finally:
        for logger, (level, propagate) in zip(watched, saved, strict=True):
            logger.removeHandler(errors)
            logger.setLevel(level)
            logger.propagate = propagate
        await emulator.aclose()
        emulator.stop()
        workdir.cleanup()

    codes = [f.code for f in filed if f.code]
    confirmation = [f.seconds_to_confirmation for f in filed if f.seconds_to_confirmation is not None]
    answers = [t for times in asked for t in times if t is not None]
    forwarded = {code: sum(code in text for text in forwards) for code in codes}
    failed_updates = sum(r.getMessage() in ("core failed on an update", "update failed") for r in errors.records)
    error_replies = sum(ERROR_TEXT in (m.text or "") for m in everything)
    return {
        "citizens": args.citizens,
        "askers": args.askers,
        "questions_per_asker": args.questions,
        "wall_s": round(wall, 1),
        "failed_updates": failed_updates,
        "error_replies": error_replies,
        "error_log_records": len(errors.records),
        "complaints_confirmed": len(codes),
        "complaints_stored": len(stored),
        "confirmed_not_stored": len(set(codes) - stored),
        "citizens_without_confirmation": args.citizens - len(codes),
        "duplicate_forwards": sum(max(0, n - 1) for n in forwarded.values()),
        "confirmed_never_forwarded": sum(n == 0 for n in forwarded.values()),
        "outbox_pending_at_end": pending,
        "confirmation_ms_p50": ms(percentile(confirmation, 50)),
        "confirmation_ms_p95": ms(percentile(confirmation, 95)),
        "answer_ms_p50": ms(percentile(answers, 50)),
        "answer_ms_p95": ms(percentile(answers, 95)),
        "questions_unanswered": sum(t is None for times in asked for t in times),
        "first_errors": sorted({f.error for f in filed if f.error})[:3],
        "commit": git_commit(),
        "python": platform.python_version(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def print_result(result: dict[str, Any]) -> None:
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--askers", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3, help="questions per asker, one after the other")
    parser.add_argument("--poll-interval", type=float, default=0.05)
    parser.add_argument("--reader-interval", type=float, default=0.05)
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for the outbox to empty")
    parser.add_argument("--label", default="current")
    parser.add_argument("--out", type=Path, default=RESULTS / "concurrency.json")
    args = parser.parse_args(argv)
    if node_executable() is None or not npm_deps_installed():
        print("Needs Node.js and the emulator's npm packages: run `bash scripts/test` once.", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.CRITICAL)
    result = asyncio.run(run(args))
    print_result(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    existing[args.label] = result
    args.out.write_text(json.dumps(existing, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written to {args.out} as {args.label!r}")
    ok = result["failed_updates"] == result["duplicate_forwards"] == result["confirmed_not_stored"] == 0
    return 0 if ok and result["complaints_confirmed"] == args.citizens else 1


if __name__ == "__main__":
    sys.exit(main())

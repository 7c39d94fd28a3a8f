"""Complaints stored and forwarded per second, on disk (WAL SQLite), through the real code path.

Stores N complaints with `cases.submit` (dedup and limit checks, routing, pledges, deadlines, one
transaction each with its outbox message), then delivers the outbox through a no-op channel with
`deliver_due` (each delivery marked in its own transaction), and reports both rates.

    python benchmarks/complaints_throughput.py [N]
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import load, make_assistant  # noqa: E402
from bot.complaints import cases  # noqa: E402
from bot.complaints.intake import Draft  # noqa: E402
from bot.complaints.outbox import deliver_due  # noqa: E402
from bot.complaints.store import Store  # noqa: E402
from bot.replies import Reply  # noqa: E402


class NullChannel:
    """Accepts everything instantly, so the figure is ours, not a network's."""

    async def send(self, target: str, reply: Reply) -> str | None:
        return "1"


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    loaded = load(ROOT / "config.yaml")
    wards = [w.code for w in loaded.config.wards]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite3")
        assistant = make_assistant(loaded, store)
        ctx = assistant.cases()
        t = time.perf_counter()
        for n in range(count):
            draft = Draft(
                ward_code=wards[n % len(wards)],
                category=("hach-dich", "doi-tien", "tre-hen")[n % 3],
                occurred="Hôm nay",
                description=f"Sự việc thử số {n}: cán bộ không hướng dẫn",
            )
            case, _ = cases.submit(ctx, f"tg:{100000 + n}", draft)
            assert case is not None
        stored = time.perf_counter() - t
        pending = store.pending_count()
        t = time.perf_counter()
        sent = 0
        while store.pending_count():
            sent += asyncio.run(deliver_due(store, NullChannel(), limit=500)).sent
        forwarded = time.perf_counter() - t
        size = (Path(tmp) / "bench.sqlite3").stat().st_size
    result = {
        "complaints": count,
        "stored_per_second": round(count / stored, 1),
        "outbox_messages": pending,
        "forwarded_per_second": round(sent / forwarded, 1),
        "database_bytes": size,
    }
    print(
        f"stored:    {count} complaints in {stored:.2f} s = {result['stored_per_second']}/s "
        "(each: routing, pledges, deadlines, one transaction with its forward)"
    )
    print(
        f"forwarded: {sent} outbox messages in {forwarded:.2f} s = {result['forwarded_per_second']}/s "
        "(each marked delivered in its own transaction)"
    )
    (Path(__file__).parent / "results").mkdir(exist_ok=True)
    (Path(__file__).parent / "results" / "complaints_throughput.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

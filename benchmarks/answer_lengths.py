"""Length of procedure answers as Telegram receives them, over the whole shipped catalogue.

For every entry × (no part named, each part): the first answer to a question (budget 900
characters), and each part shown alone by its button (Telegram's limit 4,096). Prints median and
maximum in HTML characters (what is sent) and visible characters, and the time to render one.

    python benchmarks/answer_lengths.py
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import qa  # noqa: E402
from bot.answers import ASPECT_LABELS, FIRST_LIMIT  # noqa: E402
from bot.app import load  # noqa: E402
from bot.replies import MESSAGE_LIMIT, to_plain  # noqa: E402

TODAY = dt.date(2026, 12, 1)


def _stats(texts: list[str]) -> dict:
    html = [len(t) for t in texts]
    plain = [len(to_plain(t)) for t in texts]
    return {
        "answers": len(texts),
        "html_median": statistics.median(html),
        "html_max": max(html),
        "visible_median": statistics.median(plain),
        "visible_max": max(plain),
    }


def main() -> int:
    knowledge = load(ROOT / "config.yaml").knowledge
    started = time.perf_counter()
    first = [
        qa.show_procedure(knowledge, proc_id, aspect, today=TODAY).text
        for proc_id in knowledge.procedures
        for aspect in (None, *ASPECT_LABELS)
    ]
    per_answer_ms = (time.perf_counter() - started) * 1000 / len(first)
    alone = [
        qa.show_procedure(knowledge, proc_id, aspect, alone=True).text
        for proc_id in knowledge.procedures
        for aspect in ASPECT_LABELS
    ]
    result = {
        "procedures": len(knowledge.procedures),
        "first_answer": {**_stats(first), "budget": FIRST_LIMIT, "render_ms": round(per_answer_ms, 2)},
        "part_alone": {**_stats(alone), "budget": MESSAGE_LIMIT},
    }
    for name, row in (("first answer", result["first_answer"]), ("part alone", result["part_alone"])):
        print(
            f"{name:>12}: {row['answers']} answers · HTML median {row['html_median']:.0f}, max {row['html_max']}"
            f" · visible median {row['visible_median']:.0f}, max {row['visible_max']} · budget {row['budget']}"
        )
    print(f"render: {per_answer_ms:.2f} ms per first answer")
    out = ROOT / "benchmarks" / "results" / "answer_lengths.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

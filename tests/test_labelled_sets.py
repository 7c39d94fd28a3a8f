"""Every labelled evaluation set names only entries, referrals and categories that exist.

A label pointing at a renamed or removed entry would count every answer about it as wrong without
anyone noticing; this reads the labels only, never how the assistant does on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.categories import COMPLAINT_CATEGORIES
from bot.evaluation import evaluate, load_questions

DATA = Path(__file__).parent / "data"
SETS = sorted(p for p in DATA.rglob("*.yaml") if not p.name.startswith("redaction"))


@pytest.mark.parametrize("path", SETS, ids=lambda p: str(p.relative_to(DATA)))
def test_labels_name_what_exists(knowledge, path: Path) -> None:
    problems = []
    for n, item in enumerate(load_questions(path), start=1):
        kind = item.get("kind")
        ids = [item.get("expect"), *item.get("also", [])] if kind == "procedure" else []
        problems += [f"item {n}: unknown entry {i}" for i in ids if i not in knowledge.procedures]
        if kind == "none" and item.get("referral") and item["referral"] not in knowledge.referrals:
            problems.append(f"item {n}: unknown referral {item['referral']}")
        if kind == "complaint" and item.get("category") and item["category"] not in COMPLAINT_CATEGORIES:
            problems.append(f"item {n}: unknown category {item['category']}")
        if kind not in ("procedure", "none", "complaint", "commitment"):
            problems.append(f"item {n}: unknown kind {kind}")
    assert not problems, problems


def test_an_entry_labelled_also_right_counts_as_right(knowledge) -> None:
    question = "đăng ký khai sinh cho con cần giấy tờ gì"
    items = [
        {"q": question, "kind": "procedure", "expect": "ho-tich.ket-hon", "also": ["ho-tich.khai-sinh"]},
        {"q": question, "kind": "procedure", "expect": "ho-tich.ket-hon"},
    ]
    report = evaluate(knowledge, items)
    assert (report.procedure_top1.hits, report.procedure_top1.total) == (1, 2)

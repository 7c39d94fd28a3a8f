"""The case lifecycle: one table of statuses and moves, enforced by every status change."""

from __future__ import annotations

from pathlib import Path

import pytest
from complaint_helpers import BEN_THANH, CITIZEN, STAFF

from bot.complaints import lifecycle, texts
from bot.complaints.lifecycle import Status
from bot.complaints.store import NewComplaint, Store


def test_open_statuses_are_derived_from_the_table() -> None:
    assert {Status.NEW, Status.ACKNOWLEDGED, Status.INFO_REQUESTED, Status.REOPENED} == lifecycle.OPEN
    assert {Status.WITHDRAWN, Status.CLOSED} == lifecycle.FINAL
    assert texts.OPEN_STATUSES == lifecycle.OPEN
    assert set(texts.STATUS_LABELS) == set(Status) == set(texts.STAFF_STATUS_LABELS)


@pytest.mark.parametrize(
    ("current", "new", "ok"),
    [
        ("new", "acknowledged", True),
        ("acknowledged", "acknowledged", False),  # a second "Tiếp nhận" press
        ("resolved", "closed", True),
        ("resolved", "reopened", True),
        ("closed", "reopened", False),
        ("withdrawn", "acknowledged", False),
        ("new", "bogus", False),
        ("bogus", "new", False),
    ],
)
def test_allowed(current: str, new: str, ok: bool) -> None:
    assert lifecycle.allowed(current, new) is ok


def test_store_refuses_a_move_the_table_does_not_allow(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    case = store.create(
        NewComplaint(CITIZEN, BEN_THANH, f"ward:{BEN_THANH}", "tho-o", "Hôm nay", "Cán bộ không trả lời"), lambda c: []
    )
    assert store.change(case.code, CITIZEN, "withdraw", status=Status.WITHDRAWN) is not None
    assert store.change(case.code, STAFF, "acknowledge", status=Status.ACKNOWLEDGED) is None
    assert store.get(case.code).status == Status.WITHDRAWN
    assert [step["status"] for step in store.history(case.code)] == ["new", "withdrawn"]
    assert [row["action"] for row in store.audit_log(case.code)] == ["create", "withdraw"]
    with pytest.raises(ValueError, match="lifecycle"):
        store.apply_batch([(case.code, "sneak", {"status": "new"})], "system", [])

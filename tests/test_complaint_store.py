"""The SQLite store: schema migrations, atomic creation, tracking codes, sessions across restarts."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from complaint_helpers import BEN_THANH, CITIZEN, START, Clock

from bot.complaints import store as store_module
from bot.complaints.codes import ALPHABET, LENGTH, new_code, normalise_code
from bot.complaints.store import MIGRATIONS, NewComplaint, Outgoing, Store
from bot.replies import Button, Reply

TABLES = ("complaints", "status_history", "audit", "outbox", "sessions", "groups", "registration_codes")
CODE_RE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def new_complaint(description: str = "Cán bộ không hướng dẫn, bảo tôi tự tìm hiểu.", **fields) -> NewComplaint:
    values = {
        "user": CITIZEN,
        "ward_code": BEN_THANH,
        "route": f"ward:{BEN_THANH}",
        "category": "tho-o",
        "occurred": "Hôm nay (20/11/2026)",
        "description": description,
    }
    values.update(fields)
    return NewComplaint(**values)


def forward_to_ward(code: str) -> list[Outgoing]:
    return [
        Outgoing(
            f"ward:{BEN_THANH}", Reply(f"Phản ánh mới {code}", ((Button("OK", f"w:ack:{code}"),),)), "forward", code
        )
    ]


def counts(store: Store) -> dict[str, int]:
    return {table: store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Store:
    return Store(db_path, clock=clock)


# -- schema ----------------------------------------------------------------------------------------


def test_migrations_create_the_schema(store: Store, db_path: Path) -> None:
    assert db_path.exists()
    assert set(TABLES) | {"schema_migrations"} <= set(store.db.table_names())
    assert store.schema_version() == len(MIGRATIONS)
    complaint_columns = {c.name for c in store.db["complaints"].columns}
    assert {"code", "user", "route", "status", "consent", "fingerprint", "commitment_ids"} <= complaint_columns


def test_reopening_the_same_file_runs_no_migration_again(store: Store, db_path: Path, clock: Clock) -> None:
    store.create(new_complaint(), forward_to_ward)
    applied = list(store.db.query("SELECT version, at FROM schema_migrations ORDER BY version"))
    store.close()
    clock.advance(days=3)

    reopened = Store(db_path, clock=clock)

    assert reopened.schema_version() == len(MIGRATIONS)
    assert list(reopened.db.query("SELECT version, at FROM schema_migrations ORDER BY version")) == applied
    assert counts(reopened)["complaints"] == 1  # the data survived, nothing was recreated
    Store(db_path, clock=clock)  # a third opening is just as harmless


def test_an_older_database_is_upgraded_in_place(db_path: Path, clock: Clock, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
    old = Store(db_path, clock=clock)
    assert old.schema_version() == 1
    assert "groups" not in old.db.table_names()
    # A row as the first schema stored it (today's `create` writes columns added since).
    old.db["complaints"].insert(
        {
            "code": "ABCD-EFGH",
            "user": CITIZEN,
            "ward_code": BEN_THANH,
            "route": f"ward:{BEN_THANH}",
            "category": "tho-o",
            "occurred": "Hôm nay",
            "description": "Cán bộ không hướng dẫn.",
            "status": "new",
            "fingerprint": "x",
            "created_at": START.isoformat(),
            "updated_at": START.isoformat(),
        }
    )
    old.close()
    monkeypatch.undo()

    upgraded = Store(db_path, clock=clock)

    assert upgraded.schema_version() == len(MIGRATIONS)
    assert "groups" in upgraded.db.table_names()
    assert counts(upgraded)["complaints"] == 1


def test_wal_mode_is_on(store: Store, db_path: Path) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    # It is a property of the file: another connection (the outbox worker) sees it too.
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        other.close()


# -- creating complaints ---------------------------------------------------------------------------


def test_create_writes_complaint_history_audit_and_outbox_together(store: Store) -> None:
    case = store.create(new_complaint(), forward_to_ward)

    assert CODE_RE.match(case.code)
    assert case.status == "new"
    assert case.created_at == START
    assert counts(store) == {
        "complaints": 1,
        "status_history": 1,
        "audit": 1,
        "outbox": 1,
        "sessions": 0,
        "groups": 0,
        "registration_codes": 0,
    }
    assert store.history(case.code) == [{"status": "new", "at": START.isoformat(), "actor": CITIZEN, "note": None}]
    [audit] = store.audit_log(case.code)
    assert (audit["actor"], audit["action"], audit["detail"]) == (CITIZEN, "create", f"route=ward:{BEN_THANH}")
    [item] = store.outbox(case.code)
    assert (item.target, item.purpose, item.attempts, item.sent_at) == (f"ward:{BEN_THANH}", "forward", 0, None)
    assert item.reply.text == f"Phản ánh mới {case.code}"
    assert item.reply.all_buttons() == [Button("OK", f"w:ack:{case.code}")]


def test_create_is_all_or_nothing(store: Store) -> None:
    def broken_messages(code: str) -> list[Outgoing]:
        raise RuntimeError("rendering the forward failed")

    with pytest.raises(RuntimeError):
        store.create(new_complaint(), broken_messages)

    assert counts(store) == dict.fromkeys(TABLES, 0)
    # The failed transaction was rolled back and released: the store keeps working.
    case = store.create(new_complaint(), forward_to_ward)
    assert counts(store)["complaints"] == 1
    assert store.get(case.code) is not None


def test_contact_is_dropped_without_consent(store: Store) -> None:
    anonymous = store.create(
        new_complaint(contact_name="Trần Thị Mai", contact="Trần Thị Mai, 0901234567", consent=False), lambda c: []
    )
    assert (anonymous.consent, anonymous.contact_name, anonymous.contact) == (False, None, None)
    shared = store.create(
        new_complaint("Khác nội dung", contact_name="Trần Thị Mai", contact="0901234567", consent=True), lambda c: []
    )
    assert (shared.consent, shared.contact_name, shared.contact) == (True, "Trần Thị Mai", "0901234567")


def test_duplicate_lookup_is_limited_to_its_window(store: Store, clock: Clock) -> None:
    first = store.create(new_complaint("Cán bộ  KHÔNG hướng dẫn"), lambda c: [])
    again = new_complaint("cán bộ không   hướng dẫn")  # same words, other spacing and case
    assert store.find_duplicate(again, dt.timedelta(hours=24)).code == first.code
    assert store.find_duplicate(new_complaint("Một chuyện khác"), dt.timedelta(hours=24)) is None
    clock.advance(hours=25)
    assert store.find_duplicate(again, dt.timedelta(hours=24)) is None


# -- tracking codes ----------------------------------------------------------------------------------


def test_codes_use_the_restricted_alphabet_and_are_unique(store: Store) -> None:
    codes = [store.create(new_complaint(f"Sự việc số {n}"), lambda c: []).code for n in range(2000)]

    assert len(set(codes)) == 2000
    assert all(CODE_RE.match(code) for code in codes)
    used = set("".join(codes).replace("-", ""))
    assert used <= set(ALPHABET)
    assert not used & set("0O1IL2Z5S6G8B")  # no look-alikes


def test_new_code_format() -> None:
    for _ in range(200):
        code = new_code()
        assert len(code) == LENGTH + 1 and code[4] == "-"
        assert CODE_RE.match(code)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7MA-Q9X3", "K7MA-Q9X3"),
        ("k7ma-q9x3", "K7MA-Q9X3"),
        ("k7ma q9x3", "K7MA-Q9X3"),
        ("k7maq9x3", "K7MA-Q9X3"),
        ("  K7MA – Q9X3 ", "K7MA-Q9X3"),
    ],
)
def test_normalise_code_accepts_how_citizens_type_it(typed: str, expected: str) -> None:
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7MA-Q9X",  # too short
        "K7MA-Q9X33",  # too long
        "K7MA-Q9XB",  # B is not in the alphabet
        "K7MA-Q9X0",  # nor 0
        "K7MA-Q9XO",  # nor O
        "K7MA-Q9X1",  # nor 1
        "K7MA-Q9XĐ",  # nor a Vietnamese letter
    ],
)
def test_normalise_code_rejects_malformed_codes(typed: str) -> None:
    assert normalise_code(typed) is None


# -- sessions ------------------------------------------------------------------------------------------


def test_sessions_survive_a_restart(store: Store, db_path: Path, clock: Clock) -> None:
    state = {
        "flow": "intake",
        "draft": {"step": "description", "description": "Cán bộ hách dịch 😡", "trail": ["ward"]},
    }
    store.save_session(CITIZEN, state)
    store.save_session("tg:501@tg:-1001", {"flow": "staff", "action": "reply", "code": "K7MA-Q9X3"})
    saved_at = clock()
    store.close()
    clock.advance(hours=5)

    restarted = Store(db_path, clock=clock)
    loaded, updated = restarted.load_session(CITIZEN)
    assert loaded == state
    assert updated == saved_at
    assert restarted.load_session("tg:501@tg:-1001")[0] == {"flow": "staff", "action": "reply", "code": "K7MA-Q9X3"}

    restarted.save_session(CITIZEN, {"flow": "answer", "code": "K7MA-Q9X3"})
    assert restarted.load_session(CITIZEN) == ({"flow": "answer", "code": "K7MA-Q9X3"}, clock())
    restarted.clear_session(CITIZEN)
    restarted.close()

    again = Store(db_path, clock=clock)
    assert again.load_session(CITIZEN) == (None, None)
    assert again.load_session("tg:501@tg:-1001")[0] is not None
    assert again.load_session("tg:nobody") == (None, None)

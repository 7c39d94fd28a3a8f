"""Start-up with a database that cannot be used: a plain message, what to do, a non-zero exit; and a
full disk during a submission tells the citizen the complaint was not saved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from complaint_helpers import Clock, Person, build, fill_intake, text_of

from bot.cli import main
from bot.complaints.storage.database import Transaction
from bot.complaints.storage.health import StoreUnavailable, diagnose
from bot.complaints.store import StorageFull, Store


def deployment_with_database(deployment, database: str) -> Path:
    """The deployment's config with `database` pointing at `database` (relative to the config)."""
    lines = [line for line in deployment.lines(deployment.config) if not line.startswith("database:")]
    deployment.write_lines(deployment.config, [f"database: {database}", *lines])
    return deployment.config


def run_cli(capsys, config: Path, *argv: str) -> tuple[int, str]:
    code = main(["--config", str(config), *argv])
    return code, capsys.readouterr().err


def test_a_database_folder_that_cannot_be_created(deployment, capsys) -> None:
    (deployment.root / "blocker").write_text("a file where a folder should be")
    config = deployment_with_database(deployment, "blocker/db.sqlite3")
    code, err = run_cli(capsys, config, "complaints", "list")
    assert code == 3
    assert "Không tạo được thư mục" in err and "config.yaml" in err
    assert "Traceback" not in err


def test_a_corrupt_file(deployment, capsys) -> None:
    config = deployment_with_database(deployment, "data/db.sqlite3")
    (deployment.root / "data").mkdir()
    (deployment.root / "data" / "db.sqlite3").write_bytes(b"this is not a database at all" * 200)
    code, err = run_cli(capsys, config, "complaints", "list")
    assert code == 3
    assert "bị hỏng" in err and "python -m bot restore" in err


def test_a_damaged_page_is_found_by_quick_check(deployment, capsys) -> None:
    config = deployment_with_database(deployment, "data/db.sqlite3")
    path = deployment.root / "data" / "db.sqlite3"
    store = Store(path)
    with store.transaction() as tx:
        for n in range(400):
            tx.execute("INSERT INTO audit (at, actor, action, detail) VALUES ('x', 'y', 'z', ?)", ["đ" * 200 + str(n)])
    page_size = store.db.execute("PRAGMA page_size").fetchone()[0]
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    for page in range(3, len(data) // page_size - 1):  # scribble over the middle pages, keep the header
        start = page * page_size
        data[start + 8 : start + 64] = b"\xff" * 56
    path.write_bytes(bytes(data))

    code, err = run_cli(capsys, config, "complaints", "list")

    assert code == 3
    assert "bị hỏng" in err


def test_a_database_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailable, match="khóa"):
            Store(path, busy_timeout_ms=100)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_read_only_database_is_explained() -> None:
    # Tests may run as root, for whom file modes do not stop writes: classify SQLite's own error.
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorname = "SQLITE_READONLY"  # type: ignore[attr-defined]
    message = str(diagnose(Path("/srv/motcua/db.sqlite3"), error))
    assert "chỉ cho phép đọc" in message and "quyền ghi" in message


def test_sqlite_full_becomes_storage_full_and_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    db = store.db
    db.execute("CREATE TABLE filler (blob BLOB)")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the "disk": two more pages, then full
    with pytest.raises(StorageFull):
        for _ in range(100):
            with store.transaction() as tx:
                tx.execute("INSERT INTO filler VALUES (zeroblob(1500))")
    store.save_session("tg:1", {"flow": "answer"})  # the connection is usable again (no transaction left open)


def test_a_full_disk_during_submission_tells_the_citizen(loaded, tmp_path: Path, monkeypatch) -> None:
    assistant = build(loaded, tmp_path, Clock())
    citizen = Person(assistant)
    fill_intake(citizen)
    real_insert = Transaction.insert

    def disk_full(self, table, row):
        if table == "outbox":  # the complaint row is written already: the whole transaction must go
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorname = "SQLITE_FULL"
            raise error
        return real_insert(self, table, row)

    monkeypatch.setattr(Transaction, "insert", disk_full)
    replies = citizen.press("i:submit")

    assert "CHƯA được lưu" in text_of(replies)
    assert "i:submit" in [b.data for r in replies for b in r.all_buttons()]
    assert assistant.store.list() == []
    assert assistant.store.outbox() == []
    monkeypatch.undo()
    # The draft was kept: once there is room again, the same button files it.
    replies = citizen.press("i:submit")
    assert "Mã tra cứu" in text_of(replies)
    assert len(assistant.store.list()) == 1

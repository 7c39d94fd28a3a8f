"""Backups: online copies while the bot writes, daily rotation, and a restore that refuses bad files."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from complaint_helpers import BEN_THANH

from bot.cli import main
from bot.complaints.storage import backup as backups
from bot.complaints.store import NewComplaint, Outgoing, Store
from bot.config import Backup, Config
from bot.replies import Reply


def complaint(n: int) -> NewComplaint:
    return NewComplaint(f"tg:{n}", BEN_THANH, f"ward:{BEN_THANH}", "tho-o", "Hôm nay", f"Sự việc số {n}")


def forward(code: str) -> list[Outgoing]:
    return [Outgoing(f"ward:{BEN_THANH}", Reply(f"Phản ánh {code}"), "forward", code)]


def test_the_config_has_backup_settings() -> None:
    assert Backup() == Backup(dir="data/backups", keep=7)
    assert Config.model_fields["backup"].default == Backup()
    with pytest.raises(ValueError):
        Backup(keep=0)
    with pytest.raises(ValueError):
        Backup(directory="x")  # extra keys are refused


def test_a_backup_taken_while_writing_is_complete_and_consistent(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    for n in range(50):
        store.create(complaint(n), forward)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        n = 1000
        while not stop.is_set():
            store.create(complaint(n), forward)
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = [backups.backup(store.path, tmp_path / f"copy{i}.sqlite3") for i in range(3)]
    finally:
        stop.set()
        thread.join()

    assert len(written) > 0  # the bot kept writing during the copies
    for copy in copies:
        assert backups.check_file(copy) == []
        db = sqlite3.connect(copy)
        cases = db.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
        # Each complaint was committed with its history, audit and forward: a copy holds all or none.
        for table in ("status_history", "audit", "outbox"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == cases
        assert cases >= 50
        db.close()
    assert not list(tmp_path.glob("*.partial"))
    store.close()


def test_daily_copies_are_made_once_a_day_and_rotated(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    folder = tmp_path / "backups"
    day = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
    made = []
    for n in range(5):
        now = day + dt.timedelta(days=n)
        result = backups.daily(store.path, folder, keep=3, now=now)
        assert result.made is not None
        os.utime(result.made, (now.timestamp(), now.timestamp()))
        made.append(result.made)
        # A restart an hour later does not make another copy.
        assert backups.daily(store.path, folder, keep=3, now=now + dt.timedelta(hours=1)).made is None
    assert backups.backups(folder) == made[-3:]
    store.close()


def test_backup_and_restore_commands(deployment, capsys) -> None:
    config = deployment.config
    store = Store(deployment.root / "data" / "motcua.sqlite3")
    kept = store.create(complaint(1), forward)
    store.close()

    assert main(["--config", str(config), "backup"]) == 0
    [copy] = backups.backups(deployment.root / "data" / "backups")
    assert "Đã sao lưu" in capsys.readouterr().out

    store = Store(deployment.root / "data" / "motcua.sqlite3")
    lost = store.create(complaint(2), forward)  # written after the backup
    store.close()

    bad = deployment.root / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    assert main(["--config", str(config), "restore", str(bad)]) == 1
    assert "không đạt kiểm tra toàn vẹn" in capsys.readouterr().err
    unrelated = deployment.root / "other.sqlite3"
    sqlite3.connect(unrelated).execute("CREATE TABLE t (x)").connection.close()
    assert main(["--config", str(config), "restore", str(unrelated)]) == 1
    capsys.readouterr()

    assert main(["--config", str(config), "restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục" in out and "before-restore" in out
    restored = Store(deployment.root / "data" / "motcua.sqlite3")
    assert restored.get(kept.code) is not None
    assert restored.get(lost.code) is None
    assert restored.integrity_problems() == []
    restored.close()


def test_a_backup_to_an_explicit_file(deployment, tmp_path: Path, capsys) -> None:
    Store(deployment.root / "data" / "motcua.sqlite3").close()
    target = tmp_path / "elsewhere" / "copy.sqlite3"
    assert main(["--config", str(deployment.config), "backup", str(target)]) == 0
    assert backups.check_file(target) == []


async def test_the_bot_job_makes_the_daily_copy(loaded, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from bot.app import make_assistant
    from handlers.telegram_app import build_application

    assistant = make_assistant(loaded, Store(tmp_path / "db.sqlite3"))
    app = build_application(assistant, "123:TEST", backup_dir=tmp_path / "backups")
    assert [job.name for job in app.job_queue.get_jobs_by_name("backup")] == ["backup"]
    channel = app.bot_data["channel"]
    context = SimpleNamespace(job=SimpleNamespace(data=tmp_path / "backups"))
    await channel.backup(context)
    await channel.backup(context)  # an hour later: nothing new
    assert len(backups.backups(tmp_path / "backups")) == 1
    assistant.store.close()

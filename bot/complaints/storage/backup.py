"""Backups with SQLite's online backup API: consistent copies taken while the bot keeps writing.

A copy is written to a temporary file beside its destination, checked with `PRAGMA integrity_check`
and only then renamed into place, so a backup file that exists is a complete one. The bot's own daily
copies are named by time (`motcua-YYYYmmdd-HHMMSS.sqlite3`) and rotated; a restore refuses any
file that fails the integrity check and keeps the database it replaces.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.complaints.storage.health import check_file

PREFIX = "motcua-"
SUFFIX = ".sqlite3"


class BackupError(Exception):
    """A backup or restore could not be made; `str()` is the message for the operator."""


def backup_name(moment: dt.datetime) -> str:
    return f"{PREFIX}{moment.astimezone(dt.UTC):%Y%m%d-%H%M%S}{SUFFIX}"


def _copy(source: Path, target: Path) -> None:
    # The backup API reads one consistent snapshot (WAL readers never block the bot's writers).
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()


def backup(database: Path, destination: Path) -> Path:
    """Copy `database` to `destination` (a file, or a folder for a time-named file); returns the file."""
    if not database.is_file():
        raise BackupError(f"Không có cơ sở dữ liệu để sao lưu: {database}")
    if destination.is_dir():
        destination = destination / backup_name(dt.datetime.now(dt.UTC))
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + ".partial")
    temporary.unlink(missing_ok=True)
    try:
        _copy(database, temporary)
        problems = check_file(temporary)
        if problems:
            raise BackupError(f"Bản sao lưu không đạt kiểm tra toàn vẹn: {'; '.join(problems)}")
        os.replace(temporary, destination)
    except sqlite3.Error as exc:
        raise BackupError(f"Không sao lưu được {database}: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return destination


def backups(folder: Path) -> list[Path]:
    """The time-named copies in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest time-named copies; returns what was deleted."""
    old = backups(folder)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


@dataclass(frozen=True)
class DailyResult:
    made: Path | None  # None: the newest copy is less than a day old
    deleted: list[Path]


def daily(
    database: Path, folder: Path, keep: int, now: dt.datetime, every: dt.timedelta = dt.timedelta(days=1)
) -> DailyResult:
    """The running bot's job: a new copy when the newest is `every` old (restarts do not multiply them)."""
    existing = backups(folder)
    if existing:
        newest = dt.datetime.fromtimestamp(existing[-1].stat().st_mtime, dt.UTC)
        if now - newest < every:
            return DailyResult(None, [])
    made = backup(database, folder / backup_name(now))
    return DailyResult(made, rotate(folder, keep))


def restore(source: Path, database: Path, now: dt.datetime) -> Path | None:
    """Replace `database` with the copy `source`, after checking it; returns where the old file was kept.

    Run it with the bot stopped. Raises BackupError (and changes nothing) when `source` fails the
    integrity check or is not this assistant's database.
    """
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {source}.")
    problems = check_file(source)
    if problems:
        raise BackupError(
            f"Tệp {source} không đạt kiểm tra toàn vẹn, không khôi phục: {'; '.join(problems)}. Chọn một bản sao lưu khác."
        )
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.stem}.before-restore-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}{SUFFIX}")
        backup(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(database, timeout=5)
            try:
                # Through the backup API, not a file copy: it takes the database's lock and replaces the
                # pages even when -wal and -shm files exist beside it.
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(
            f"Không khôi phục được vào {database}: {exc}. Bot có đang chạy không? Dừng bot rồi thử lại."
        ) from exc
    return kept

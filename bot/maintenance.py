"""`python -m bot backup [PATH]` and `python -m bot restore PATH`: the operator's side of backups."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from bot.app import Loaded
from bot.complaints.storage.backup import BackupError, backup, restore, rotate
from bot.config import resolve


def database_path(loaded: Loaded) -> Path:
    return resolve(loaded.config_path, loaded.config.database)


def backup_folder(loaded: Loaded) -> Path:
    return resolve(loaded.config_path, loaded.config.backup.dir)


def backup_command(loaded: Loaded, path: Path | None) -> int:
    """Copy the database now (safe while the bot runs); default: a time-named file in backup.dir."""
    folder = backup_folder(loaded)
    target = path if path is not None else folder
    if path is None:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        made = backup(database_path(loaded), target)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    if made.parent == folder:
        rotate(folder, loaded.config.backup.keep)
    print(f"Đã sao lưu vào {made} ({made.stat().st_size:,} byte).")
    return 0


def restore_command(loaded: Loaded, path: Path) -> int:
    """Replace the database with a checked copy (stop the bot first); the old file is kept beside it."""
    try:
        kept = restore(path, database_path(loaded), dt.datetime.now(dt.UTC))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Đã khôi phục {database_path(loaded)} từ {path}.")
    if kept is not None:
        print(f"Cơ sở dữ liệu trước khi khôi phục được giữ lại tại {kept}.")
    return 0

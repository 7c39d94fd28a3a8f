"""Why a database cannot be used, in words an operator can act on.

Start-up (`bot.app.open_store`) turns SQLite's errors into `StoreUnavailable`, whose message says
what is wrong and what to do; the CLI prints it and exits non-zero instead of a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.complaints.storage.database import Database

RESTORE_HINT = (
    "Khôi phục từ bản sao lưu gần nhất: python -m bot restore <tệp sao lưu> "
    "(bản sao lưu hằng ngày nằm trong thư mục backup.dir của config.yaml, mặc định data/backups)."
)


class StoreUnavailable(Exception):
    """The database cannot be opened or used; `str()` is the message for the operator."""


def _name(exc: BaseException) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def diagnose(path: Path, exc: BaseException) -> StoreUnavailable:
    """A plain explanation of why opening `path` failed."""
    name = _name(exc)
    where = f"Cơ sở dữ liệu {path}"
    if isinstance(exc, OSError):
        return StoreUnavailable(
            f"Không tạo được thư mục {path.parent} cho cơ sở dữ liệu ({exc.strerror or exc}). "
            "Kiểm tra mục `database` trong config.yaml (đường dẫn có đúng không) và quyền ghi vào thư mục đó."
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc):
        return StoreUnavailable(
            f"{where} đang bị một tiến trình khác khóa (có thể bot đang chạy ở nơi khác, hoặc đang sao lưu, "
            "khôi phục). Dừng tiến trình đó rồi khởi động lại."
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        return StoreUnavailable(
            f"Không ghi được vào {where.lower()}: tệp hoặc thư mục chứa nó chỉ cho phép đọc. Cấp quyền ghi cho "
            "tệp và thư mục (SQLite cần tạo các tệp -wal và -shm bên cạnh) rồi khởi động lại."
        )
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "malformed" in str(exc) or "not a database" in str(exc):
        return StoreUnavailable(f"{where} bị hỏng hoặc không phải tệp SQLite ({exc}). {RESTORE_HINT}")
    if name.startswith("SQLITE_FULL"):
        return StoreUnavailable(f"Ổ đĩa chứa {where.lower()} đã đầy. Giải phóng dung lượng rồi khởi động lại.")
    if name.startswith("SQLITE_CANTOPEN"):
        if not path.parent.is_dir():
            return StoreUnavailable(
                f"Thư mục {path.parent} của cơ sở dữ liệu không tồn tại. Kiểm tra mục `database` trong config.yaml."
            )
        return StoreUnavailable(
            f"Không mở được {where.lower()} ({exc}). Kiểm tra quyền đọc, ghi của tệp và thư mục {path.parent}."
        )
    return StoreUnavailable(f"Không dùng được {where.lower()}: {exc}.")


def quick_check(db: Database, limit: int = 5) -> list[str]:
    """SQLite's `PRAGMA quick_check`: empty when the file is sound, else the first problems found."""
    rows = db.connection().execute(f"PRAGMA quick_check({int(limit)})").fetchall()
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


def check_file(path: Path) -> list[str]:
    """Integrity problems of a database file opened read-only (for restore); a file SQLite cannot read is one."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
    if not problems and not {"complaints", "schema_migrations"} <= tables:
        problems.append("không phải cơ sở dữ liệu của Trợ lý Một cửa (thiếu bảng complaints)")
    return problems

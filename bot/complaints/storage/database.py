"""Connections and transactions: the single path every read and write of the store goes through.

Concurrency by construction rather than by locks around a shared connection:

- each thread gets its own connection (`threading.local`), so no connection, cursor or SAVEPOINT is
  ever shared between threads;
- the file is in WAL mode, so readers never block the writer nor each other;
- a write is `BEGIN IMMEDIATE ... COMMIT` on the calling thread's connection: it takes SQLite's write
  lock up front (no deadlock on a read-to-write upgrade) and waits up to `busy_timeout` for it;
- transactions cannot nest: opening one inside another on the same thread is a programming error,
  raised at once instead of silently merging or half-committing work;
- reads run as single statements outside any explicit transaction (or inside the thread's open
  write), with every row fetched before returning, so no read leaves a statement or a transaction
  open behind it.

An in-process lock in front of `BEGIN IMMEDIATE` only makes the bot's own threads queue in order
instead of sleeping in SQLite's busy handler; the busy timeout still covers other processes (the
operator's CLI, a backup).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

Clock = Callable[[], dt.datetime]
Params = Sequence[Any] | dict[str, Any]

BUSY_TIMEOUT_MS = 10_000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_utc(moment: dt.datetime) -> str:
    """How the store writes a moment: ISO 8601 in UTC, which also sorts as text."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(text: str) -> dt.datetime:
    """A timestamp written by the store, back as an aware datetime."""
    return dt.datetime.fromisoformat(text)


class NestedTransaction(RuntimeError):
    """A write transaction was opened while this thread already had one open."""


class StorageFull(sqlite3.OperationalError):
    """The disk (or the database's size limit) is full: the write was rolled back, nothing was saved."""


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def is_full(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL"


class Transaction:
    """The open write transaction of one thread: execute statements that commit together."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> sqlite3.Cursor:
        return self._conn.executemany(sql, rows)

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """INSERT one row given as column -> value; returns its rowid."""
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" * len(row))
        cursor = self._conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))
        return int(cursor.lastrowid or 0)

    def update(self, table: str, key: str, value: Any, values: dict[str, Any]) -> int:
        """UPDATE the row whose `key` column equals `value`; returns the number of rows changed."""
        if not values:
            return 0
        sets = ", ".join(f'"{c}" = ?' for c in values)
        cursor = self._conn.execute(f'UPDATE "{table}" SET {sets} WHERE "{key}" = ?', [*values.values(), value])
        return cursor.rowcount

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        cursor = self._conn.execute(sql, params)
        return [_dict_row(cursor, r) for r in cursor.fetchall()]

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None


class Database:
    """A SQLite file opened once per thread, with one way to read and one way to write."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, synchronous: str = "FULL") -> None:
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        if str(path) == ":memory:":
            # Every thread must see the same database: a private temporary file behaves exactly like the
            # real one (WAL, locking), which a per-connection ":memory:" database would not.
            self._tempdir = tempfile.TemporaryDirectory(prefix="motcua-")
            path = Path(self._tempdir.name) / "memory.sqlite3"
            synchronous = "OFF"
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.synchronous = synchronous
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._registry_lock = threading.Lock()
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._closed = False
        self.connection()  # open now, so a bad path fails at start-up and not on the first message

    # -- connections ---------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        # check_same_thread=False only so that close() may close every thread's connection at shutdown;
        # otherwise a connection is only ever used by the thread that opened it (threading.local).
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a complaint the citizen saw confirmed survives a power cut, not only a crash.
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        if self._closed:
            raise sqlite3.ProgrammingError("the store is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            self._local.in_write = False
            with self._registry_lock:
                # Threads come and go (worker pools shrink): close what the finished ones left open.
                for thread in [t for t in self._connections if not t.is_alive()]:
                    with suppress(sqlite3.Error):
                        self._connections.pop(thread).close()
                self._connections[threading.current_thread()] = conn
        return conn

    def close(self) -> None:
        """Close every thread's connection (at shutdown, when no thread uses the store any more)."""
        self._closed = True
        with self._registry_lock:
            connections, self._connections = list(self._connections.values()), {}
        for conn in connections:
            with suppress(sqlite3.Error):
                conn.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()

    # -- the two paths -------------------------------------------------------------------------

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Run one read statement; every row is fetched before returning (nothing stays open)."""
        cursor = self.connection().execute(sql, params)
        return [_dict_row(cursor, r) for r in cursor.fetchall()]

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.connection().execute(sql, params).fetchone()
        return row[0] if row else None

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """One atomic unit of work: BEGIN IMMEDIATE, COMMIT on success, ROLLBACK on any exception."""
        conn = self.connection()
        if self._local.in_write or conn.in_transaction:
            raise NestedTransaction("a write transaction is already open on this thread")
        with self._write_lock:
            self._local.in_write = True
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Transaction(conn)
                except BaseException:
                    # Some errors (a full disk, an I/O error) already rolled SQLite back.
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if is_full(exc):
                    raise StorageFull(str(exc)) from exc
                raise
            finally:
                self._local.in_write = False

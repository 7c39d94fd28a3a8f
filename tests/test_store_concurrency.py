"""The store under concurrent use: several threads mixing reads and writes on one `Store`.

This is what the Telegram adapter does (each update runs `Assistant.handle` in a worker thread while
the outbox worker reads and marks on another), and what broke in production-like load: a shared
connection whose reads opened SAVEPOINTs outside the writers' lock.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from complaint_helpers import BEN_THANH

from bot.complaints.store import NestedTransaction, NewComplaint, Outgoing, Store
from bot.replies import Reply

THREADS = 8
ROUNDS = 40


def _complaint(user: str, n: int) -> NewComplaint:
    return NewComplaint(
        user=user,
        ward_code=BEN_THANH,
        route=f"ward:{BEN_THANH}",
        category="tho-o",
        occurred="Hôm nay",
        description=f"Cán bộ không hướng dẫn, lần {n}",
    )


def test_threads_mixing_reads_and_writes_all_succeed(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    errors: list[BaseException] = []
    codes: list[str] = []
    start = threading.Barrier(THREADS)

    def citizen(index: int) -> None:
        user = f"tg:{1000 + index}"
        try:
            start.wait()
            for n in range(ROUNDS):
                store.save_session(user, {"flow": "intake", "n": n})
                assert store.load_session(user)[0] == {"flow": "intake", "n": n}
                case = store.create(
                    _complaint(user, n),
                    lambda code: [Outgoing(f"ward:{BEN_THANH}", Reply(f"Phản ánh {code}"), "forward", code)],
                )
                codes.append(case.code)
                assert store.get(case.code) is not None
                assert store.history(case.code)[0]["status"] == "new"
                store.list(user=user, limit=5)
                for item in store.due(5):
                    store.mark_sent(item.id, "m")
                store.registered_groups()
                store.clear_session(user)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == [], f"{len(errors)} thread(s) failed, first: {errors[0]!r}"
    assert len(codes) == len(set(codes)) == THREADS * ROUNDS
    assert len(store.list(limit=10_000)) == THREADS * ROUNDS
    assert len(store.outbox()) == THREADS * ROUNDS
    store.close()


def test_an_in_memory_store_is_one_database_for_every_thread() -> None:
    store = Store(":memory:")
    store.save_session("tg:1", {"flow": "answer"})
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(store.load_session("tg:1")[0]))
    thread.start()
    thread.join()
    assert seen == [{"flow": "answer"}]
    store.close()


def test_transactions_cannot_nest(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    with store.transaction(), pytest.raises(NestedTransaction):
        store.save_session("tg:1", {"flow": "answer"})
    # The outer transaction was rolled back by the error and the store keeps working.
    assert store.load_session("tg:1") == (None, None)
    store.save_session("tg:1", {"flow": "answer"})
    assert store.load_session("tg:1")[0] == {"flow": "answer"}


def test_connections_of_finished_threads_are_closed(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    for n in range(20):
        thread = threading.Thread(target=store.save_session, args=(f"tg:{n}", {"n": n}))
        thread.start()
        thread.join()
    store.get("K7MA-Q9X3")  # this thread opens (or reuses) its connection and prunes the dead ones
    assert len(store.database._connections) <= 2
    assert store.load_session("tg:19")[0] == {"n": 19}

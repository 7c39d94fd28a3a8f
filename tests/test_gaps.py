"""The gap log: what it keeps (text only, masked, for a limited time) and how `gaps` groups it."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot.app import make_assistant
from bot.cli import main
from bot.complaints.store import Store
from bot.conversation import Incoming
from bot.gaps import GapLog, group_gaps, redact
from bot.textnorm import strip_diacritics

if TYPE_CHECKING:
    from conftest import Deployment

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def test_redaction_masks_identifiers_but_keeps_small_numbers() -> None:
    assert redact("CCCD 001203004567 bị sai ngày sinh") == "CCCD [số] bị sai ngày sinh"
    assert redact("gọi cho tôi 0912 345 678 nhé") == "gọi cho tôi [số] nhé"
    assert redact("mail tôi: an.nguyen@gmail.com") == "mail tôi: [email]"
    assert redact("nộp 3 ngày rồi, lệ phí 15.000 đồng") == "nộp 3 ngày rồi, lệ phí 15.000 đồng"


def test_the_conversation_logs_only_unanswered_questions_without_who_asked(loaded) -> None:
    assistant = make_assistant(loaded, Store(":memory:"))
    assert assistant.gaps is not None
    for text in ("xin chào", "làm giấy khai sinh cho con cần gì", "mua vé xem bóng đá ở đâu", "chứng thực"):
        assistant.handle(Incoming("tg:987654321", text=text, name="Nguyễn Văn A"))
    rows = assistant.gaps.rows()
    assert [(r.kind, r.question) for r in rows] == [
        ("declined", "mua vé xem bóng đá ở đâu"),
        ("asked_back", "chứng thực"),
    ]
    dump = "\n".join(assistant.gaps._db.connection().iterdump())
    assert "987654321" not in dump and "Nguyễn Văn A" not in dump


def test_rows_older_than_the_retention_are_purged(tmp_path) -> None:
    log = GapLog(tmp_path / "gaps.sqlite3", retention=dt.timedelta(days=30))
    log.record("câu hỏi cũ", "declined", None, None, NOW - dt.timedelta(days=31))
    log.record("câu hỏi gần đây", "declined", None, None, NOW - dt.timedelta(days=29))
    log.record("câu hỏi hôm nay", "declined", None, None, NOW)  # an hour after the last purge: purges
    assert [r.question for r in log.rows()] == ["câu hỏi gần đây", "câu hỏi hôm nay"]
    log.close()
    with sqlite3.connect(tmp_path / "gaps.sqlite3") as conn:  # the file is the log's own
        assert [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["gaps"]


def test_many_citizens_and_the_maintainer_at_once_lose_no_question(tmp_path) -> None:
    # The bot's handlers record from several threads while `python -m bot gaps` purges and reads
    # the same file through its own connection: every question must land, none twice.
    path = tmp_path / "gaps.sqlite3"
    bot_log = GapLog(path, retention=dt.timedelta(days=30))
    maintainer = GapLog(path, retention=dt.timedelta(days=30))

    def citizen(n: int) -> None:
        for i in range(20):
            bot_log.record(f"câu hỏi {n}-{i}", "declined", None, None, NOW + dt.timedelta(seconds=i))

    def maintain() -> None:
        for _ in range(20):
            maintainer.purge(NOW)
            maintainer.rows()

    with ThreadPoolExecutor(max_workers=16) as pool:
        jobs = [pool.submit(citizen, n) for n in range(50)] + [pool.submit(maintain) for _ in range(2)]
        for job in jobs:
            job.result()
    questions = [row.question for row in maintainer.rows()]
    assert len(questions) == len(set(questions)) == 50 * 20
    bot_log.close()
    maintainer.close()


def _variants(rng: random.Random, text: str, n: int) -> list[str]:
    """How different citizens type the same question: without diacritics, with a typo, with filler."""
    out = []
    for _ in range(n):
        words = text.split()
        if rng.random() < 0.5:
            words = strip_diacritics(" ".join(words)).split()
        if rng.random() < 0.3:
            i = rng.randrange(len(words))
            if len(words[i]) > 3:
                w = words[i]
                j = rng.randrange(1, len(w) - 1)
                words[i] = w[:j] + w[j + 1 :]
        prefix = rng.choice(["", "cho hỏi ", "ad ơi ", "xin hỏi "])
        suffix = rng.choice(["", " ạ", " vậy", " ở đâu"])
        out.append(prefix + " ".join(words) + suffix)
    return out


def generated_log(log: GapLog, seed: int = 3) -> None:
    rng = random.Random(seed)
    topics = [
        ("mua vé xem bóng đá ở sân Mỹ Đình", 30),
        ("xin giấy phép bắn pháo hoa đám cưới", 18),
        ("chứng thực", 12),
        ("thời tiết hôm nay", 3),
        ("đăng ký nuôi chó mèo ở phường", 8),  # declined once, answered since the entry was added
    ]
    for text, n in topics:
        for k, question in enumerate(_variants(rng, text, n)):
            log.record(question, "declined", None, None, NOW - dt.timedelta(hours=k))


def test_groups_gather_near_duplicates_and_suggest_what_to_do(knowledge) -> None:
    log = GapLog(":memory:", retention=dt.timedelta(days=90))
    generated_log(log)
    groups = group_gaps(log.rows(), knowledge, low_score=0.65)
    sizes = [g.count for g in groups if not g.now_answered]
    assert sizes == sorted(sizes, reverse=True)  # largest first; those the catalogue now answers last
    assert sum(g.count for g in groups) == 71
    assert len(groups) <= 8  # five topics, typed 71 ways
    first = groups[0]
    assert first.count >= 27 and "bong da" in strip_diacritics(first.questions[0]).lower()
    assert "not in the catalogue" in first.suggestion
    pets = next(g for g in groups if "cho meo" in strip_diacritics(g.questions[0]).lower())
    assert pets.now_answered and "now answered by nong-nghiep.khai-bao-nuoi-cho" in pets.suggestion
    assert groups.index(pets) > groups.index(first)
    assert any(g.count >= 15 and "phao hoa" in strip_diacritics(g.questions[0]).lower() for g in groups)
    vague = max((g for g in groups if "chung" in strip_diacritics(g.questions[0]).lower()), key=lambda g: g.count)
    assert vague.count >= 10
    assert vague.nearest is not None and vague.nearest.startswith("chung-thuc.")
    assert f'add the alias "chứng thực" to {vague.nearest}' in vague.suggestion


def test_gaps_command_prints_the_largest_groups(capsys, deployment: Deployment) -> None:
    log = GapLog(deployment.root / "data" / "gaps.sqlite3", retention=dt.timedelta(days=3650))
    generated_log(log)
    log.record("câu hỏi năm ngoái về pháo hoa", "declined", None, None, NOW - dt.timedelta(days=300))
    log.close()
    assert main(["--config", str(deployment.config), "gaps", "--since", "2026-11-01", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("71 unanswered question(s) in")
    assert "1. " in out and "2. " in out and "3. " not in out
    assert "năm ngoái" not in out
    assert "smaller group(s) not shown" in out

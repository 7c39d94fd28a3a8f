"""The questions the assistant could not answer well, kept to show what the catalogue still lacks.

The conversation core records a question when it declined it, asked the citizen to choose between
close procedures, or answered with a low match score. Only the text is kept (no user id, no chat),
with long digit runs and e-mail addresses masked since citizens sometimes type an ID or phone
number; rows older than the retention are purged. `python -m bot gaps` groups near-duplicate
questions (rapidfuzz), finds the nearest catalogue entry of each group and suggests what to do:
add an alias to that entry, or add a procedure the catalogue does not have.

The log is its own small SQLite file beside the complaints database, so it shares no schema or
transaction with the complaint store.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.complaints.storage.database import Database, Transaction, iso_utc, parse_time
from bot.knowledge import Knowledge
from bot.matcher import is_syllable
from bot.textnorm import fold, strip_diacritics
from bot.understanding import Understanding, understand

KINDS = ("declined", "asked_back", "low_score")
MAX_QUESTION = 500  # characters kept of one question
# Two questions whose folded texts score at least this (token set ratio) are one group.
GROUP_SIMILARITY = 78
# A group whose nearest entry scores at least this is probably that entry asked in other words.
ALIAS_SCORE = 0.4
PURGE_EVERY = dt.timedelta(hours=1)
# Words that carry no topic: left out when comparing questions and trimmed off a suggested alias.
FILLER = frozenset(
    [
        "ad",
        "admin",
        "oi",
        "a",
        "ah",
        "a'",
        "cho",
        "toi",
        "minh",
        "em",
        "anh",
        "chi",
        "hoi",
        "xin",
        "vay",
        "nhe",
        "nha",
        "voi",
        "ban",
        "giup",
        "khong",
        "ko",
        "k",
        "the",
        "la",
        "nao",
        "muon",
        "can",
        "duoc",
        "dc",
        "thi",
        "ve",
    ]
)
# Question words that end a question ("... ở đâu", "... cần gì", "... mất bao lâu"), trimmed too.
TRAILING = frozenset(["o", "dau", "gi", "can", "bao", "lau", "nhieu", "tien", "mat", "het", "sao", "nao", "giay", "to"])

_DIGITS = re.compile(r"\d[\d .-]{4,}\d")
_EMAIL = re.compile(r"\S+@\S+\.\w+")


def redact(text: str) -> str:
    """The question without what could identify its author: ID, phone and account numbers, e-mails."""
    text = _EMAIL.sub("[email]", text)
    return _DIGITS.sub(lambda m: "[số]" if sum(ch.isdigit() for ch in m.group()) >= 6 else m.group(), text)


def gap_kind(result: Understanding, low_score: float) -> str | None:
    """Why a question counts as a gap, or None when it was answered confidently (or is not about procedures)."""
    if result.kind == "none":
        return "declined"
    if result.kind == "ambiguous":
        return "asked_back"
    if result.kind == "procedure" and result.candidates and result.candidates[0].score < low_score:
        return "low_score"
    return None


@dataclass(frozen=True)
class GapRow:
    at: dt.datetime
    kind: str
    question: str
    nearest: str | None
    score: float | None


class GapLog:
    """Append-only log of unanswered questions in its own SQLite file (":memory:" for tests and `ask`).

    Reads and writes go through the store's `Database` (a connection per thread, WAL, every write
    `BEGIN IMMEDIATE`), so the bot's threads and a maintainer's `gaps` run share the file safely.
    """

    def __init__(self, path: Path | str, retention: dt.timedelta) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = Database(path)
        with self._db.write() as tx:
            tx.execute(
                """CREATE TABLE IF NOT EXISTS gaps (
                    id INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    question TEXT NOT NULL,
                    nearest TEXT,
                    score REAL
                )"""
            )
            tx.execute("CREATE INDEX IF NOT EXISTS gaps_at ON gaps(at)")
        self.retention = retention
        self._purged_at: dt.datetime | None = None

    def close(self) -> None:
        self._db.close()

    def record(self, question: str, kind: str, nearest: str | None, score: float | None, now: dt.datetime) -> None:
        """Keep one question (redacted, truncated); purge expired rows at most once an hour."""
        text = redact(" ".join(question.split()))[:MAX_QUESTION]
        if not text:
            return
        with self._db.write() as tx:
            tx.execute(
                "INSERT INTO gaps (at, kind, question, nearest, score) VALUES (?, ?, ?, ?, ?)",
                (iso_utc(now), kind, text, nearest, score),
            )
            if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
                self._purge(tx, now)

    def note(self, result: Understanding, knowledge: Knowledge, low_score: float, now: dt.datetime) -> None:
        """Record `result` when it is a gap (see `gap_kind`); a greeting is not one."""
        kind = gap_kind(result, low_score)
        if kind is None or (kind == "declined" and knowledge.lexicon.greetings.count(fold(result.question))):
            return
        best = result.candidates[0] if result.candidates else None
        self.record(result.question, kind, best.id if best else None, best.score if best else None, now)

    def purge(self, now: dt.datetime) -> int:
        """Delete rows older than the retention; return how many."""
        with self._db.write() as tx:
            return self._purge(tx, now)

    def _purge(self, tx: Transaction, now: dt.datetime) -> int:
        cursor = tx.execute("DELETE FROM gaps WHERE at < ?", (iso_utc(now - self.retention),))
        self._purged_at = now
        return cursor.rowcount

    def rows(self, since: dt.datetime | None = None) -> list[GapRow]:
        """Rows at or after `since` (all when None), oldest first."""
        query = "SELECT at, kind, question, nearest, score FROM gaps"
        params: tuple = ()
        if since is not None:
            query += " WHERE at >= ?"
            params = (iso_utc(since),)
        found = self._db.rows(query + " ORDER BY at, id", params)
        return [GapRow(parse_time(r["at"]), r["kind"], r["question"], r["nearest"], r["score"]) for r in found]


def gap_log_beside(database: Path | str, retention: dt.timedelta) -> GapLog:
    """The gap log stored next to the complaints database; in memory when that database is."""
    if str(database) == ":memory:" or not str(database):
        return GapLog(":memory:", retention)
    return GapLog(Path(database).with_name("gaps.sqlite3"), retention)


# -- grouping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapGroup:
    """Near-duplicate questions with the entry they come closest to and what to do about them."""

    questions: tuple[str, ...]  # distinct texts, most frequent first
    count: int  # rows in the group
    kinds: dict[str, int]
    nearest: str | None  # procedure id
    nearest_score: float
    now_answered: bool  # the current catalogue answers the group's main question confidently
    suggestion: str


def group_gaps(rows: list[GapRow], knowledge: Knowledge, low_score: float) -> list[GapGroup]:
    """Group near-duplicate questions; largest groups first."""
    counts = Counter(row.question for row in rows)
    kinds: dict[str, Counter] = {}
    for row in rows:
        kinds.setdefault(row.question, Counter())[row.kind] += 1
    # Greedy single pass, most frequent question first: each question joins the group whose main
    # question it resembles most, or starts a new group. Questions are compared as the index reads
    # them (typos repaired, abbreviations expanded) without filler and aspect words, so "ad ơi
    # chung thc ạ" and "chứng thực ở đâu" are one question.
    ignore = FILLER | knowledge.lexicon.aspect_words
    heads: list[str] = []  # topic words of each group's main question
    members: list[list[str]] = []
    for question, _ in counts.most_common():
        key = " ".join(t for t in knowledge.procedure_index.query_tokens(question) if t not in ignore)
        if not key:
            key = fold(question)
        match = process.extractOne(key, heads, scorer=fuzz.token_set_ratio, score_cutoff=GROUP_SIMILARITY)
        if match is None:
            heads.append(key)
            members.append([question])
        else:
            members[match[2]].append(question)
    groups = []
    for questions in members:
        total = sum(counts[q] for q in questions)
        kind_counts: Counter = Counter()
        for q in questions:
            kind_counts.update(kinds[q])
        groups.append(_describe(questions, counts, total, dict(kind_counts), knowledge, low_score))
    groups.sort(key=lambda g: (g.now_answered, -g.count, g.questions[0]))
    return groups


def _describe(
    questions: list[str], counts: Counter, count: int, kinds: dict[str, int], knowledge: Knowledge, low_score: float
) -> GapGroup:
    head = questions[0]
    alias = _alias(questions, counts)
    result = understand(knowledge, head)
    best = result.candidates[0] if result.candidates else None
    nearest, score = (best.id, best.score) if best else (None, 0.0)
    answered = gap_kind(result, low_score) is None and result.kind == "procedure"
    if answered:
        suggestion = f"now answered by {result.procedure_id}: check that this is the right procedure"
    elif nearest and score >= ALIAS_SCORE:
        name = knowledge.procedures[nearest].name
        suggestion = f'if these ask about "{name}": add the alias "{alias}" to {nearest}'
    else:
        suggestion = "a procedure (or topic) not in the catalogue: consider adding an entry"
    return GapGroup(tuple(questions), count, kinds, nearest, score, answered, suggestion)


def _alias(questions: list[str], counts: Counter) -> str:
    """The wording to propose as an alias: filler trimmed off both ends, without typos and with
    diacritics when someone typed it so, the most frequent such wording."""
    trimmed: Counter = Counter()
    for question in questions:
        words = question.split()
        while words and fold(words[0]).strip("?.!,") in FILLER:
            words.pop(0)
        while words and fold(words[-1]).strip("?.!,") in FILLER | TRAILING:
            words.pop()
        text = " ".join(words).strip("?.!, ")
        if text:
            trimmed[text] += counts[question]
    if not trimmed:
        return questions[0]
    # Prefer wordings without typos (every word a Vietnamese syllable), then with diacritics.
    clean = [t for t in trimmed if all(is_syllable(w) for w in fold(t).split())] or list(trimmed)
    accented = [t for t in clean if strip_diacritics(t) != t] or clean
    return min(accented, key=lambda t: (-trimmed[t], len(t), t))


def format_groups(groups: list[GapGroup], total_rows: int, limit: int = 15, examples: int = 3) -> str:
    """The report printed by `python -m bot gaps`."""
    if not groups:
        return "No unanswered questions in the period."
    lines = [f"{total_rows} unanswered question(s) in {len(groups)} group(s); largest first:", ""]
    for n, group in enumerate(groups[:limit], start=1):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(group.kinds.items()))
        nearest = f"{group.nearest} ({group.nearest_score:.2f})" if group.nearest else "none"
        lines.append(f"{n}. {group.count}× [{kinds}] nearest: {nearest}")
        for question in group.questions[:examples]:
            lines.append(f"     “{question}”")
        if len(group.questions) > examples:
            lines.append(f"     … and {len(group.questions) - examples} other wording(s)")
        lines.append(f"   → {group.suggestion}")
    if len(groups) > limit:
        lines.append(f"({len(groups) - limit} smaller group(s) not shown)")
    return "\n".join(lines)


def gaps_command(log: GapLog, knowledge: Knowledge, low_score: float, since: dt.date | None, limit: int) -> str:
    """Purge expired rows, then group what remains since `since` (a local date) and format it."""
    now = dt.datetime.now(dt.UTC)
    log.purge(now)
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
    rows = log.rows(start)
    return format_groups(group_gaps(rows, knowledge, low_score), len(rows), limit=limit)

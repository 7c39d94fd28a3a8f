"""`python -m bot eval FILE`: our accuracy on a labelled question set, beside a BM25 baseline.

The file is a YAML list of {q, kind, expect?, aspect?, referral?} as in `tests/data/questions.yaml`
and `tests/data/real/*.yaml` (real citizens' messages; `referral` names the knowledge/referrals.yaml
entry an out-of-scope message should be sent to).
The baseline (bm25s over name + aliases of each procedure, folded text) answers every question
with its top procedure; it shows what our matching adds over plain lexical retrieval.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.knowledge import Knowledge
from bot.textnorm import fold, strip_diacritics
from bot.understanding import Understanding, understand

TARGETS = {
    "procedure_top1": 0.95,
    "procedure_in_choices": 0.95,
    "none_declined": 0.90,
    "false_complaint_max": 0.02,
    "procedure_wrongly_declined_max": 0.03,
    "complaint_intent": 0.90,
    "commitment_intent": 0.90,
    "no_diacritics": 0.93,
}


@dataclass
class Tally:
    """Hits over a number of questions."""

    hits: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.hits += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.hits}/{self.total})" if self.total else "   n/a"


@dataclass
class Report:
    """All figures of one evaluation run."""

    procedure_top1: Tally = field(default_factory=Tally)
    procedure_in_choices: Tally = field(default_factory=Tally)  # top answer or one of the offered choices
    procedure_answered_directly: Tally = field(default_factory=Tally)
    procedure_wrongly_declined: Tally = field(default_factory=Tally)
    # Of the wrongly declined: the right entry was among the buttons offered with the decline.
    declined_but_suggested: Tally = field(default_factory=Tally)
    aspect: Tally = field(default_factory=Tally)
    none_declined: Tally = field(default_factory=Tally)  # declined or referred: no procedure answer
    none_given_suggestions: Tally = field(default_factory=Tally)  # declined, yet offered entries to pick
    referral_right: Tally = field(default_factory=Tally)  # out of scope with a known place: referred there
    complaint_intent: Tally = field(default_factory=Tally)
    false_complaint: Tally = field(default_factory=Tally)  # questions taken for complaints
    commitment_intent: Tally = field(default_factory=Tally)
    no_diacritics: Tally = field(default_factory=Tally)
    errors: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[dict]:
    """The labelled questions of a file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [item for item in data if isinstance(item, dict) and "q" in item]


def _has_no_diacritics(text: str) -> bool:
    return strip_diacritics(text) == text


def evaluate(
    knowledge: Knowledge, questions: list[dict], answer: Callable[[str], Understanding] | None = None
) -> Report:
    """Score `answer` (default: our understanding) on labelled questions."""
    answer = answer or (lambda q: understand(knowledge, q))
    report = Report()
    for item in questions:
        q, kind = str(item["q"]), item["kind"]
        got = answer(q)
        if kind != "complaint":
            report.false_complaint.add(got.kind == "complaint")
        if kind == "procedure":
            # `also`: an entry the annotator judged equally right ("sang tên" and "tách thửa" asked at once).
            right = {item.get("expect"), *item.get("also", ())}
            ok = got.kind in ("procedure", "ambiguous") and got.procedure_id in right
            report.procedure_top1.add(ok)
            offered = got.kind in ("procedure", "ambiguous") and bool(right & {got.procedure_id, *got.choices})
            report.procedure_in_choices.add(offered)
            report.procedure_answered_directly.add(ok and got.kind == "procedure")
            report.procedure_wrongly_declined.add(got.kind in ("none", "referral"))
            if got.kind in ("none", "referral"):
                report.declined_but_suggested.add(bool(right & set(got.suggestions)))
            if item.get("aspect") and ok:
                report.aspect.add(got.aspect == item["aspect"])
        elif kind == "none":
            ok = got.kind in ("none", "referral")
            report.none_declined.add(ok)
            if got.kind == "none":
                report.none_given_suggestions.add(bool(got.suggestions))
            if item.get("referral"):
                report.referral_right.add(got.kind == "referral" and got.referral_id == item["referral"])
        else:
            ok = got.kind == kind
            {"complaint": report.complaint_intent, "commitment": report.commitment_intent}[kind].add(ok)
        if _has_no_diacritics(q):
            report.no_diacritics.add(ok)
        if not ok:
            report.errors.append(
                f"{q!r}: expected {kind} {item.get('expect') or item.get('referral') or ''} "
                f"got {got.kind} {got.procedure_id or got.referral_id or ''} "
                f"{[(c.id, c.score) for c in got.candidates[:3]]}"
            )
    return report


def bm25_answerer(knowledge: Knowledge) -> Callable[[str], Understanding] | None:
    """A baseline answering every question with the BM25 top procedure (None if bm25s is missing)."""
    try:
        import bm25s
    except ImportError:
        return None
    ids = list(knowledge.procedures)
    corpus = [fold(" ".join([p.name, *p.aliases, p.field])) for p in knowledge.procedures.values()]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False)

    def answer(question: str) -> Understanding:
        folded = fold(question)
        if not folded:
            return Understanding(question, "none")
        results, scores = retriever.retrieve(
            bm25s.tokenize([folded], stopwords=None, show_progress=False), k=1, show_progress=False
        )
        if float(scores[0][0]) <= 0:
            return Understanding(question, "none")
        return Understanding(question, "procedure", ids[int(results[0][0])])

    return answer


def format_report(ours: Report, baseline: Report | None) -> str:
    """A side-by-side table."""
    rows = [
        ("procedure top-1", "procedure_top1", ">= 95%"),
        ("  right entry among choices", "procedure_in_choices", ">= 95%"),
        ("  answered without asking back", "procedure_answered_directly", ""),
        ("  wrongly declined", "procedure_wrongly_declined", "<= 3%"),
        ("    right entry suggested", "declined_but_suggested", ""),
        ("  aspect detected", "aspect", ""),
        ("out-of-scope declined/referred", "none_declined", ">= 90%"),
        ("  referred to the right place", "referral_right", ""),
        ("  declined with suggestions", "none_given_suggestions", ""),
        ("complaint intent", "complaint_intent", ">= 90%"),
        ("questions taken for complaints", "false_complaint", "<= 2%"),
        ("commitment intent", "commitment_intent", ">= 90%"),
        ("no-diacritics questions", "no_diacritics", ">= 93%"),
    ]
    lines = [f"{'metric':32} {'ours':>16}   {'BM25 baseline':>16}   target"]
    for label, attr, target in rows:
        base = str(getattr(baseline, attr)) if baseline else "n/a"
        lines.append(f"{label:32} {getattr(ours, attr)!s:>16}   {base:>16}   {target}")
    return "\n".join(lines)


def meets_targets(report: Report) -> bool:
    """True when every target is met; a figure with no questions behind it does not count."""

    def at_least(tally: Tally, target: float) -> bool:
        return tally.total == 0 or tally.rate >= target

    def at_most(tally: Tally, target: float) -> bool:
        return tally.total == 0 or tally.rate <= target

    return (
        at_least(report.procedure_top1, TARGETS["procedure_top1"])
        and at_least(report.procedure_in_choices, TARGETS["procedure_in_choices"])
        and at_least(report.none_declined, TARGETS["none_declined"])
        and at_most(report.procedure_wrongly_declined, TARGETS["procedure_wrongly_declined_max"])
        and at_least(report.complaint_intent, TARGETS["complaint_intent"])
        and at_most(report.false_complaint, TARGETS["false_complaint_max"])
        and at_least(report.commitment_intent, TARGETS["commitment_intent"])
        and at_least(report.no_diacritics, TARGETS["no_diacritics"])
    )


def run_evaluation(knowledge: Knowledge, path: Path, show_errors: bool = False) -> int:
    """Print the comparison; exit code 0 when our figures meet the targets."""
    questions = load_questions(path)
    ours = evaluate(knowledge, questions)
    answerer = bm25_answerer(knowledge)
    baseline = evaluate(knowledge, questions, answerer) if answerer else None
    print(f"{path}: {len(questions)} questions")
    print(format_report(ours, baseline))
    if show_errors:
        print("\nErrors:")
        for line in ours.errors:
            print("  " + line)
    if baseline is None:
        print("(BM25 baseline skipped: install the test extras for bm25s)", file=sys.stderr)
    return 0 if meets_targets(ours) else 1

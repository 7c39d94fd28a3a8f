"""What a citizen's message is about: a procedure (and which part of it), a complaint, a commitment.

The decision is deliberately rule-based and explainable: cue phrases from the lexicon decide the
intent, the phrase index decides the procedure, and score thresholds decide when to offer choices
or to decline. The thresholds are tuned on the labelled sets (`python -m bot eval`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.knowledge import Knowledge
from bot.matcher import Candidate
from bot.textnorm import clean, fold, has_letters, sentences

Kind = Literal["procedure", "ambiguous", "complaint", "commitment", "none"]

# Below this a procedure is not named at all; the assistant declines rather than guesses.
ACCEPT_SCORE = 0.55
# Two candidates closer than this are both offered as choices.
AMBIGUITY_MARGIN = 0.06
# A commitment cue loses to a procedure the message clearly names (near misses such as
# "phiếu hẹn ghi 3 ngày mà kết hôn mất mấy ngày?").
CLEAR_PROCEDURE_SCORE = 0.8
COMMITMENT_SCORE = 0.45
MAX_CHOICES = 3


@dataclass(frozen=True)
class Understanding:
    """The outcome of reading one message; `as_json` is the `ask --json` contract."""

    question: str
    kind: Kind
    procedure_id: str | None = None
    aspect: str | None = None
    candidates: tuple[Candidate, ...] = ()
    commitment_ids: tuple[str, ...] = ()
    choices: tuple[str, ...] = field(default=())  # procedure ids offered when ambiguous

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "kind": self.kind,
            "procedure_id": self.procedure_id,
            "aspect": self.aspect,
            "candidates": [{"id": c.id, "score": c.score} for c in self.candidates[:5]],
            "commitment_ids": list(self.commitment_ids),
        }


def detect_aspect(knowledge: Knowledge, folded: str) -> str | None:
    """The part of a procedure asked about: the cue that ends last wins (questions end with it)."""
    best: tuple[int, int, str] | None = None
    for aspect, cues in knowledge.lexicon.aspects.items():
        if cues.pattern is None:
            continue
        for match in cues.pattern.finditer(folded):
            key = (match.end(), match.end() - match.start(), aspect)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def _asks_question(knowledge: Knowledge, text: str, focus_folded: str) -> bool:
    """A question about rights or rules ("có được ... không?") rather than a narrated incident."""
    if knowledge.lexicon.rights_question.count(focus_folded):
        return True
    return text.rstrip().endswith("?") or focus_folded.endswith((" khong", " chua", " ko"))


_FILLER = frozenset(
    [
        "can",
        "gi",
        "nhung",
        "cac",
        "la",
        "co",
        "khong",
        "a",
        "ah",
        "nhe",
        "voi",
        "toi",
        "em",
        "minh",
        "thi",
        "phai",
        "lam",
        "sao",
        "the",
        "nao",
        "nhu",
    ]
)


def _names_something(knowledge: Knowledge, folded: str) -> bool:
    """Whether anything is left once the asked aspect and filler words are taken away.

    "cần giấy tờ gì" asks for documents of no procedure in particular: answering with the best
    match would be a guess.
    """
    rest = folded
    for cues in knowledge.lexicon.aspects.values():
        rest = cues.remove(rest)
    # Cues overlap ("cần giấy" | "giấy tờ"), so leftovers of a cue phrase do not count either.
    cue_words = knowledge.lexicon.aspect_words
    return any(word not in _FILLER and word not in cue_words for word in rest.split())


def _focus(text: str) -> str:
    """The last sentence holding letters: in a long story, the question comes last."""
    parts = [s for s in sentences(text) if has_letters(s)]
    return parts[-1] if parts else text


# "…đã công chứng hợp đồng, giờ đăng ký biến động thế nào": after "giờ"/"vậy"/"nay" comes the question.
_TURN = re.compile(r",\s*(?:(?:thì\s+)?(?:giờ|bây giờ|nay|vậy|vậy thì|giờ thì|thế thì)\b)", re.IGNORECASE)
CLAUSE_MARGIN = 0.05


def _procedure_candidates(knowledge: Knowledge, text: str, focus: str) -> list[Candidate]:
    """Candidates for the question: the clause after a turn word, else the last sentence, else all."""
    index = knowledge.procedure_index
    parts = _TURN.split(focus)
    if len(parts) > 1 and has_letters(parts[-1]):
        clause = index.search(parts[-1])
        if clause and clause[0].score >= ACCEPT_SCORE + CLAUSE_MARGIN:
            return clause
    if focus == text:
        return index.search(text)
    focused = index.search(focus)
    if focused and focused[0].score >= ACCEPT_SCORE:
        return focused
    return index.search(text)


# The intent model overrides the cue rules only when it is this sure.
MODEL_OVERRIDE = 0.9


def understand(knowledge: Knowledge, question: str) -> Understanding:
    """Classify one message and find what it names: cue rules first, then the intent model."""
    ruled = _by_rules(knowledge, question)
    # Measured on the labelled sets: the model is good at spotting complaints and commitment
    # questions the cues miss, but mistakes long procedure questions for stories, so it never
    # overrides a named procedure.
    if ruled.kind in ("none", "commitment"):
        posterior = knowledge.intent_model.posterior(question)
        best = max(posterior, key=posterior.get)  # type: ignore[arg-type]
        top = ruled.candidates[0].score if ruled.candidates else 0.0
        sure = posterior[best] >= MODEL_OVERRIDE
        at_office = knowledge.lexicon.admin_context.count(knowledge.lexicon.expand(fold(question))) > 0
        if ruled.kind == "none" and best in ("complaint", "commitment") and sure and at_office:
            return _replace_kind(knowledge, ruled, best)
        if ruled.kind == "commitment" and best == "procedure" and sure and top >= ACCEPT_SCORE:
            return _replace_kind(knowledge, ruled, "procedure")
    return ruled


def _replace_kind(knowledge: Knowledge, ruled: Understanding, kind: Kind) -> Understanding:
    if kind == "procedure":
        focus_folded = knowledge.lexicon.expand(fold(_focus(clean(ruled.question))))
        aspect = detect_aspect(knowledge, focus_folded)
        return Understanding(ruled.question, "procedure", ruled.candidates[0].id, aspect, ruled.candidates)
    ids = ruled.commitment_ids
    if kind == "commitment" and not ids:
        found = knowledge.commitment_index.search(ruled.question, limit=3)
        ids = tuple(c.id for c in found if c.score >= COMMITMENT_SCORE / 2)
    return Understanding(ruled.question, kind, candidates=ruled.candidates, commitment_ids=ids)


def _by_rules(knowledge: Knowledge, question: str) -> Understanding:
    """Cue phrases and match scores alone."""
    text = clean(question)
    if not has_letters(text):
        return Understanding(question, "none")
    lex = knowledge.lexicon
    folded = lex.expand(fold(text))
    focus = _focus(text)
    focus_folded = lex.expand(fold(focus))
    candidates = _procedure_candidates(knowledge, text, focus)
    top = candidates[0].score if candidates else 0.0
    commitments = [c for c in knowledge.commitment_index.search(text, limit=3) if c.score >= COMMITMENT_SCORE]
    commitment_ids = tuple(c.id for c in commitments)

    complaint = lex.complaint.count(folded)
    weak_commitment = lex.commitment_weak.count(folded)
    commitment = lex.commitment.count(lex.commitment_weak.remove(folded))
    asks = _asks_question(knowledge, text, focus_folded)
    narrates = lex.complaint_report.count(folded) > 0
    soft_complaint = lex.officials.count(folded) and lex.misconduct_soft.count(folded) and not asks
    best_commitment = commitments[0].score if commitments else 0.0
    names_procedure = top >= ACCEPT_SCORE and (top >= CLEAR_PROCEDURE_SCORE or not commitment) and top > best_commitment

    def as_kind(kind: Kind) -> Understanding:
        return Understanding(question, kind, candidates=tuple(candidates), commitment_ids=commitment_ids)

    if complaint and not (asks and commitment and not narrates):
        return as_kind("complaint")
    if (commitment or weak_commitment) and narrates and not asks and not names_procedure:
        return as_kind("complaint")  # "hồ sơ của tôi trễ hẹn mà ...": a report, not a question
    if soft_complaint and narrates:  # an incident told about an official, even if it names a procedure
        return as_kind("complaint")
    if commitment and not names_procedure:
        return as_kind("commitment")
    aspect = detect_aspect(knowledge, focus_folded) or detect_aspect(knowledge, folded)
    if lex.off_topic.count(folded) and top < CLEAR_PROCEDURE_SCORE:
        return as_kind("none")  # chit-chat that shares words with a procedure
    if top < ACCEPT_SCORE or not _names_something(knowledge, folded):
        return as_kind("none")
    repaired = " ".join(knowledge.procedure_index.query_tokens(text))  # "dang kys" is "đăng ký"
    if top < CLEAR_PROCEDURE_SCORE and aspect is None and not lex.procedure_acts.count(repaired):
        # Shares words with a procedure but neither asks about one nor names an act of one
        # ("xe máy nào đi đường dài ít hao xăng"): not a question for the one-stop desk.
        return as_kind("none")
    close = [c for c in candidates if c.score >= ACCEPT_SCORE and top - c.score < AMBIGUITY_MARGIN]
    best = candidates[0].id
    if len(close) > 1:
        choices = tuple(c.id for c in close[:MAX_CHOICES])
        return Understanding(question, "ambiguous", best, aspect, tuple(candidates), choices=choices)
    return Understanding(question, "procedure", best, aspect, tuple(candidates))

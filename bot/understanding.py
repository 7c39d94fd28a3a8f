"""What a citizen's message is about: a procedure (and which part of it), a complaint, a commitment.

The decision is deliberately rule-based and explainable: cue phrases from the lexicon decide the
intent, the phrase index decides the procedure, and score thresholds decide when to offer choices
or to decline. The thresholds are tuned on the labelled sets (`python -m bot eval`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.knowledge import Knowledge
from bot.matcher import Candidate
from bot.textnorm import clean, fold, has_letters, sentences

Kind = Literal["procedure", "ambiguous", "complaint", "commitment", "none"]

# Below this a procedure is not named at all; the assistant declines rather than guesses.
ACCEPT_SCORE = 0.5
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


def _focus(text: str) -> str:
    """The last sentence holding letters: in a long story, the question comes last."""
    parts = [s for s in sentences(text) if has_letters(s)]
    return parts[-1] if parts else text


def _procedure_candidates(knowledge: Knowledge, text: str, focus: str) -> list[Candidate]:
    index = knowledge.procedure_index
    if focus == text:
        return index.search(text)
    focused = index.search(focus)
    if focused and focused[0].score >= ACCEPT_SCORE:
        return focused
    return index.search(text)


def understand(knowledge: Knowledge, question: str) -> Understanding:
    """Classify one message and find what it names."""
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
    commitment = lex.commitment.count(folded)
    asks_rights = lex.rights_question.count(focus_folded) > 0
    narrates = lex.complaint_report.count(folded) > 0

    if complaint and not (asks_rights and (commitment or commitments) and not narrates):
        return Understanding(question, "complaint", candidates=tuple(candidates), commitment_ids=commitment_ids)
    names_procedure = top >= CLEAR_PROCEDURE_SCORE and not commitments
    if (commitment or commitments) and not names_procedure:
        return Understanding(question, "commitment", candidates=tuple(candidates), commitment_ids=commitment_ids)
    if lex.off_topic.count(folded):
        return Understanding(question, "none", candidates=tuple(candidates))
    if top < ACCEPT_SCORE:
        return Understanding(question, "none", candidates=tuple(candidates))

    aspect = detect_aspect(knowledge, focus_folded) or detect_aspect(knowledge, folded)
    close = [c for c in candidates if c.score >= ACCEPT_SCORE and top - c.score < AMBIGUITY_MARGIN]
    best = candidates[0].id
    if len(close) > 1:
        choices = tuple(c.id for c in close[:MAX_CHOICES])
        return Understanding(question, "ambiguous", best, aspect, tuple(candidates), choices=choices)
    return Understanding(question, "procedure", best, aspect, tuple(candidates))

"""A small multinomial Naive Bayes model of what a message is: procedure, complaint, commitment, none.

Cue phrases catch the clear cases; this model catches the rest ("ông cán bộ có mùi rượu",
"chỉ số hài lòng năm nay là bao nhiêu") from examples in `knowledge/intents.yaml` and from the
catalogue itself (every procedure name and alias, asked in a few usual ways). It trains in a few
milliseconds at start-up. scikit-learn would do the same but costs 1.1 s and 120 MB to import,
more than the whole start-up budget, for a model this size.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.lexicon import Lexicon
from bot.matcher import syllable_pairs
from bot.textnorm import fold
from bot.yamlsource import Problem, load_model, load_models

KINDS = ("procedure", "complaint", "commitment", "none")
PROCEDURE = "procedure"
SMOOTHING = 0.3
# How a procedure's name is asked about, to teach the model procedure questions from the catalogue.
PROCEDURE_TEMPLATES = ("{}", "{} cần giấy tờ gì", "{} ở đâu", "{} bao nhiêu tiền", "{} mất bao lâu", "thủ tục {}")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class IntentsFile(BaseModel):
    """Schema of `knowledge/intents.yaml`."""

    model_config = ConfigDict(extra="forbid")

    complaint: list[Text] = Field(min_length=10)
    commitment: list[Text] = Field(min_length=10)
    none: list[Text] = Field(min_length=10)


class RealExample(BaseModel):
    """A message a citizen published, labelled by kind (`knowledge/real_examples.yaml`)."""

    model_config = ConfigDict(extra="forbid")

    text: Text
    kind: Literal["procedure", "complaint", "commitment", "none"]
    source: Text  # where it was published: real text is quoted, never made up


def load_intents(path: Path) -> tuple[IntentsFile | None, list[Problem]]:
    return load_model(path, IntentsFile)


def load_real_examples(path: Path) -> tuple[list[RealExample], list[Problem]]:
    """The labelled real messages, or none when the deployment ships no such file."""
    if not path.exists():
        return [], []
    items, problems = load_models(path, RealExample)
    return [item for item, _ in items], problems


def _features(lexicon: Lexicon, text: str) -> list[str]:
    return syllable_pairs(lexicon.expand(fold(text)).split())


@dataclass(frozen=True)
class IntentModel:
    """Log-probabilities of features per kind; uniform priors (the classes are not sampled fairly)."""

    lexicon: Lexicon
    log_prob: dict[str, dict[str, float]]
    log_unseen: dict[str, float]

    @classmethod
    def train(cls, lexicon: Lexicon, examples: Iterable[tuple[str, str]]) -> IntentModel:
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        for kind, text in examples:
            counts[kind].update(_features(lexicon, text))
        # The catalogue's examples grow with every entry (150 entries give several times the words of
        # all hand-written examples together). Left as they are, they swamp the model as the catalogue
        # grows: the procedure class outweighs the others and its vocabulary inflates every class's
        # smoothing, which moved complaint and out-of-scope posteriors. So the procedure class weighs
        # as much as the largest other class, and smoothing counts the other classes' vocabulary only:
        # the posteriors then barely depend on the catalogue's size (measured 46 vs 150 entries).
        others = [kind for kind in KINDS if kind != PROCEDURE]
        target = max(sum(counts[kind].values()) for kind in others)
        total_procedure = sum(counts[PROCEDURE].values())
        if total_procedure > target > 0:
            scale = target / total_procedure
            counts[PROCEDURE] = Counter({f: n * scale for f, n in counts[PROCEDURE].items()})
        size = len(set().union(*(counts[kind] for kind in others))) or len(counts[PROCEDURE])
        log_prob, log_unseen = {}, {}
        for kind, counter in counts.items():
            total = sum(counter.values()) + SMOOTHING * size
            log_prob[kind] = {f: math.log((n + SMOOTHING) / total) for f, n in counter.items()}
            log_unseen[kind] = math.log(SMOOTHING / total)
        return cls(lexicon, log_prob, log_unseen)

    def posterior(self, text: str) -> dict[str, float]:
        """P(kind | text) for every kind (features never seen in training are ignored)."""
        feats = [f for f in _features(self.lexicon, text) if any(f in lp for lp in self.log_prob.values())]
        scores = {kind: sum(self.log_prob[kind].get(f, self.log_unseen[kind]) for f in feats) for kind in KINDS}
        top = max(scores.values())
        exp = {kind: math.exp(score - top) for kind, score in scores.items()}
        norm = sum(exp.values())
        return {kind: value / norm for kind, value in exp.items()}


def training_examples(
    intents: IntentsFile,
    procedure_names: Iterable[str],
    procedure_aliases: Iterable[str],
    commitment_phrases: Iterable[str],
    real: Iterable[RealExample] = (),
) -> list[tuple[str, str]]:
    """Labelled texts: the intents file, the catalogue's names asked in usual ways, aliases, pledges,
    and messages citizens really published.

    Templates apply to names only: aliases add vocabulary, and templating them too would make
    training six times larger with a big catalogue for no measured gain. Real messages teach what
    hand-written examples miss: trained on them, the model recognised complaints in real messages
    it had not seen far better (benchmarks/results/catalogue_growth_accuracy.md).
    """
    examples = [(item.kind, item.text) for item in real]
    examples += [("complaint", t) for t in intents.complaint]
    examples += [("commitment", t) for t in intents.commitment]
    examples += [("none", t) for t in intents.none]
    examples += [("procedure", tpl.format(p)) for p in procedure_names for tpl in PROCEDURE_TEMPLATES]
    examples += [("procedure", a) for a in procedure_aliases]
    examples += [("commitment", t) for t in commitment_phrases]
    return examples

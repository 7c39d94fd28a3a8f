"""All the bundled knowledge, loaded, validated and indexed as one immutable value.

A reload builds a new `Knowledge` and swaps it in only when it is valid, so the assistant never
serves a half-edited catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.catalogue import Procedure, load_catalogue
from bot.commitments import Commitment, load_commitments
from bot.intents import IntentModel, IntentsFile, load_intents, training_examples
from bot.lexicon import Lexicon, load_lexicon
from bot.matcher import PhraseIndex
from bot.yamlsource import InvalidKnowledge, Problem


@dataclass(frozen=True)
class Knowledge:
    """Procedures, commitments and language data with their search indices."""

    procedures: dict[str, Procedure]
    commitments: dict[str, Commitment]
    lexicon: Lexicon
    procedure_index: PhraseIndex = field(repr=False)
    commitment_index: PhraseIndex = field(repr=False)
    intent_model: IntentModel = field(repr=False)


def check_knowledge(directory: Path) -> tuple[Knowledge | None, list[Problem]]:
    """Load everything under `directory`; return the knowledge (None if unusable) and all problems."""
    lexicon, problems = load_lexicon(directory / "lexicon.yaml")
    intents, intent_problems = load_intents(directory / "intents.yaml")
    procedures, proc_problems = load_catalogue(directory / "procedures")
    commitments, commit_problems = load_commitments(directory / "commitments")
    problems += intent_problems + proc_problems + commit_problems
    if lexicon is None or intents is None or problems:
        return None, problems
    return build_knowledge(procedures, commitments, lexicon, intents), []


def build_knowledge(
    procedures: list[Procedure], commitments: list[Commitment], lexicon: Lexicon, intents: IntentsFile
) -> Knowledge:
    """Index validated entries and train the intent model."""
    procedure_index = PhraseIndex([(p.id, [p.name, *p.aliases]) for p in procedures], lexicon)
    commitment_index = PhraseIndex([(c.id, [c.title, *c.aliases]) for c in commitments], lexicon)
    examples = training_examples(
        intents,
        [p.name for p in procedures],
        [alias for p in procedures for alias in p.aliases],
        [phrase for c in commitments for phrase in (c.title, *c.aliases)],
    )
    return Knowledge(
        procedures={p.id: p for p in procedures},
        commitments={c.id: c for c in commitments},
        lexicon=lexicon,
        procedure_index=procedure_index,
        commitment_index=commitment_index,
        intent_model=IntentModel.train(lexicon, examples),
    )


def load_knowledge(directory: Path) -> Knowledge:
    """Load the knowledge or raise `InvalidKnowledge` listing every problem."""
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        raise InvalidKnowledge(problems)
    return knowledge

"""All the bundled knowledge, loaded, validated and indexed as one immutable value.

A reload builds a new `Knowledge` and swaps it in only when it is valid, so the assistant never
serves a half-edited catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from bot.answers import SituationCues, situation_cues
from bot.catalogue import Procedure, load_catalogue
from bot.commitments import Commitment, load_commitments
from bot.context import ContextIndex
from bot.glossary import Glossary, load_glossary
from bot.intents import IntentModel, IntentsFile, RealExample, load_intents, load_real_examples, training_examples
from bot.knowledgecache import knowledge_key, read_cached, write_cached
from bot.lexicon import Cues, Lexicon, load_lexicon
from bot.matcher import PhraseIndex
from bot.referrals import Referral, load_referrals, unknown_related
from bot.textnorm import fold
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
    context_index: ContextIndex = field(repr=False)  # each entry's whole text, to order candidates
    referrals: dict[str, Referral] = field(default_factory=dict)
    referral_cues: dict[str, Cues] = field(default_factory=dict, repr=False)  # id -> its phrases, expanded
    referral_background: dict[str, Cues] = field(default_factory=dict, repr=False)  # id -> past-context phrases

    @cached_property
    def body_index(self) -> PhraseIndex:
        """What the whole entry says (papers, notes, situations), to decide between close candidates
        when names and aliases do not. Built on first use: it is three times the size of the name
        index and only ambiguous questions need it, so start-up does not pay for it."""
        return PhraseIndex([(p.id, _body(p)) for p in self.procedures.values()], self.lexicon)
    glossary: Glossary = field(default_factory=Glossary, repr=False)

    @cached_property
    def situation_cues(self) -> dict[str, SituationCues]:
        """Procedure id -> its situation phrases read with the lexicon, once (see `bot.answers`)."""
        return {p.id: situation_cues(p, self.lexicon.expand) for p in self.procedures.values()}

    @cached_property
    def entry_texts(self) -> dict[str, str]:
        """Procedure id -> all its text, folded; built on first use like the body index."""
        return {p.id: _entry_text(p, self.lexicon) for p in self.procedures.values()}


def check_knowledge(directory: Path, cache_dir: Path | None = None) -> tuple[Knowledge | None, list[Problem]]:
    """Load everything under `directory`; return the knowledge (None if unusable) and all problems.

    With `cache_dir`, valid knowledge is cached there, keyed by the files' hash, and reused while
    the files (and the code) are unchanged.
    """
    if cache_dir is None:
        return _check_files(directory)
    key = knowledge_key(directory)
    cached = read_cached(cache_dir, key)
    if isinstance(cached, Knowledge):
        return cached, []
    knowledge, problems = _check_files(directory)
    if knowledge is not None:
        write_cached(cache_dir, key, knowledge)
    return knowledge, problems


def _check_files(directory: Path) -> tuple[Knowledge | None, list[Problem]]:
    lexicon, problems = load_lexicon(directory / "lexicon.yaml")
    intents, intent_problems = load_intents(directory / "intents.yaml")
    real, real_problems = load_real_examples(directory / "real_examples.yaml")
    intent_problems += real_problems
    procedures, proc_problems = load_catalogue(directory / "procedures")
    commitments, commit_problems = load_commitments(directory / "commitments")
    referrals, referral_problems = load_referrals(directory / "referrals.yaml")
    referral_problems += unknown_related(referrals, {p.id for p in procedures}, directory / "referrals.yaml")
    glossary, glossary_problems = load_glossary(directory / "glossary.yaml")
    problems += intent_problems + proc_problems + commit_problems + referral_problems + glossary_problems
    if lexicon is None or intents is None or problems:
        return None, problems
    problems = _named_off_topic(lexicon, procedures, directory / "lexicon.yaml")
    if problems:
        return None, problems
    knowledge = build_knowledge(procedures, commitments, lexicon, intents, referrals, real)
    return replace(knowledge, glossary=glossary), []


def build_knowledge(
    procedures: list[Procedure],
    commitments: list[Commitment],
    lexicon: Lexicon,
    intents: IntentsFile,
    referrals: list[Referral] | None = None,
    real: list[RealExample] | None = None,
) -> Knowledge:
    """Index validated entries and train the intent model."""
    procedure_index = PhraseIndex([(p.id, [p.name, *p.aliases, *_situation_phrases(p)]) for p in procedures], lexicon)
    context_index = ContextIndex.build(
        [(p.id, [p.name, *p.aliases, *_situation_phrases(p), *_body(p)]) for p in procedures], procedure_index
    )
    commitment_index = PhraseIndex([(c.id, [c.title, *c.aliases]) for c in commitments], lexicon)
    examples = training_examples(
        intents,
        [p.name for p in procedures],
        [alias for p in procedures for alias in p.aliases],
        [phrase for c in commitments for phrase in (c.title, *c.aliases)],
        real or (),
    )
    return Knowledge(
        procedures={p.id: p for p in procedures},
        commitments={c.id: c for c in commitments},
        lexicon=lexicon,
        procedure_index=procedure_index,
        context_index=context_index,
        commitment_index=commitment_index,
        intent_model=IntentModel.train(lexicon, examples),
        referrals={r.id: r for r in referrals or []},
        referral_cues={r.id: Cues.of([lexicon.expand(fold(p)) for p in r.phrases]) for r in referrals or []},
        referral_background={r.id: Cues.of([lexicon.expand(fold(p)) for p in r.background]) for r in referrals or []},
    )


def _named_off_topic(lexicon: Lexicon, procedures: list[Procedure], path: Path) -> list[Problem]:
    """Off-topic cues that a catalogue entry's own name or aliases use.

    An off-topic cue declines the messages it appears in; once the catalogue gains the matter
    ("học phí" when school-fee exemption became an entry) it would decline questions the catalogue
    answers.
    """
    found = [
        (cue, proc.id, phrase)
        for proc in procedures
        for phrase in (proc.name, *proc.aliases)
        for cue in lexicon.off_topic.find(lexicon.expand(fold(phrase)))
    ]
    if not found:
        return []
    # The file is read again only to point at the cue's line, which a clean catalogue never needs.
    lines = [fold(line.strip().removeprefix("- ")) for line in path.read_text(encoding="utf-8").splitlines()]
    return [
        Problem(str(path), lines.index(cue) + 1 if cue in lines else 0, f"off_topic '{cue}' names catalogue entry {pid} ('{phrase}')")
        for cue, pid, phrase in found
    ]


def _situation_phrases(proc: Procedure) -> list[str]:
    return [phrase for situation in proc.situations for phrase in situation.phrases]


def _entry_text(proc: Procedure, lexicon: Lexicon) -> str:
    """Everything an entry says, folded and expanded like a message, for whole-word lookups."""
    parts = [proc.name, *proc.aliases, *_body(proc), *(p for s in proc.situations for p in s.phrases)]
    return " " + " ".join(lexicon.expand(fold(part)) for part in parts) + " "


def _body(proc: Procedure) -> list[str]:
    """The entry's text beyond its names, one phrase per document, note sentence and situation."""
    texts = [*proc.documents, *(s.advice for s in proc.situations)]
    if proc.notes:
        texts += [part for part in proc.notes.split(". ") if part.strip()]
    return texts


def load_knowledge(directory: Path) -> Knowledge:
    """Load the knowledge or raise `InvalidKnowledge` listing every problem."""
    knowledge, problems = check_knowledge(directory)
    if knowledge is None:
        raise InvalidKnowledge(problems)
    return knowledge

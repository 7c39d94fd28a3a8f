"""Plain words: abbreviations and jargon spelled out in answers (`knowledge/glossary.yaml`).

Citizens read "DVCQG", "HĐND" or "toàn trình" as noise. The catalogue may keep the short forms
(editors write them); answers pass through `Glossary.apply`, which spells each one out. Document
numbers ("123/2015/NĐ-CP") are identifiers, not abbreviations, and are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from bot.yamlsource import Problem, load_models

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# A term is a whole word: not glued to letters, digits, or the "/" "-" "." of a document number.
_BEFORE = r"(?<![\w/.\-])"
_AFTER = r"(?![\w/\-]|\.\w)"
_TAG = r"<[^>]+>"
# Tokens that look like abbreviations: two capitals or more in one word (HĐND, VNeID, DVCQG).
ABBREVIATION = re.compile(_BEFORE + r"([^\W\d_]*[A-ZĐ][^\W\d_]*[A-ZĐ][^\W\d_]*)" + _AFTER)
ROMAN = re.compile(r"^[IVXLC]+$")


class Term(BaseModel):
    """One entry of the glossary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: Text
    plain: Text


@dataclass(frozen=True)
class Glossary:
    """The terms, longest first, each with its compiled pattern."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def of(cls, terms: list[Term]) -> Glossary:
        return cls(tuple(sorted(terms, key=lambda t: -len(t.term))))

    def known(self, word: str) -> bool:
        """Whether `word` is a term the glossary explains (or a word everyone knows)."""
        return any(t.term == word for t in self.terms)

    @cached_property
    def _replacing(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """One pattern for every always-replaced term (longest first), so a message takes one pass."""
        plain = {t.term: t.plain for t in self.terms if t.term not in t.plain}
        if not plain:
            return None, plain
        alternatives = "|".join(re.escape(term) for term in sorted(plain, key=len, reverse=True))
        return re.compile(rf"({_TAG})|{_BEFORE}({alternatives}){_AFTER}"), plain

    def apply(self, html: str) -> str:
        """Spell out every term in a message (HTML of our subset; tags are left alone)."""
        pattern, plain = self._replacing
        if pattern is not None:
            html = pattern.sub(lambda m: m.group(1) or plain[m.group(2)], html)
        for term in self.terms:
            if term.term in term.plain and term.plain != term.term:
                html = _spell_out(html, term)
        return html

    def unexplained(self, plain_text: str) -> list[str]:
        """Abbreviation-like words a reader could not decode: neither explained nor an identifier."""
        found = []
        for match in ABBREVIATION.finditer(plain_text):
            word = match.group(1)
            if ROMAN.match(word):
                continue
            entry = next((t for t in self.terms if t.term == word), None)
            if entry is None:
                found.append(word)
            elif entry.plain != entry.term and entry.term in entry.plain:
                # Explained on first use: the plain form must come before (or at) this use.
                start = plain_text.find(entry.plain)
                if start == -1 or start > match.start():
                    found.append(word)
            elif entry.term not in entry.plain:
                found.append(word)  # should have been replaced
        return found


def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"({_TAG})|{_BEFORE}{re.escape(term)}{_AFTER}")


def _spell_out(html: str, term: Term) -> str:
    pattern = _pattern(term.term)
    if term.term not in term.plain:
        return pattern.sub(lambda m: m.group(1) or term.plain, html)
    # Explain once: the first use that is not already inside the spelled-out form.
    offset = term.plain.index(term.term)
    for match in pattern.finditer(html):
        if match.group(1):
            continue
        start = match.start() - offset
        if start >= 0 and html[start : start + len(term.plain)] == term.plain:
            return html  # already said in full before any short use
        return html[: match.start()] + term.plain + html[match.end() :]
    return html


def load_glossary(path: Path) -> tuple[Glossary, list[Problem]]:
    """Load the glossary; a missing file is an empty glossary (the product runs without one)."""
    if not path.exists():
        return Glossary(), []
    loaded, problems = load_models(path, Term)
    for term, line in loaded:
        if len(term.plain) < len(term.term):  # answers are fitted to the screen before spelling out
            problems.append(Problem(str(path), line, f"plain form of {term.term!r} is shorter than the term"))
    return Glossary.of([term for term, _line in loaded]), problems

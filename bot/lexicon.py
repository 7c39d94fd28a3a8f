"""The language knowledge of `knowledge/lexicon.yaml`: abbreviations, synonyms and intent cues.

Kept as data so that a ward can teach the assistant a new local word without touching code. Every
phrase is folded (see `bot.textnorm.fold`) on load, so the file is written in normal Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.categories import COMPLAINT_CATEGORIES
from bot.textnorm import fold, letters_and_marks, typed_as, typed_words, words
from bot.yamlsource import Problem, load_model

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ASPECTS = ("documents", "fees", "time", "where", "online", "legal_basis")


class LexiconFile(BaseModel):
    """Schema of `knowledge/lexicon.yaml`."""

    model_config = ConfigDict(extra="forbid")

    abbreviations: dict[Text, Text]  # one typed word -> what it stands for
    synonyms: dict[Text, Text]  # a phrase -> the phrase the catalogue uses
    aspects: dict[Text, list[Text]]  # aspect -> cue phrases
    complaint: list[Text]  # cues that a message reports misconduct
    complaint_report: list[Text]  # cues that a message narrates the asker's own case
    commitment: list[Text]  # cues that a message asks what the desk has pledged
    commitment_weak: list[Text]  # commitment words procedure questions use in passing
    officials: list[Text]  # who misconduct is about
    admin_context: list[Text]  # words placing a message at a public office
    procedure_acts: list[Text] = Field(default_factory=list)  # verbs and nouns of doing a procedure
    misconduct_soft: list[Text]  # conduct cues that need an official and a narrated incident
    rights_question: list[Text]  # "có được ... không": asks about an entitlement, not a report
    off_topic: list[Text]  # cues of chit-chat that share words with procedures
    greetings: list[Text] = Field(default_factory=list)
    # Asking for advice in words, without a question mark ("xin tư vấn", "mong được giải đáp").
    requests: list[Text] = Field(default_factory=list)
    # Words that name nothing by themselves ("cần", "gì", "tôi"): a question left with only these
    # once its aspect is taken away asks about no procedure in particular.
    filler: list[Text] = Field(default_factory=list)
    # Words of asking itself ("xin hỏi, thủ tục như thế nào?"): a last sentence of only these (and
    # filler) points back at the story before it.
    asking: list[Text] = Field(default_factory=list)
    # Question words people type without a question mark ("đkkh thì ra ubnd phường nào ạ").
    question_words: list[Text] = Field(default_factory=list)
    # Words that turn a sentence against what came before ("nhưng"): praise followed by them is not praise.
    contrast: list[Text] = Field(default_factory=list)
    # Praise of the desk ("hướng dẫn rất cụ thể", "tận tình"): a story of it is feedback, not a complaint.
    praise: list[Text] = Field(default_factory=list)
    # Words of a closing courtesy ("xin chân thành cảm ơn", "mong luật sư giúp đỡ"): a sentence of
    # only these (and requests) is not where the question is.
    courtesy: list[Text] = Field(default_factory=list)
    complaint_categories: dict[Text, list[Text]] = Field(default_factory=dict)  # category -> cues
    # Money demanded in any words: a complaint, and always routed above the ward it accuses.
    money_demand: list[Text] = Field(default_factory=list)
    # Verbs that turn an amount ("500 nghìn") into a demand ("đòi 500 nghìn mới ký").
    money_verbs: list[Text] = Field(default_factory=list)
    # Fee words: an amount beside them is a question about the official fee, not a demand.
    official_fees: list[Text] = Field(default_factory=list)
    # Money the law gives ("xin tiền mai táng phí", "hỗ trợ"): asking for it is a question.
    benefits: list[Text] = Field(default_factory=list)
    # The other side of a private matter (employer, neighbour, seller, landlord, bank): misconduct
    # told about them is a dispute for a court or an inspectorate, not a complaint about the ward.
    private_parties: list[Text] = Field(default_factory=list)
    # Words naming a public office or its people; narrower than admin_context ("hồ sơ", "giấy tờ"
    # are papers of private matters too).
    public_office: list[Text] = Field(default_factory=list)
    # Office words that fold into common words ("xã" = "xa", "phường" = "phương"): they name an
    # office only where the citizen typed their diacritics.
    public_office_marked: list[Text] = Field(default_factory=list)
    # Nouns that name a matter of their own (war invalids, maternity pay, a labour contract): an
    # entry that never mentions the one a message names is not what the message asks about.
    domain_terms: list[Text] = Field(default_factory=list)


# An amount of money as people type it, folded: "500 nghin", "500k", "2 trieu", "vai xi", "3 chi vang".
_AMOUNT = re.compile(
    r"\b(?:\d+(?:[.,]\d+)*\s*(?:k|nghin|ngan|trieu|tr|cu|lit|xi|dong|d|chi|ty)"
    r"|(?:vai|may|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi|tram)\s+(?:tram\s+)?(?:nghin|ngan|trieu|cu|lit|xi|chi))\b"
)


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """One regex matching any of the folded phrases as whole words, longest first."""
    folded = sorted({f for f in map(fold, phrases) if f}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in folded) + r")\b")


def _resolve_chains(synonyms: dict[str, str]) -> dict[str, str]:
    """Map each phrase to its final form, so one regex pass does what chained passes would.

    ("chứng minh nhân dân" -> "căn cước công dân" -> "căn cước").
    """
    pattern = _phrase_pattern(list(synonyms))
    resolved = {}
    for phrase, replacement in synonyms.items():
        text = replacement
        for _ in range(5):  # chains are short; the bound guards against a cycle in the file
            new = pattern.sub(lambda m: synonyms[m.group(0)], text) if pattern else text
            if new == text:
                break
            text = new
        resolved[phrase] = text
    return resolved


@dataclass(frozen=True)
class Cues:
    """A set of cue phrases, matched as whole words on folded text."""

    pattern: re.Pattern[str] | None
    phrases: tuple[str, ...] = ()  # folded
    written: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # folded -> words as written

    @classmethod
    def of(cls, phrases: list[str]) -> Cues:
        folded = sorted({f for f in map(fold, phrases) if f})
        written: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            if key := fold(phrase):
                written.setdefault(key, []).append(tuple(words(phrase)))
        return cls(_phrase_pattern(folded), tuple(folded), {k: tuple(v) for k, v in written.items()})

    def find(self, folded_text: str) -> list[str]:
        """The cue phrases present in `folded_text`."""
        return self.pattern.findall(folded_text) if self.pattern else []

    def find_as_typed(self, folded_text: str, text: str) -> list[str]:
        """`find`, less the cues that `text` holds only with other diacritics than the cue's.

        Folding makes "bố bạn" (a friend's father) read as the complaint cue "bỏ bàn" (left the
        desk). A citizen who typed the marks told us which word they meant; one who typed none
        did not, and every reading stays possible.
        """
        found = self.find(folded_text)
        if not found:
            return found
        typed = typed_words(text)

        def meant(cue: str) -> bool:
            spans = self._spans(cue, typed)
            # No span: matched through an abbreviation or synonym the citizen did not spell out.
            return not spans or any(self._written_as(cue, span, typed_as) for span in spans)

        return [cue for cue in found if meant(cue)]

    def typed_with_marks(self, text: str) -> list[str]:
        """The cues `text` holds typed with exactly their diacritics ("xã", not "xa" or "xà")."""
        typed = typed_words(text)

        def exactly(typed_word: str, written: str) -> bool:
            return letters_and_marks(typed_word) == letters_and_marks(written)

        return [cue for cue in self.written if any(self._written_as(cue, span, exactly) for span in self._spans(cue, typed))]

    @staticmethod
    def _spans(cue: str, typed: list[tuple[str, str]]) -> list[tuple[str, ...]]:
        """The runs of typed words whose folded form is `cue`."""
        parts = cue.split()
        n = len(parts)
        return [
            tuple(word for word, _ in typed[i : i + n])
            for i in range(len(typed) - n + 1)
            if [folded for _, folded in typed[i : i + n]] == parts
        ]

    def _written_as(self, cue: str, span: tuple[str, ...], same: Callable[[str, str], bool]) -> bool:
        """Whether the typed `span` is one of the ways the lexicon writes `cue`, word by word."""
        return any(len(form) == len(span) and all(map(same, span, form)) for form in self.written.get(cue, ()))

    def count(self, folded_text: str) -> int:
        return len(self.find(folded_text))

    def remove(self, folded_text: str) -> str:
        """The text with every cue phrase blanked out."""
        return self.pattern.sub(" ", folded_text) if self.pattern else folded_text


@dataclass(frozen=True)
class Lexicon:
    """Folded, compiled lexicon ready for matching."""

    abbreviations: dict[str, str]
    synonym_pattern: re.Pattern[str] | None
    synonyms: dict[str, str]  # folded phrase -> its final folded replacement
    aspects: dict[str, Cues]
    complaint: Cues
    complaint_report: Cues
    commitment: Cues
    commitment_weak: Cues
    officials: Cues
    admin_context: Cues
    procedure_acts: Cues
    misconduct_soft: Cues
    rights_question: Cues
    off_topic: Cues
    greetings: Cues
    categories: dict[str, Cues]
    money_demand: Cues = Cues(None)
    money_verbs: Cues = Cues(None)
    official_fees: Cues = Cues(None)
    benefits: Cues = Cues(None)
    private_parties: Cues = Cues(None)
    public_office: Cues = Cues(None)
    public_office_marked: Cues = Cues(None)
    requests: Cues = Cues(None)
    question_words: Cues = Cues(None)
    filler: frozenset[str] = frozenset()
    asking: frozenset[str] = frozenset()
    praise: Cues = Cues(None)
    contrast: Cues = Cues(None)
    courtesy: Cues = Cues(None)
    domain_terms: Cues = Cues(None)

    @cached_property
    def aspect_words(self) -> frozenset[str]:
        """Every word of every aspect cue phrase."""
        return frozenset(w for cues in self.aspects.values() for phrase in cues.phrases for w in phrase.split())

    def tells_money_demanded(self, folded_text: str) -> bool:
        """Whether folded, expanded text tells of money demanded: a cue ("bồi dưỡng", "lót tay",
        "quỹ phúc lợi"), or an amount with a demand verb ("đòi 500 nghìn mới ký") and no fee word.

        Benefits the law gives are blanked first: "xin tiền mai táng phí" asks for an entitlement.
        """
        text = self.benefits.remove(folded_text)
        # "miễn đóng quỹ phòng chống thiên tai" names a statutory levy, not a fund a clerk collects:
        # a cue counts only outside a fee's name, unless the cue speaks of the fee ("ngoài lệ phí").
        outside_fees = set(self.money_demand.find(self.official_fees.remove(text)))
        if any(cue in outside_fees or self.official_fees.count(cue) for cue in self.money_demand.find(text)):
            return True
        return bool(_AMOUNT.search(text)) and bool(self.money_verbs.count(text)) and not self.official_fees.count(text)

    def praises(self, folded_text: str) -> bool:
        """Whether folded, expanded text praises the desk and does not turn against it afterwards
        ("rất nhiệt tình nhưng bắt tôi…" is a grievance; "hồ sơ thiếu, nhưng cán bộ hướng dẫn rất
        cụ thể" is praise)."""
        if self.praise.pattern is None:
            return False
        ends = [m.end() for m in self.praise.pattern.finditer(folded_text)]
        return bool(ends) and not self.contrast.count(folded_text[max(ends) :])

    def money_demanded_in(self, text: str) -> bool:
        """`tells_money_demanded` on raw text (a complaint's description)."""
        return self.tells_money_demanded(self.expand(fold(text)))

    def guess_category(self, text: str) -> str | None:
        """The complaint category whose cues a message names most, or None."""
        folded = self.expand(fold(text))
        if self.tells_money_demanded(folded):
            return "doi-tien"
        counts = {cat: cues.count(folded) for cat, cues in self.categories.items()}
        best = max(counts, key=counts.get, default=None)  # type: ignore[arg-type]
        return best if best and counts[best] else None

    def expand(self, folded_text: str) -> str:
        """Replace abbreviations and synonyms in folded text with the catalogue's words."""
        words = [self.abbreviations.get(w, w) for w in folded_text.split()]
        text = " ".join(words)
        if self.synonym_pattern is None:
            return text
        return self.synonym_pattern.sub(lambda m: self.synonyms[m.group(0)], text)

    @classmethod
    def from_file(cls, data: LexiconFile) -> Lexicon:
        return cls(
            abbreviations={fold(k): fold(v) for k, v in data.abbreviations.items()},
            synonym_pattern=_phrase_pattern(list(data.synonyms)),
            synonyms=_resolve_chains({fold(k): fold(v) for k, v in data.synonyms.items()}),
            aspects={aspect: Cues.of(cues) for aspect, cues in data.aspects.items()},
            complaint=Cues.of(data.complaint),
            complaint_report=Cues.of(data.complaint_report),
            commitment=Cues.of(data.commitment),
            commitment_weak=Cues.of(data.commitment_weak),
            officials=Cues.of(data.officials),
            admin_context=Cues.of(data.admin_context),
            procedure_acts=Cues.of(data.procedure_acts),
            misconduct_soft=Cues.of(data.misconduct_soft),
            rights_question=Cues.of(data.rights_question),
            off_topic=Cues.of(data.off_topic),
            greetings=Cues.of(data.greetings),
            requests=Cues.of(data.requests),
            question_words=Cues.of(data.question_words),
            filler=frozenset(w for word in data.filler for w in fold(word).split()),
            asking=frozenset(w for word in data.asking for w in fold(word).split()),
            praise=Cues.of(data.praise),
            contrast=Cues.of(data.contrast),
            courtesy=Cues.of(data.courtesy),
            categories={cat: Cues.of(cues) for cat, cues in data.complaint_categories.items()},
            money_demand=Cues.of(data.money_demand),
            money_verbs=Cues.of(data.money_verbs),
            official_fees=Cues.of(data.official_fees),
            benefits=Cues.of(data.benefits),
            private_parties=Cues.of(data.private_parties),
            public_office=Cues.of(data.public_office),
            public_office_marked=Cues.of(data.public_office_marked),
            domain_terms=Cues.of(data.domain_terms),
        )


def load_lexicon(path: Path) -> tuple[Lexicon | None, list[Problem]]:
    """Load and compile the lexicon file."""
    data, problems = load_model(path, LexiconFile)
    if data is None:
        return None, problems
    unknown_categories = sorted(set(data.complaint_categories) - set(COMPLAINT_CATEGORIES))
    if unknown_categories:
        problems.append(Problem(str(path), 1, f"complaint_categories: unknown {unknown_categories}"))
    unknown = sorted(set(data.aspects) - set(ASPECTS))
    if unknown:
        problems.append(Problem(str(path), 1, f"aspects: unknown aspect(s) {unknown}; expected {list(ASPECTS)}"))
    return Lexicon.from_file(data), problems

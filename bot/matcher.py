"""Find which catalogue entry a free-text question names.

Each entry (a procedure or a commitment) is described by phrases: its name and the aliases citizens
use. Phrases and questions are folded to ASCII syllables and expanded through the lexicon, then
compared as sets of syllables and syllable pairs weighted by rarity (IDF over entries):

- recall: how much of the entry's best phrase the question contains ("giấy khai sinh" fully present);
- precision: how much of the question's rare vocabulary belongs to this entry rather than another.

Typos are repaired before matching with rapidfuzz: a token that is not a Vietnamese syllable
("thuowng", "khaisinh") is replaced by the nearest catalogue word or split into two. Words that are
valid syllables are never "corrected", which is what keeps "những" from turning into "chứng".
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate, pairwise

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.lexicon import Lexicon
from bot.textnorm import fold, tone, typed_with_diacritics, typed_words

UNIGRAM_SHARE = 0.7
RECALL_WEIGHT = 0.65
PRECISION_WEIGHT = 1 - RECALL_WEIGHT

# A folded Vietnamese syllable: optional onset, one to three vowels, optional coda.
_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|tr|th|ph|kh|gh|gi|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?$")


def is_syllable(token: str) -> bool:
    """True when `token` could be a Vietnamese syllable (so it is a word, not a typo)."""
    return bool(_SYLLABLE.match(token)) or token.isdigit()


_TELEX_LETTERS = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"))


def untelex(token: str) -> str:
    """Undo Telex keystrokes left in text typed without a Vietnamese keyboard: "kys" -> "ki",
    "ddawng" -> "dang", "thuowng" -> "thuong" (tone letters s f r x j at the end, doubled vowels, w)."""
    word = token
    for telex, letter in _TELEX_LETTERS:
        word = word.replace(telex, letter)
    if len(word) > 2 and word[-1] in "sfrxj" and is_syllable(word[:-1]):
        word = word[:-1]
    return re.sub(r"^([bcdghklmnprstvx])y$", r"\1i", word)


def syllable_pairs(tokens: list[str]) -> list[str]:
    """Syllables and adjacent syllable pairs, repeats kept: pairs carry word order ("khai sinh" vs
    "sinh khai"). The BM25 context and the intent model count them; the phrase index wants a set."""
    return tokens + [f"{a}_{b}" for a, b in pairwise(tokens)]


def features(tokens: list[str]) -> set[str]:
    """The distinct syllables and adjacent pairs of `tokens`."""
    return set(syllable_pairs(tokens))


class PackedPostings(Mapping[str, np.ndarray]):
    """Postings lists stored end to end in one array; `postings[feature]` is a slice (no copy)."""

    def __init__(self, keys: list[str], lengths: list[int], flat: np.ndarray) -> None:
        self._keys = keys
        self._lengths = lengths
        self._flat = flat
        self._index = dict(zip(keys, range(len(keys)), strict=True))
        self._starts = [0, *accumulate(lengths)]

    def __getitem__(self, key: str) -> np.ndarray:
        i = self._index[key]
        return self._flat[self._starts[i] : self._starts[i + 1]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def packed(self) -> tuple[list[str], list[int], np.ndarray]:
        return self._keys, self._lengths, self._flat


@dataclass(frozen=True)
class Candidate:
    """An entry the question may name, with a score in [0, 1]."""

    id: str
    score: float


class PhraseIndex:
    """An inverted index over the phrases of entries; built once, read concurrently.

    Postings are numpy arrays so that a query sums the weights of all its features in a few
    vectorised calls: with 5,000 procedures the pure-Python loops took 26 ms per question.
    """

    def __init__(self, entries: list[tuple[str, list[str]]], lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._ids = [entry_id for entry_id, _ in entries]
        phrase_docs: list[int] = []
        phrase_feats: list[set[str]] = []
        doc_feats: list[set[str]] = [set() for _ in entries]
        # Each pair feature with the tones the catalogue writes it in ("khai_tu": tử, not từ).
        self._pair_tones: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for doc, (_, phrases) in enumerate(entries):
            for phrase in phrases:
                for (a, fa), (b, fb) in pairwise(typed_words(phrase)):
                    self._pair_tones[f"{fa}_{fb}"].add((tone(a), tone(b)))
                feats = features(self.phrase_tokens(phrase))
                if feats:
                    phrase_docs.append(doc)
                    phrase_feats.append(feats)
                    doc_feats[doc] |= feats
        doc_freq: dict[str, int] = defaultdict(int)
        for feats in doc_feats:
            for f in feats:
                doc_freq[f] += 1
        n = max(len(entries), 1)
        self._weight = {f: math.log(1 + n / df) for f, df in doc_freq.items()}
        phrase_postings: dict[str, list[int]] = defaultdict(list)
        uni_weight, bi_weight = [], []
        for pid, feats in enumerate(phrase_feats):
            uni = sum(self._weight[f] for f in feats if "_" not in f)
            uni_weight.append(uni)
            bi_weight.append(sum(self._weight[f] for f in feats) - uni)
            for f in feats:
                phrase_postings[f].append(pid)
        doc_postings: dict[str, list[int]] = defaultdict(list)
        for doc, feats in enumerate(doc_feats):
            for f in feats:
                doc_postings[f].append(doc)
        self._phrase_postings = {f: np.asarray(v, dtype=np.int32) for f, v in phrase_postings.items()}
        self._doc_postings = {f: np.asarray(v, dtype=np.int32) for f, v in doc_postings.items()}
        self._phrase_doc = np.asarray(phrase_docs, dtype=np.int32)
        self._uni_weight = np.asarray(uni_weight)
        self._bi_weight = np.asarray(bi_weight)
        # Phrases are stored doc by doc, so a doc's best phrase is a max over one contiguous slice.
        self._docs_with_phrases = np.unique(self._phrase_doc)
        self._doc_starts = np.searchsorted(self._phrase_doc, self._docs_with_phrases)
        self.vocabulary = frozenset(f for f in self._weight if "_" not in f)
        self._vocab_list = sorted(self.vocabulary)
        # Repairs are pure functions of the token and this index, so they are memoised per index.
        self._repairs: dict[str, tuple[str, ...]] = {}

    # Pickled (the knowledge cache) with each postings dict packed into one array, and unpickled as a
    # read-only view that slices it on lookup: rebuilding tens of thousands of small arrays took
    # most of a warm start with 5,000 procedures.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_repairs"] = {}
        for name in ("_phrase_postings", "_doc_postings"):
            postings = state[name]
            if isinstance(postings, PackedPostings):
                state[name] = postings.packed()
                continue
            keys = list(postings)
            lengths = [len(postings[k]) for k in keys]
            flat = np.concatenate([postings[k] for k in keys]) if keys else np.zeros(0, dtype=np.int32)
            state[name] = (keys, lengths, flat)
        return state

    def __setstate__(self, state: dict) -> None:
        for name in ("_phrase_postings", "_doc_postings"):
            state[name] = PackedPostings(*state[name])
        self.__dict__.update(state)

    def phrase_tokens(self, text: str) -> list[str]:
        """Catalogue text as the index stores it: folded and expanded, never repaired (it has no typos)."""
        return self._lexicon.expand(fold(text)).split()

    def repair(self, tokens: list[str]) -> list[str]:
        """Fix tokens that are not Vietnamese syllables: split run-together words, fix typos."""
        repaired: list[str] = []
        for tok in tokens:
            if tok in self.vocabulary or is_syllable(tok) or len(tok) < 3:
                repaired.append(tok)
                continue
            if tok not in self._repairs:
                self._repairs[tok] = self._repair_one(tok)
            repaired.extend(self._repairs[tok])
        return repaired

    def _repair_one(self, tok: str) -> tuple[str, ...]:
        plain = untelex(tok)
        if plain != tok and (plain in self.vocabulary or is_syllable(plain)):
            return (plain,)
        for cut in range(2, len(tok) - 1):
            left, right = tok[:cut], tok[cut:]
            if left in self.vocabulary and right in self.vocabulary:
                return (left, right)
        max_distance = 1 if len(tok) < 6 else 2
        best = process.extractOne(tok, self._vocab_list, scorer=Levenshtein.distance, score_cutoff=max_distance)
        return (best[0],) if best else (tok,)

    def query_tokens(self, text: str) -> list[str]:
        """The question as the index sees it: folded, repaired, expanded."""
        # Abbreviations first ("dkkd" is a word to expand, not a typo), then repairs, then synonyms
        # of the repaired words.
        expanded = self._lexicon.expand(fold(text))
        repaired = " ".join(self.repair(expanded.split()))
        return self._lexicon.expand(repaired).split()

    def _sum(self, postings: Mapping[str, np.ndarray], feats: list[str], size: int) -> np.ndarray:
        """Per phrase (or doc): the summed weight of `feats` it contains."""
        if not feats:
            return np.zeros(size)
        ids = np.concatenate([postings[f] for f in feats])
        weights = np.concatenate([np.full(len(postings[f]), self._weight[f]) for f in feats])
        return np.bincount(ids, weights=weights, minlength=size)

    def _mistoned_pairs(self, text: str) -> set[str]:
        """Pair features that `text`, typed with diacritics, holds only in other tones than the
        catalogue's: "kê khai từ năm 2022" does not say "khai tử", "làm thế nào" not "làm thẻ"."""
        typed = typed_words(text)
        if not typed_with_diacritics([word for word, _ in typed]):
            return set()
        seen: dict[str, bool] = {}
        for (a, fa), (b, fb) in pairwise(typed):
            pair = f"{fa}_{fb}"
            tones = self._pair_tones.get(pair)
            if tones:
                seen[pair] = seen.get(pair, False) or (tone(a), tone(b)) in tones
        return {pair for pair, agrees in seen.items() if not agrees}

    def search(self, text: str, limit: int = 5) -> list[Candidate]:
        """Entries named by `text`, best first, at most `limit`."""
        mistoned = self._mistoned_pairs(text)
        qfeats = sorted(f for f in features(self.query_tokens(text)) if f in self._weight and f not in mistoned)
        if not qfeats:
            return []
        n_phrases = len(self._phrase_doc)
        matched_uni = self._sum(self._phrase_postings, [f for f in qfeats if "_" not in f], n_phrases)
        matched_bi = self._sum(self._phrase_postings, [f for f in qfeats if "_" in f], n_phrases)
        uni = matched_uni / self._uni_weight
        with np.errstate(divide="ignore", invalid="ignore"):
            bi = np.where(self._bi_weight > 0, matched_bi / self._bi_weight, uni)
        # Words matter most; word order (pairs) refines: "sửa ... giấy khai sinh" still names
        # "sửa giấy khai sinh" when other words sit between.
        phrase_recall = UNIGRAM_SHARE * uni + (1 - UNIGRAM_SHARE) * bi
        recall = np.zeros(len(self._ids))
        recall[self._docs_with_phrases] = np.maximum.reduceat(phrase_recall, self._doc_starts)
        query_weight = sum(self._weight[f] for f in qfeats)
        precision = self._sum(self._doc_postings, qfeats, len(self._ids)) / query_weight
        score = RECALL_WEIGHT * recall + PRECISION_WEIGHT * precision
        score[recall <= 0] = 0.0
        hits = np.flatnonzero(score > 0)
        if hits.size > 4 * limit:
            hits = hits[np.argpartition(-score[hits], 4 * limit)[: 4 * limit]]
        scored = [Candidate(self._ids[doc], round(float(score[doc]), 4)) for doc in hits]
        scored.sort(key=lambda c: (-c.score, c.id))
        return scored[:limit]

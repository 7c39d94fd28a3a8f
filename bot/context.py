"""What a whole message says about each entry: a BM25 ranking over everything the entry says.

The phrase index (`bot.matcher`) reads a question for the name of a procedure: an alias fully
present wins. Real citizens' messages are long stories that name their procedure in their own
words and mention two or three others on the way ("mẹ tôi hưởng trợ cấp xã hội hằng tháng… giờ
có được tiền mai táng không"). The circumstances they tell (papers, places, people) are what the
entry's documents, notes and situations talk about. BM25 over that whole text, with syllable pairs
for word order, ranks entries by those circumstances; `rerank` lets it reorder the phrase index's
own candidates without letting it add entries the message never names.

Measured on the labelled sets (benchmarks/results/catalogue_growth_accuracy.md): reordering alone
raised procedure top-1 on every set, most on real messages nobody on the team wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import numpy as np

from bot.matcher import Candidate, PhraseIndex, syllable_pairs

# How much the whole-text ranking (scaled to 1 for its best entry) adds to a phrase score when
# ordering candidates. Chosen on the tuning sets; the phrase score still decides whether to answer.
CONTEXT_WEIGHT = 0.3
# Candidates from the phrase index that the context may reorder.
RERANK_POOL = 10


@dataclass
class ContextIndex:
    """BM25 over each entry's whole text; built once, read concurrently."""

    ids: list[str]
    retriever: bm25s.BM25

    @classmethod
    def build(cls, entries: list[tuple[str, list[str]]], index: PhraseIndex) -> ContextIndex:
        """Index `entries` (id, all its texts), reading words as `index` does."""
        retriever = bm25s.BM25()
        # Catalogue text is read like the index's phrases, without typo repair: a message is read
        # like a query (repaired), which maps its typos onto catalogue words.
        retriever.index([syllable_pairs(index.phrase_tokens(" . ".join(texts))) for _, texts in entries], show_progress=False)
        return cls([entry_id for entry_id, _ in entries], retriever)

    def scores(self, index: PhraseIndex, text: str) -> dict[str, float]:
        """Entry id -> its BM25 score for `text`, scaled so that the best entry has 1."""
        raw = np.asarray(self.retriever.get_scores(syllable_pairs(index.query_tokens(text))))
        best = float(raw.max()) if raw.size else 0.0
        if best <= 0:
            return {}
        return {self.ids[i]: float(raw[i]) / best for i in np.flatnonzero(raw > 0)}


def rerank(candidates: list[Candidate], context: dict[str, float], weight: float = CONTEXT_WEIGHT) -> list[Candidate]:
    """The candidates ordered by phrase score plus weighted context; each keeps its own score.

    Scores stay the phrase index's, so the thresholds that decide whether to answer, ask back or
    decline still read how plainly the message names the entry. A candidate moved above a better
    scored one makes the two close, which asks the citizen to pick rather than guess.
    """
    if not context:
        return candidates
    return sorted(candidates, key=lambda c: (-(c.score + weight * context.get(c.id, 0.0)), c.id))

"""How well the redaction of anonymous complaints works, on a labelled set of texts.

    python benchmarks/redaction_eval.py [FILE ...] [--errors]

Default files: tests/data/redaction.yaml (written with the rules) and tests/data/redaction_holdout.yaml
(written after them, not tuned on before its first measurement). Personal data is marked `[[...]]`.
Reports, per file and for all together:
- personal data left: labelled items not fully masked, over all labelled items (target <= 2%);
- ordinary words masked: words outside any label that a mask touches, over all such words (<= 2%).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.privacy.redact import find  # noqa: E402

LABEL = re.compile(r"\[\[(.+?)\]\]")
WORD = re.compile(r"\S+")


@dataclass
class Scores:
    items: int = 0
    items_left: int = 0
    words: int = 0
    words_masked: int = 0
    texts: int = 0

    @property
    def left_rate(self) -> float:
        return self.items_left / self.items if self.items else 0.0

    @property
    def masked_rate(self) -> float:
        return self.words_masked / self.words if self.words else 0.0


def unlabel(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The plain text and the character spans of its labelled personal data."""
    plain, spans, last = [], [], 0
    length = 0
    for match in LABEL.finditer(marked):
        before = marked[last : match.start()]
        plain.append(before)
        length += len(before)
        spans.append((length, length + len(match.group(1))))
        plain.append(match.group(1))
        length += len(match.group(1))
        last = match.end()
    plain.append(marked[last:])
    return "".join(plain), spans


def _covered(text: str, masked: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(any(a <= i < b for a, b in masked) for i in range(start, end) if not text[i].isspace())


def evaluate(texts: list[str], errors: list[str] | None = None) -> Scores:
    scores = Scores(texts=len(texts))
    for marked in texts:
        text, labels = unlabel(marked)
        masked = [(s.start, s.end) for s in find(text)]

        for start, end in labels:
            scores.items += 1
            if not _covered(text, masked, start, end):
                scores.items_left += 1
                if errors is not None:
                    errors.append(f"LEFT   {text[start:end]!r} in {text!r}")
        for word in WORD.finditer(text):
            if any(a < word.end() and word.start() < b for a, b in labels):
                continue
            scores.words += 1
            if any(a < word.end() and word.start() < b for a, b in masked):
                scores.words_masked += 1
                if errors is not None:
                    errors.append(f"MASKED {word.group(0)!r} in {text!r}")
    return scores


def load(path: Path) -> list[str]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["texts"]


DEFAULT_FILES = (ROOT / "tests" / "data" / "redaction.yaml", ROOT / "tests" / "data" / "redaction_holdout.yaml")


def _report(name: str, scores: Scores) -> None:
    print(f"{name}: {scores.texts} texts, {scores.items} labelled items, {scores.words} ordinary words")
    print(f"  personal data left:    {scores.items_left}/{scores.items} = {scores.left_rate:.1%}  (target <= 2%)")
    print(f"  ordinary words masked: {scores.words_masked}/{scores.words} = {scores.masked_rate:.1%}  (target <= 2%)")


def main(argv: list[str]) -> int:
    show = "--errors" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or list(DEFAULT_FILES)
    errors: list[str] = []
    everything: list[str] = []
    for path in paths:
        texts = load(path)
        everything += texts
        _report(path.name, evaluate(texts, errors))
    scores = evaluate(everything)
    if len(paths) > 1:
        _report("all", scores)
    if show:
        print("\n".join(errors))
    return 0 if scores.left_rate <= 0.02 and scores.masked_rate <= 0.02 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

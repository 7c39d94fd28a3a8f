"""How much do our figures move when the catalogue grows? (Tuning must not be brittle to new entries.)

Adds N generated procedures (names and aliases recombined from the shipped words, as in
qa_speed.py) and scores every labelled set with the grown catalogue beside the shipped one. The
generated entries are noise no question names, so a robust matcher keeps its figures: they only
shift the rarity weights, which is what a hundred real new entries do too.

    python benchmarks/robustness_new_entries.py [--extra 100] [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from qa_speed import generated_catalogue  # noqa: E402

from bot.app import load  # noqa: E402
from bot.evaluation import Report, evaluate, load_questions  # noqa: E402
from bot.intents import load_intents  # noqa: E402
from bot.knowledge import build_knowledge  # noqa: E402

SETS = [
    ROOT / "tests/data/questions.yaml",
    ROOT / "tests/data/holdout.yaml",
    ROOT / "tests/data/final.yaml",
    ROOT / "tests/data/real/tune.yaml",
]
FIGURES = ("procedure_top1", "procedure_in_choices", "none_declined", "complaint_intent", "false_complaint")


def row(name: str, report: Report) -> str:
    return f"{name:28}" + "".join(f"{getattr(report, f).rate:9.1%}" for f in FIGURES)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    loaded = load(ROOT / "config.yaml")
    knowledge = loaded.knowledge
    intents, _ = load_intents(ROOT / "knowledge" / "intents.yaml")
    assert intents is not None
    print(f"{'set / catalogue':28}" + "".join(f"{f[:8]:>9}" for f in FIGURES))
    for path in SETS:
        questions = load_questions(path)
        print(row(f"{path.name} shipped", evaluate(knowledge, questions)))
        for seed in range(args.seeds):
            procedures = generated_catalogue(knowledge, len(knowledge.procedures) + args.extra, seed=seed)
            grown = build_knowledge(
                procedures,
                list(knowledge.commitments.values()),
                knowledge.lexicon,
                intents,
                list(knowledge.referrals.values()),
            )
            print(row(f"  +{args.extra} entries, seed {seed}", evaluate(grown, questions)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

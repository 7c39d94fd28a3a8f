"""Q&A speed: start-up (load, validate, index, train) and per-question latency.

Measures in-process, with the shipped catalogue and with a generated catalogue of 5,000 procedures
(names and aliases recombined from the shipped vocabulary, so the index has realistic posting lists).
Targets (issue 2): median ≤ 2 ms per question shipped, ≤ 20 ms with 5,000 procedures; start-up ≤ 1 s.
Start-up (issue 14) is measured both with the shipped catalogue and with the generated 5,000 written
out as YAML files in a temporary deployment: cold (empty knowledge cache: parse, validate, index,
train, write the cache) and warm (cache hit), target ≤ 2 s warm with 5,000 entries.

    python benchmarks/qa_speed.py [--questions tests/data/questions.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import load  # noqa: E402
from bot.evaluation import load_questions  # noqa: E402
from bot.knowledge import build_knowledge  # noqa: E402
from bot.textnorm import fold  # noqa: E402
from bot.understanding import understand  # noqa: E402

# Prints wall-clock seconds; CPU seconds go to stderr (on a shared machine wall time also counts the
# waits for a core, CPU time does not).
STARTUP_SNIPPET = (
    "import sys, time, pathlib; t = time.perf_counter(); c = time.process_time(); from bot.app import load; "
    "load(pathlib.Path('config.yaml')); print(time.perf_counter() - t); print(time.process_time() - c, file=sys.stderr)"
)


def startup_seconds(runs: int = 5, cwd: Path = ROOT, cache: Path | None = None, cold: bool = False) -> list[float]:
    """Import + load (+ validate + index + train unless the cache hits), each in a fresh interpreter.

    `cold` empties the knowledge cache before each run; otherwise the first run fills it.
    """
    times: list[float] = []
    times_cpu: list[float] = []
    env = dict(os.environ)
    if cache is not None:
        env["MOTCUA_CACHE_DIR"] = str(cache)
    for _ in range(runs):
        if cold and cache is not None:
            shutil.rmtree(cache, ignore_errors=True)
        out = subprocess.run(
            [sys.executable, "-c", STARTUP_SNIPPET],
            cwd=cwd,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout.strip()))
        times_cpu.append(float(out.stderr.strip().splitlines()[-1]))
    if times_cpu:
        print(f"  ({len(times)} runs in {cwd.name}: wall {times}, CPU {[round(x, 3) for x in times_cpu]})")
    return times


def generated_deployment(procedures, folder: Path) -> Path:
    """A config and knowledge folder in `folder` whose catalogue holds `procedures`, one file per field."""
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "knowledge", folder / "knowledge")
    by_file: dict[str, list] = {}
    for proc in procedures:
        by_file.setdefault(proc.id.split(".")[0], []).append(proc.model_dump(mode="json", exclude_defaults=True))
    for stem, entries in by_file.items():
        path = folder / "knowledge" / "procedures" / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def latencies(knowledge, questions: list[str], repeat: int = 3) -> list[float]:
    for q in questions[:20]:  # warm the typo-repair memo as a running bot would be
        understand(knowledge, q)
    samples = []
    for _ in range(repeat):
        for q in questions:
            t = time.perf_counter()
            understand(knowledge, q)
            samples.append(time.perf_counter() - t)
    return samples


def generated_catalogue(knowledge, size: int, seed: int = 7):
    """`size` procedures whose names and aliases recombine the shipped ones' words."""
    rng = random.Random(seed)
    base = list(knowledge.procedures.values())
    words = sorted({w for p in base for phrase in (p.name, *p.aliases) for w in phrase.split()})
    procedures = list(base)
    for n in range(size - len(base)):
        template = rng.choice(base)

        def phrase() -> str:
            # Word salad can spell an off-topic cue ("mùa BHYT" folds to "mua bảo hiểm"), which
            # `check` rightly refuses in a catalogue; draw again until it does not.
            while True:
                text = " ".join(rng.sample(words, rng.randint(3, 7)))
                if not knowledge.lexicon.off_topic.find(knowledge.lexicon.expand(fold(text))):
                    return text

        aliases = [phrase() for _ in range(rng.randint(6, 14))]
        procedures.append(template.model_copy(update={"id": f"gen.p{n:05d}", "name": phrase(), "aliases": aliases}))
    return procedures


def summary(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(len(ms) * 0.95)], 3),
        "max_ms": round(ms[-1], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "data" / "questions.yaml")
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()
    questions = [str(item["q"]) for item in load_questions(args.questions)]
    loaded = load(ROOT / "config.yaml")
    knowledge = loaded.knowledge

    with tempfile.TemporaryDirectory() as tmp:
        start = startup_seconds(6, cache=Path(tmp) / "cache")[1:]  # the first run fills the cache
    shipped = summary(latencies(knowledge, questions))
    procedures = generated_catalogue(knowledge, args.size)
    t = time.perf_counter()
    from bot.intents import IntentsFile, load_intents

    intents, _ = load_intents(ROOT / "knowledge" / "intents.yaml")
    assert isinstance(intents, IntentsFile)
    big = build_knowledge(procedures, list(knowledge.commitments.values()), knowledge.lexicon, intents)
    big_build = time.perf_counter() - t
    large = summary(latencies(big, questions, repeat=1))
    with tempfile.TemporaryDirectory() as tmp:
        folder = generated_deployment(procedures, Path(tmp))
        big_cold = startup_seconds(3, cwd=folder, cache=folder / "cache", cold=True)
        big_warm = startup_seconds(5, cwd=folder, cache=folder / "cache")[1:]
    with tempfile.TemporaryDirectory() as tmp:
        shipped_cold = startup_seconds(3, cache=Path(tmp) / "cache", cold=True)

    result = {
        "startup_seconds_median": round(statistics.median(start), 3),
        "startup_seconds_runs": [round(x, 3) for x in start],
        "startup_cold_seconds_median": round(statistics.median(shipped_cold), 3),
        "generated_startup_warm_seconds_median": round(statistics.median(big_warm), 3),
        "generated_startup_cold_seconds_median": round(statistics.median(big_cold), 3),
        "shipped_procedures": len(knowledge.procedures),
        "shipped": shipped,
        "generated_procedures": len(procedures),
        "generated_build_seconds": round(big_build, 3),
        "generated": large,
        "questions": len(questions),
    }
    print(
        f"start-up (import + load from the knowledge cache), median of 5: {result['startup_seconds_median']:.3f} s"
        f"  [target ≤ 1 s] {'PASS' if result['startup_seconds_median'] <= 1 else 'FAIL'}"
    )
    print(f"start-up without cache (shipped), median of 3: {result['startup_cold_seconds_median']:.3f} s")
    warm = result["generated_startup_warm_seconds_median"]
    print(
        f"start-up with {len(procedures)} procedures: warm cache {warm:.3f} s (median of 4), "
        f"cold {result['generated_startup_cold_seconds_median']:.3f} s  [target ≤ 2 s warm] "
        f"{'PASS' if warm <= 2 else 'FAIL'}"
    )
    print(
        f"per question, shipped catalogue ({len(knowledge.procedures)}): median {shipped['median_ms']} ms, "
        f"p95 {shipped['p95_ms']} ms  [target ≤ 2 ms] {'PASS' if shipped['median_ms'] <= 2 else 'FAIL'}"
    )
    print(
        f"per question, generated catalogue ({len(procedures)}): median {large['median_ms']} ms, "
        f"p95 {large['p95_ms']} ms (index built in {big_build:.2f} s)  [target ≤ 20 ms] "
        f"{'PASS' if large['median_ms'] <= 20 else 'FAIL'}"
    )
    out = Path(__file__).parent / "results" / "qa_speed.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

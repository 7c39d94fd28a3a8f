"""Split the harvested real-message corpus into a tuning half and a test half, by source site.

Usage: python benchmarks/split_real_corpus.py tests/data/real/raw.yaml tests/data/real

Messages from one site share a voice (a law firm's house style, one newspaper's editing), so a
split by message would let tuning see the test half's phrasing. Every site goes wholly to one half.
Sites are dealt largest first to the half that has fewer messages of that site's main kind, which
keeps both halves' mix of kinds close. A site already in tune.yaml or test.yaml stays in its half, so
adding messages never moves a message whose errors were read into the test half (or back).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import yaml

HEADER = (
    "# Real citizens' messages ({half} half), harvested from public pages; split by source site.\n"
    "# Labels: kind (procedure | complaint | commitment | none), expect + aspect for procedures,\n"
    "# category for complaints, referral (knowledge/referrals.yaml id) or missing (a ward procedure\n"
    "# the catalogue lacks) for messages out of scope. {note}\n"
)
NOTES = {
    "tune": "Tune on this half.",
    "test": "Report on this half; do not read its errors while tuning.",
}


def site(url: str) -> str:
    """The site of a source URL, without the www./m. prefixes that mirror one site."""
    host = urlsplit(url).netloc.lower()
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    return host


def split(items: list[dict], placed: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """(tune, test): whole sites to one half, balancing each kind; `placed` maps known sites to a half."""
    placed = placed or {}
    by_site: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_site[site(item["source"])].append(item)
    halves: dict[str, list[dict]] = {"tune": [], "test": []}
    kinds: dict[str, Counter] = {"tune": Counter(), "test": Counter()}
    order = sorted(by_site, key=lambda s: (s not in placed, -len(by_site[s]), s))
    for name in order:
        group = by_site[name]
        main = Counter(i["kind"] for i in group).most_common(1)[0][0]
        half = placed.get(name) or min(("tune", "test"), key=lambda h: (kinds[h][main], len(halves[h]), h))
        halves[half].extend(group)
        kinds[half].update(i["kind"] for i in group)
    return halves["tune"], halves["test"]


def write(path: Path, half: str, items: list[dict]) -> None:
    body = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(HEADER.format(half=half, note=NOTES[half]) + body, encoding="utf-8")


def main(argv: list[str]) -> int:
    source, out = Path(argv[1]), Path(argv[2])
    items = [i for i in yaml.safe_load(source.read_text(encoding="utf-8")) if isinstance(i, dict)]
    placed = {}
    for half in ("tune", "test"):
        path = out / f"{half}.yaml"
        if path.exists():
            for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                placed[site(item["source"])] = half
    tune, test = split(items, placed)
    write(out / "tune.yaml", "tune", tune)
    write(out / "test.yaml", "test", test)
    for name, half in (("tune", tune), ("test", test)):
        counts = Counter(i["kind"] for i in half)
        print(f"{name}: {len(half)} messages, {len({site(i['source']) for i in half})} sites, {dict(counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""How fast a typed ward name is matched: the province (~170 wards) and the whole country (3,321).

Run from the repository root: `python benchmarks/ward_matching.py`. Prints the time to build each
index (done once, on the first match) and the time per match for exact names, old names, names
inside a sentence, typos, ambiguous names and text that names no ward; writes
benchmarks/results/ward_matching.json.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bot.adminunits import national_wards, old_names, province_wards
from bot.config import load_config
from bot.wards import WardIndex, match_ward

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "exact": ["Bến Thành", "p tan son nhat", "Xã Bình Chánh", "thu duc", "Phường Sài Gòn"],
    "old name": ["Phạm Ngũ Lão", "Đa Kao", "Bến Nghé", "phuong nguyen thai binh", "Cầu Kho"],
    "sentence": ["ở phường Tân Định ạ", "tôi ở xã Bình Chánh", "phường bến thành quận 1 cũ"],
    "typo": ["Bến Thàn", "tan son nhatt", "binh thanhh", "go vapp"],
    "ambiguous": ["Tân Tiến", "An Phú", "Bình Hưng"],
    "nothing": ["abc xyz", "an toàn thực phẩm", "cán bộ thờ ơ quá"],
}
REPEAT = 200


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def per_match_ms(match, queries: list[str]) -> dict[str, float]:
    samples = []
    for _ in range(REPEAT):
        for query in queries:
            samples.append(timed(match, query) * 1000)
    samples.sort()
    return {"p50": round(statistics.median(samples), 4), "p99": round(samples[int(len(samples) * 0.99)], 4)}


def main() -> None:
    config, problems = load_config(ROOT / "config.yaml")
    assert config is not None, problems
    results: dict[str, object] = {}

    build = timed(lambda: (province_wards.cache_clear(), old_names.cache_clear()))
    first = timed(match_ward, config, "Bến Thành", lambda text, city: None)
    results["province"] = {"wards": len(config.wards), "first_match_s": round(first + build, 4)}
    for kind, queries in QUERIES.items():
        results["province"][kind] = per_match_ms(lambda q: match_ward(config, q, lambda t, c: None), queries)  # type: ignore[index]

    start = time.perf_counter()
    national = WardIndex((w.code, w.name, True) for w in national_wards())
    results["national"] = {"wards": len(national_wards()), "build_s": round(time.perf_counter() - start, 4)}
    for kind, queries in QUERIES.items():
        results["national"][kind] = per_match_ms(national.lookup, queries)  # type: ignore[index]
    results["national"]["candidates for 'Xã Tân Tiến'"] = len(national.lookup("Xã Tân Tiến"))  # type: ignore[index]

    print(json.dumps(results, ensure_ascii=False, indent=1))
    out = ROOT / "benchmarks" / "results" / "ward_matching.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

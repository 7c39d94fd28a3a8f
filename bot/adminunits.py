"""The official list of wards and communes in force since 1/7/2025, and the old names they absorbed.

Two well-kept packages hold the data, read here without importing them (both build large objects
at import time; we need only their data files):
- `vietnam-provinces`: the 34 provinces and 3,321 wards/communes with their official codes and
  names (nested-divisions.json, ~0.6 MB; one JSON parse, ~10 ms);
- `vietnamadminunits`: which pre-2025 wards (with their districts) were merged into each new one
  (converter_2025.json and the legacy table of dataset.db), read only when a typed name must be
  matched, never at start-up.
Everything is cached per province: the data files never change while the assistant runs.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.textnorm import fold

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class OfficialWard:
    """A ward, commune or special zone (đặc khu) of the official list."""

    code: str  # five digits, zero-padded ("00070" for Phường Cửa Nam, Hà Nội)
    name: str  # "Phường Bến Thành"
    kind: str  # "phường", "xã", "đặc khu"
    province_code: str  # two digits


@dataclass(frozen=True)
class OldName:
    """A pre-2025 ward that is now (wholly or partly) part of a new one."""

    ward: str  # "Phường Phạm Ngũ Lão"
    district: str  # "Quận 1"
    whole: bool  # False when the old ward was split between several new ones


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _clean(name: str) -> str:
    return _SPACES.sub(" ", name).strip()


@functools.cache
def _divisions() -> tuple[dict, ...]:
    root = _package_dir("vietnam_provinces")
    if root is None:  # pragma: no cover - a declared dependency
        raise RuntimeError("the vietnam-provinces package is not installed")
    return tuple(json.loads((root / "data" / "nested-divisions.json").read_text(encoding="utf-8")))


@functools.cache
def provinces() -> dict[str, str]:
    """Province code (two digits) -> official name, for the 34 provinces."""
    return {f"{p['code']:02d}": _clean(p["name"]) for p in _divisions()}


@functools.cache
def province_wards(province_code: str) -> tuple[OfficialWard, ...]:
    """Every ward/commune of a province, in the official order; empty for an unknown code."""
    for province in _divisions():
        if f"{province['code']:02d}" == province_code:
            return tuple(
                OfficialWard(f"{w['code']:05d}", _clean(w["name"]), w["division_type"], province_code)
                for w in province["wards"]
            )
    return ()


@functools.cache
def national_wards() -> tuple[OfficialWard, ...]:
    """All 3,321 wards and communes of the country."""
    return tuple(w for code in provinces() for w in province_wards(code))


def _name_key(name: str) -> str:
    return fold(name).replace(" ", "")


@functools.cache
def old_names(province_code: str) -> dict[str, tuple[OldName, ...]]:
    """Ward code -> the pre-2025 wards merged into it, from `vietnamadminunits`' conversion table."""
    root = _package_dir("vietnamadminunits")
    wards = province_wards(province_code)
    if root is None or not wards:
        return {}
    converter = json.loads((root / "data" / "converter_2025.json").read_text(encoding="utf-8"))
    with sqlite3.connect(f"file:{root / 'data' / 'dataset.db'}?mode=ro", uri=True) as db:
        new_rows = db.execute(
            "SELECT ward, wardKey, provinceKey FROM admin_units WHERE CAST(provinceCode AS INTEGER) = ?",
            (int(province_code),),
        ).fetchall()
        if not new_rows:
            return {}
        province_key = new_rows[0][2]
        old_provinces = converter["DICT_PROVINCE"].get(province_key, [province_key])
        marks = ",".join("?" * len(old_provinces))
        legacy = {
            f"{p}_{d}_{w}": (ward, district)
            for ward, district, p, d, w in db.execute(
                "SELECT ward, district, provinceKey, districtKey, wardKey FROM admin_units_legacy "
                f"WHERE provinceKey IN ({marks})",
                old_provinces,
            )
        }
    by_name = {_name_key(name): key for name, key, _ in new_rows}
    code_of = {by_name[_name_key(w.name)]: w.code for w in wards if _name_key(w.name) in by_name}
    found: dict[str, list[OldName]] = {}
    for new_key, old_keys in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province_key, {}).items():
        for old_key in old_keys:
            if new_key in code_of and old_key in legacy:
                ward, district = legacy[old_key]
                found.setdefault(code_of[new_key], []).append(OldName(_clean(ward), _clean(district), True))
    for old_key, parts in converter["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {}).items():
        if old_key not in legacy:
            continue
        ward, district = legacy[old_key]
        for part in parts:
            if part["newWardKey"] in code_of:
                found.setdefault(code_of[part["newWardKey"]], []).append(OldName(_clean(ward), _clean(district), False))
    return {code: tuple(names) for code, names in found.items()}

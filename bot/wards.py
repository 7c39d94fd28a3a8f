"""Which ward of the deployment a citizen means, from what they type.

Citizens name wards in many ways: "Bến Thành", "p ben thanh", or an address from before the
1/7/2025 reorganisation ("phường 6, quận 3"). Current names are matched against the configured
wards and their aliases (diacritics-insensitive, with rapidfuzz for typos). Old addresses are
converted with `vietnamadminunits` (it knows every pre- and post-2025 unit), imported only when
needed because it takes half a second and ~50 MB to load.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.config import Config, Ward
from bot.textnorm import fold

_PREFIX = re.compile(r"^(phuong|xa|dac khu|p|x)\s+")
# Signs of a pre-2025 address: a district, or a numbered ward ("phường 6", "p6").
_OLD_ADDRESS = re.compile(r"\b(quan|huyen|thi xa|q\s?\d{1,2}|p\s?\d{1,2}|phuong\s+\d{1,2})\b")
FUZZY_CUTOFF = 86


def _key(name: str) -> str:
    return _PREFIX.sub("", fold(name))


@dataclass(frozen=True)
class WardMatch:
    """The outcome of reading a ward name.

    `ward` is set when the text names a configured ward; `converted` is True when it came from an
    old address and must be confirmed with the citizen; `new_name` is today's name of an old
    address even when that ward is not part of this deployment.
    """

    ward: Ward | None
    converted: bool = False
    new_name: str | None = None


Converter = Callable[[str, str], str | None]


def convert_old_address(text: str, city: str) -> str | None:
    """Today's ward name for a pre-2025 address, or None when it cannot be read."""
    try:
        from vietnamadminunits import convert_address
    except ImportError:  # pragma: no cover - the package is a declared dependency
        return None
    address = text if fold(city) in fold(text) else f"{text}, {city}"
    try:
        result = convert_address(address)
    except Exception:  # the library raises plain ValueError/KeyError on unreadable input
        return None
    return getattr(result, "ward", None) or None


def match_ward(config: Config, text: str, converter: Converter = convert_old_address) -> WardMatch:
    """Find the configured ward the citizen means."""
    key = _key(text)
    if not key:
        return WardMatch(None)
    names: dict[str, Ward] = {}
    for ward in config.wards:
        for name in (ward.name, *ward.aliases):
            names[_key(name)] = ward
    if key in names:
        return WardMatch(names[key])
    if _OLD_ADDRESS.search(fold(text)):
        new_name = converter(text, config.city)
        if new_name:
            ward = names.get(_key(new_name))
            return WardMatch(ward, converted=True, new_name=new_name)
    for name, ward in names.items():
        if re.search(rf"\b{re.escape(name)}\b", key):
            return WardMatch(ward)
    best = process.extractOne(key, list(names), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return WardMatch(names[best[0]]) if best else WardMatch(None)

"""Which ward of the deployment a citizen means, from what they type.

Citizens name wards in many ways: "Bến Thành", "p ben thanh", a merged old ward ("Phạm Ngũ Lão"),
or an address from before the 1/7/2025 reorganisation ("phường 6, quận 3"). Names are looked up
in an index of every served ward's official name, its configured aliases and the old wards merged
into it (`bot.adminunits`), diacritics-insensitive; typos go through rapidfuzz. When two wards are
equally close (an old ward split in two, or seven "Xã Tân Tiến" nationally), the match lists the
candidates so the citizen is asked instead of guessed for. Old addresses with a district are
converted with `vietnamadminunits`, imported only when needed (half a second, ~50 MB).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.adminunits import old_names
from bot.config import Config, Ward
from bot.textnorm import fold

_PREFIX = re.compile(r"^(phuong|xa|dac khu|thi tran|p|x|tt)\s+")
_PREFIX_WORDS = ("phuong", "xa", "p", "x", "khu", "tran")
# Signs of a pre-2025 address: a district, or a numbered ward ("phường 6", "p6").
_OLD_ADDRESS = re.compile(r"\b(quan|huyen|thi xa|q\s?\d{1,2}|p\s?\d{1,2}|phuong\s+\d{1,2})\b")
FUZZY_CUTOFF = 86
CLOSE = 3  # fuzzy scores within this many points of the best are "equally close"
MAX_CANDIDATES = 8
MAX_NGRAM = 7


def name_key(name: str) -> str:
    """A ward name folded and without its prefix word: "Phường Bến Thành" -> "ben thanh"."""
    return _PREFIX.sub("", fold(name))


@dataclass(frozen=True)
class WardMatch:
    """The outcome of reading a ward name.

    `ward` is set when the text names one served ward; `converted` is True when it came from an
    old address and must be confirmed with the citizen; `new_name` is today's name of an old
    address even when that ward is not served; `candidates` lists the wards the text could mean
    when it does not single one out (ask the citizen).
    """

    ward: Ward | None
    converted: bool = False
    new_name: str | None = None
    candidates: tuple[Ward, ...] = ()


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


class WardIndex:
    """Folded names -> ward codes, for exact, in-sentence and fuzzy lookups.

    `entries` are (code, name, is_primary): primary names (official name, configured aliases)
    win over old names when both match.
    """

    def __init__(self, entries: Iterable[tuple[str, str, bool]]) -> None:
        self.full: dict[str, set[str]] = {}  # "phuong ben thanh" -> codes
        self.short: dict[str, set[str]] = {}  # "ben thanh" -> codes
        self.primary: set[tuple[str, str]] = set()  # (short key, code) of official names and aliases
        for code, name, is_primary in entries:
            full, short = fold(name), name_key(name)
            if not short:
                continue
            self.full.setdefault(full, set()).add(code)
            self.short.setdefault(short, set()).add(code)
            if is_primary:
                self.primary.add((short, code))
        self._choices = list(self.short)

    def _prefer_primary(self, short: str, codes: set[str]) -> set[str]:
        primary = {c for c in codes if (short, c) in self.primary}
        return primary or codes

    def lookup(self, text: str, fuzzy: bool = True) -> list[str]:
        """Codes the text names, best first; several when it does not single one out."""
        full, short = fold(text), name_key(text)
        if not short:
            return []
        if full in self.full and full != short:  # typed with its prefix: "xã Tân Tiến" is not "phường Tân Tiến"
            return sorted(self._prefer_primary(short, self.full[full]))
        if short in self.short:
            return sorted(self._prefer_primary(short, self.short[short]))
        found = self._in_sentence(full)
        if found or not fuzzy:
            return found
        scored = process.extract(short, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=10)
        if not scored:
            return []
        best = scored[0][1]
        codes: list[str] = []
        for name, score, _ in scored:
            if score >= best - CLOSE:
                codes += [c for c in sorted(self._prefer_primary(name, self.short[name])) if c not in codes]
        return codes

    def _in_sentence(self, full: str) -> list[str]:
        """The longest name inside a sentence ("ở phường Tân Định ạ"); one-word names only after
        a prefix word, so "an" in "an toàn" names no ward."""
        words = full.split()
        for size in range(min(MAX_NGRAM, len(words)), 0, -1):
            codes: set[str] = set()
            for start in range(len(words) - size + 1):
                gram = " ".join(words[start : start + size])
                if size == 1 and (start == 0 or words[start - 1] not in _PREFIX_WORDS):
                    continue
                if gram in self.short:
                    codes |= self._prefer_primary(gram, self.short[gram])
            if codes:
                return sorted(codes)
        return []


@functools.lru_cache(maxsize=8)
def _cached_index(province: str, names: tuple[tuple[str, str, tuple[str, ...]], ...]) -> WardIndex:
    """The index of served wards' names plus the old wards merged into them."""
    served = {code for code, _, _ in names}
    entries: list[tuple[str, str, bool]] = [(code, n, True) for code, name, aliases in names for n in (name, *aliases)]
    for code, olds in old_names(province).items():
        if code in served:
            for old in olds:
                if not name_key(old.ward).isdigit():
                    entries.append((code, old.ward, False))
                entries.append((code, f"{old.ward} {old.district}", False))
    return WardIndex(entries)


def ward_index(config: Config) -> WardIndex:
    """The index of the config's wards, built once per set of names (~40 ms for 168 wards)."""
    names = tuple((w.code, w.name, tuple(w.aliases)) for w in config.wards)
    return _cached_index(config.city_code, names)


def match_ward(config: Config, text: str, converter: Converter = convert_old_address) -> WardMatch:
    """Find the served ward the citizen means."""
    if not name_key(text):
        return WardMatch(None)
    index = ward_index(config)
    folded = fold(text)
    old_address = bool(_OLD_ADDRESS.search(folded))
    # An old address is converted (and confirmed with the citizen) before names are looked up:
    # "phường 6 quận 3" is a numbered old ward, not a name to guess from.
    if old_address:
        new_name = converter(text, config.city)
        if new_name:
            # Today's official name, never an old ward that happened to have the same name.
            official = {fold(w.name): w for w in config.wards}
            ward = official.get(fold(new_name))
            return WardMatch(ward, converted=True, new_name=new_name)
    # An old address the converter could not read is not guessed at: "phường 99, quận 42" is
    # one typo away from many numbered old wards.
    codes = index.lookup(text, fuzzy=not old_address)
    wards = [w for w in (config.ward(c) for c in codes[:MAX_CANDIDATES]) if w is not None]
    if len(wards) == 1:
        return WardMatch(wards[0])
    return WardMatch(None, candidates=tuple(wards))

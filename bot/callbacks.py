"""Button callback data: one codec that builds and parses every button's data.

Data is `prefix:arg:arg...`, ASCII, at most 64 bytes (Telegram's limit). Each prefix is registered
once, here, with a pattern its arguments must match in full; `parse` accepts nothing else. Data
comes from the client and can be forged (`r:<CODE>:²` has a superscript digit that passes
`str.isdigit()`), so it is validated before any handler sees it: anything that does not parse is
answered as an expired button, never with an exception.

To add a button kind: `register("x", SLUG)` below (patterns: the building blocks, joined with ":"),
build its data with `build("x", arg)`, and dispatch on `Callback.prefix` in the conversation core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.complaints.codes import ALPHABET

LIMIT = 64  # bytes, Telegram's limit on callback_data
EXPIRED = "Nút này đã hết hạn hoặc không hợp lệ. Bạn chọn lại từ menu nhé."

# Building blocks of argument patterns. ASCII only, on purpose: [0-9], never \d (which matches ² and ٣).
DIGITS = r"[0-9]+"
WORD = r"[a-z_]+"
SLUG = r"[a-z0-9][a-z0-9._-]*"  # procedure, field, category, unit ids; ward codes
CODE = rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}"  # a complaint's tracking code


@dataclass(frozen=True)
class Callback:
    """Parsed callback data: its prefix and its `:`-separated arguments."""

    prefix: str
    args: tuple[str, ...]

    @property
    def rest(self) -> str:
        """Everything after `prefix:` (the form the older handlers take)."""
        return ":".join(self.args)

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def register(prefix: str, args: str | None) -> None:
    """Declare a button kind: `args` is the regex its arguments (after `prefix:`) must match in full,
    or None for a bare prefix. Registering the same prefix twice with another pattern is an error."""
    if not re.fullmatch(r"[a-z]{1,8}", prefix):
        raise ValueError(f"callback prefix must be 1-8 lowercase ASCII letters: {prefix!r}")
    compiled = re.compile(args, re.ASCII) if args is not None else None
    known = _PATTERNS.get(prefix, compiled)
    if prefix in _PATTERNS and (known.pattern if known else None) != (compiled.pattern if compiled else None):
        raise ValueError(f"callback prefix {prefix!r} is already registered with another pattern")
    _PATTERNS[prefix] = compiled


def prefixes() -> frozenset[str]:
    return frozenset(_PATTERNS)


def parse(data: str | None) -> Callback | None:
    """The callback in `data`, or None if it is not exactly what some registered button sends."""
    if not data or not data.isascii() or len(data.encode("ascii")) > LIMIT:
        return None
    prefix, sep, rest = data.partition(":")
    if prefix not in _PATTERNS:
        return None
    pattern = _PATTERNS[prefix]
    if pattern is None:
        return Callback(prefix, ()) if not sep else None
    if not sep or pattern.fullmatch(rest) is None:
        return None
    return Callback(prefix, tuple(rest.split(":")))


def build(prefix: str, *args: object) -> str:
    """The data of a button; raises ValueError for data `parse` would refuse (a programming error)."""
    data = ":".join([prefix, *(str(a) for a in args)])
    if parse(data) is None:
        raise ValueError(f"invalid callback data {data!r} (see bot/callbacks.py for the registered forms)")
    return data


# -- every button kind of the assistant --------------------------------------------------------------

register("p", SLUG)  # show a procedure: p:<procedure id>
register("a", rf"{WORD}:{SLUG}")  # one aspect of a procedure: a:<aspect>:<procedure id>
register("f", rf"{SLUG}(:{DIGITS})?")  # browse a field of procedures: f:<field>[:<page>]
register("m", rf"{WORD}(:{SLUG})?")  # menu: m:<item>[:<category>]
register("k", rf"national|city|ward:{DIGITS}")  # commitments of a unit
register("i", rf"{WORD}(:{SLUG})?")  # complaint intake: i:<step>[:<value>]
register("w", rf"{WORD}:{CODE}(:(ward|supervisor):{SLUG})?")  # ward staff: w:<action>:<code>[:<destination>]
register("c", rf"{WORD}:{CODE}(:{WORD})?")  # the citizen's case: c:<action>:<code>[:<withdrawal reason>]
register("r", rf"{CODE}:[0-5]")  # rating of a resolved case: r:<code>:<0-5>
register("d", WORD)  # the citizen's own data (/dulieu): d:<action>
register("x", SLUG)  # complain about a procedure from its answer: x:<procedure id>
register("s", rf"{SLUG}:{SLUG}")  # a procedure with the situation the question told: s:<procedure id>:<situation id>

"""Small-count suppression for published statistics (the public site, `bot.publish`).

A count under the threshold `k` (config `report.suppress_below`, default 5) is never shown: it
reads "<5" (primary suppression). Zero is suppressed too, so "<5" means anything from 0 to 4 and
two hidden cells cannot be told apart by knowing that neither is empty.

Published tables add up: a ward's categories add up to its cases, the wards to the city. One
hidden cell in a row whose total is shown would be the total minus the others, so more cells are
hidden ("ẩn", complementary suppression) until, in every additive group, every hidden cell can take
at least two values given what is shown: a "<5" cell 0..k-1, an "ẩn" cell k or more (a cell that can
only be 0 is allowed: an empty cell tells nothing about anyone). The check is
interval arithmetic per group, repeated over all groups until nothing changes, so a cell hidden
for one group is also accounted for in the groups it shares (a ward's total is a part of the
city's total and the total of its own categories).

Percentages are published only with their n, only when n >= min_n, and exactly only when neither
the numerator nor its complement is a small count; otherwise as a bound ("≥ 92%"), which is true
and reveals no small count (`public_share`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

PRIMARY = "primary"
SECONDARY = "secondary"
HIDDEN_LABEL = "ẩn"


@dataclass(frozen=True)
class Group:
    """Cells that add up to a total: sum(values[p] for p in parts) == values[total]."""

    parts: tuple[Hashable, ...]
    total: Hashable


def _bounds(key: Hashable, values: Mapping[Hashable, int], hidden: Mapping[Hashable, str], k: int) -> tuple[int, float]:
    if key not in hidden:
        return values[key], values[key]
    return (0, k - 1) if hidden[key] == PRIMARY else (k, math.inf)


def _disclosed(group: Group, values: Mapping[Hashable, int], hidden: Mapping[Hashable, str], k: int) -> bool:
    """True when a hidden cell of the group has only one possible value (other than zero) given the
    shown cells."""
    cells = [*group.parts, group.total]
    if not any(c in hidden for c in cells):
        return False
    # total - sum(parts) == 0 with each cell in its interval: tighten each hidden cell in turn.
    lows = {c: _bounds(c, values, hidden, k)[0] for c in cells}
    highs = {c: _bounds(c, values, hidden, k)[1] for c in cells}
    parts_low = sum(lows[p] for p in group.parts)
    # Sum of the parts' upper bounds, kept as (finite sum, number of unbounded parts) so that
    # "all but one" never computes inf - inf.
    finite_high = sum(highs[p] for p in group.parts if highs[p] != math.inf)
    unbounded = sum(1 for p in group.parts if highs[p] == math.inf)
    parts_high = math.inf if unbounded else finite_high

    def others_high(c: Hashable) -> float:
        if highs[c] == math.inf:
            return math.inf if unbounded > 1 else finite_high
        return math.inf if unbounded else finite_high - highs[c]

    for c in cells:
        if c not in hidden:
            continue
        if c == group.total:
            lo = max(lows[c], parts_low)
            hi = min(highs[c], parts_high)
        else:
            lo = max(lows[c], lows[group.total] - others_high(c))
            hi = min(highs[c], highs[group.total] - (parts_low - lows[c]))
        if lo >= hi and lo > 0:  # pinned to one value; an empty cell discloses nobody
            return True
    return False


def suppress(values: Mapping[Hashable, int], groups: Sequence[Group], k: int) -> dict[Hashable, str]:
    """Which cells to hide and how: {cell: PRIMARY ("<k") or SECONDARY ("ẩn")}.

    Every cell named in a group must be in `values`.
    """
    hidden: dict[Hashable, str] = {key: PRIMARY for key, value in values.items() if value < k}
    changed = True
    while changed:
        changed = False
        for group in groups:
            while _disclosed(group, values, hidden, k):
                visible = [p for p in group.parts if p not in hidden]
                if visible:
                    # Hide the smallest shown part: it costs the reader the least information.
                    pick = min(visible, key=lambda p: (values[p], group.parts.index(p)))
                elif group.total not in hidden:
                    pick = group.total
                else:
                    break  # everything is hidden already
                hidden[pick] = SECONDARY
                changed = True
    return hidden


def show_count(key: Hashable, values: Mapping[Hashable, int], hidden: Mapping[Hashable, str], k: int) -> str:
    """A count as published: the number (Vietnamese thousands dot), "<k" or "ẩn"."""
    how = hidden.get(key)
    if how == PRIMARY:
        return f"<{k}"
    if how == SECONDARY:
        return HIDDEN_LABEL
    return f"{values[key]:,}".replace(",", ".")


def public_share(numerator: int, n: int, k: int, min_n: int) -> str | None:
    """A share for the public page, or None below `min_n` ("chưa đủ số liệu").

    Exact (one decimal) when the numerator and n - numerator are both at least k; otherwise a
    bound that hides the small count: "≤ 8%" when the numerator is small, "≥ 92%" when the
    complement is.
    """
    if n < max(min_n, k):
        return None
    if numerator < k:
        return f"≤ {math.ceil(100 * (k - 1) / n)}%"
    if n - numerator < k:
        return f"≥ {math.floor(100 * (n - k + 1) / n)}%"
    return f"{100 * numerator / n:.1f}%".replace(".", ",")

"""The life of a case: its statuses and the only moves between them.

Every status change goes through `Store.change`, which refuses (changes nothing, returns None) a move
this table does not allow; that is what makes a button pressed twice, or an old button pressed after
the case moved on, harmless. Which statuses count as "open" is derived from the table, not repeated.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"  # filed or transferred; waits for the unit to acknowledge it
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"  # the unit asked the citizen for more information
    RESOLVED = "resolved"  # the unit reported a result; waits for the citizen's rating
    REOPENED = "reopened"  # the citizen said it was not resolved
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # rated by the citizen


S = Status

# status -> statuses it may move to. A transfer to another unit starts again at NEW.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.NEW, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.RESOLVED, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.NEW, S.INFO_REQUESTED, S.RESOLVED, S.WITHDRAWN}),
    S.INFO_REQUESTED: frozenset({S.NEW, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.RESOLVED, S.WITHDRAWN}),
    S.REOPENED: frozenset({S.NEW, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.RESOLVED, S.WITHDRAWN}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
}

INITIAL = S.NEW
# Open: the responsible unit still has to act, i.e. the case can still be resolved.
OPEN: frozenset[Status] = frozenset(s for s, moves in TRANSITIONS.items() if S.RESOLVED in moves)
# Open cases whose unit has not acknowledged them yet: the acknowledgement deadline runs.
WAITING_ACK: frozenset[Status] = frozenset({S.NEW, S.REOPENED})
# Nothing more can happen to the case.
FINAL: frozenset[Status] = frozenset(s for s, moves in TRANSITIONS.items() if not moves)


def allowed(current: str, new: str) -> bool:
    """May a case in status `current` move to `new`?"""
    try:
        return Status(new) in TRANSITIONS[Status(current)]
    except ValueError:
        return False


def open_sql(column: str = "status") -> tuple[str, list[str]]:
    """`column IN (?, ...)` with the open statuses as parameters, for queries."""
    ordered = sorted(OPEN)
    return f"{column} IN ({', '.join('?' * len(ordered))})", [str(s) for s in ordered]

"""Tracking codes: short, readable aloud over the phone, and not guessable.

Eight symbols from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B), drawn from
`secrets`: 23**8 ≈ 7.8e10 codes, so guessing someone's case is hopeless, and a code is still only
ever shown to its author.
"""

from __future__ import annotations

import secrets

ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
LENGTH = 8


def new_code() -> str:
    """A fresh random code, formatted as XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str | None:
    """Read a code as a citizen types it ("k7m4 q9x3", lower case, no dash); None if malformed."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0") if "0" in ALPHABET else cleaned
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"

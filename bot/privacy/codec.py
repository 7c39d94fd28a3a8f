"""Which stored columns are sealed, and the whole-database operations on them.

The store calls `seal_row` / `open_row` where rows meet objects, `author_key` for lookups by
author and `digest` for duplicate fingerprints; nothing else in the project sees ciphertext. This
module also checks at start-up that the key is the database's (`check_key`), encrypts a database
written before encryption existed, and re-encrypts everything under a new key (`reseal`, used by
`python -m bot rotate-key`) in one transaction.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.privacy.cipher import Cipher, PlainCipher
from bot.privacy.keys import DataKeyError

if TYPE_CHECKING:
    from bot.complaints.store import Store

# Personal data and free text, per table. Everything else (codes, wards, categories, statuses,
# times, ratings) stays readable: statistics and reports need it and it identifies no one.
SEALED: dict[str, tuple[str, ...]] = {
    "complaints": ("user", "occurred", "description", "official", "dossier", "photo", "contact_name", "contact"),
    "status_history": ("actor", "note"),
    "audit": ("actor", "detail"),
    "outbox": ("target", "payload", "last_error"),
    "sessions": ("owner", "state"),
}
PRIMARY_KEYS = {"complaints": "code", "status_history": "id", "audit": "id", "outbox": "id", "sessions": "user"}
ERASED_PREFIX = "erased:"


def seal_row(cipher: Cipher, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A copy of `row` with the table's sealed columns encrypted (columns absent are left absent)."""
    return {k: cipher.seal(v) if k in SEALED[table] and isinstance(v, str) else v for k, v in row.items()}


def open_row(cipher: Cipher, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A copy of `row` with the table's sealed columns decrypted."""
    return {k: cipher.open(v) if k in SEALED[table] and isinstance(v, str) else v for k, v in row.items()}


def fingerprint(user: str, ward_code: str, category: str, description: str) -> str:
    """Same citizen, ward, category and text: the same complaint sent twice (before hashing)."""
    return json.dumps([user, ward_code, category, " ".join(description.split()).lower()])


# -- key bookkeeping --------------------------------------------------------------------------------


def stored_key_id(store: Store) -> str | None:
    if not store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'privacy_meta'").fetchone():
        return None  # a schema older than the privacy migration (tests of upgrades)
    row = store.db.execute("SELECT value FROM privacy_meta WHERE name = 'key_id'").fetchone()
    return row[0] if row else None


def check_key(store: Store, cipher: Cipher) -> None:
    """Refuse a key that is not the database's; encrypt a database written before encryption."""
    stored = stored_key_id(store)
    if cipher.key_id is None:
        if stored is not None:
            raise DataKeyError("this database is encrypted: start with its data key (MOTCUA_DATA_KEY or key file)")
        return
    if stored == cipher.key_id:
        return
    if stored is not None:
        raise DataKeyError(f"the data key (id {cipher.key_id}) is not the one this database was encrypted with")
    reseal(store, PlainCipher(), cipher)


def reseal(store: Store, read: Cipher, write: Cipher) -> dict[str, int]:
    """Rewrite every sealed value read with `read` as sealed with `write`, hashes included.

    One transaction: a crash leaves the database entirely under the old key or entirely under the
    new one, and `privacy_meta.key_id` says which.
    """
    counts: dict[str, int] = {}
    with store.transaction() as tx:
        for table, columns in SEALED.items():
            key = PRIMARY_KEYS[table]
            extra = ", author, fingerprint, ward_code, category" if table == "complaints" else ""
            rows = tx.execute(f"SELECT {key}, {', '.join(columns)}{extra} FROM {table}").fetchall()
            names = [key, *columns, *([c.strip() for c in extra.split(",") if c.strip()])]
            for values in rows:
                row = dict(zip(names, values, strict=True))
                plain = open_row(read, table, {c: row[c] for c in columns})
                updates = seal_row(write, table, plain)
                if table == "complaints":
                    updates.update(_complaint_hashes(write, row, plain))
                if table == "sessions":
                    # Rows from before encryption have no owner: their key column is the raw id.
                    owner = plain["owner"] if plain["owner"] is not None else row["user"]
                    updates["owner"] = write.seal(owner)
                    updates["user"] = write.author_key(owner)
                sets = ", ".join(f"{c} = ?" for c in updates)
                tx.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", [*updates.values(), row[key]])
            counts[table] = len(rows)
        if write.key_id is None:
            tx.execute("DELETE FROM privacy_meta WHERE name = 'key_id'")
        else:
            tx.execute("INSERT OR REPLACE INTO privacy_meta (name, value) VALUES ('key_id', ?)", [write.key_id])
    return counts


def _complaint_hashes(write: Cipher, row: dict[str, Any], plain: dict[str, Any]) -> dict[str, Any]:
    if (row["fingerprint"] or "").startswith(ERASED_PREFIX) or not plain["user"]:
        return {}
    text = fingerprint(plain["user"], row["ward_code"], row["category"], plain["description"] or "")
    return {"author": write.author_key(plain["user"]), "fingerprint": write.digest(text)}

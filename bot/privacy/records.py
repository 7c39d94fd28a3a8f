"""Writes that exercise a citizen's rights or the retention policy on the stored records.

Each function is one transaction: the change, its audit entry (never with the content) and the
messages it causes commit together. Erasure keeps the case row (ward, category, dates, status,
rating) so the statistics and reports stay true, and removes everything that says who the citizen
was or what they wrote: identity, free text, status notes, audit details and the queued or
delivered messages that carried them.
"""

from __future__ import annotations

import datetime as dt

from bot.complaints.store import Outgoing, Store, Transaction, iso_utc
from bot.complaints.texts import OPEN_STATUSES

CITIZEN_ACTOR = "citizen"  # who an erased citizen's actions are attributed to from then on
# Messages still owed to a unit that carry no citizen content (a withdrawal or privacy notice).
KEEP_UNSENT = frozenset({"notify", "privacy"})


def _audit(store: Store, tx: Transaction, actor: str, action: str, code: str | None, detail: str | None) -> None:
    """An audit row inside the caller's transaction (the store's own writer, so it is sealed alike)."""
    store.audit.add(tx, actor, action, code, detail)


def _enqueue(store: Store, tx: Transaction, messages: list[Outgoing]) -> None:
    """Outbox rows inside the caller's transaction."""
    store.outbox_table.enqueue(tx, messages)


def withdraw_consent(store: Store, code: str, user: str, messages: list[Outgoing]) -> bool:
    """Stop sharing identity on an open case: contact erased, consent withdrawn, unit notified.

    A forward not delivered yet still carries the name and phone: it is dropped here, and the
    caller's `messages` include its anonymous replacement. False when the case is not open or
    shares no identity (a second press changes nothing).
    """
    now = iso_utc(store.clock())
    marks = ",".join("?" * len(OPEN_STATUSES))
    with store.transaction() as tx:
        cur = tx.execute(
            "UPDATE complaints SET consent = 0, contact_name = NULL, contact = NULL, consent_withdrawn_at = ?, "
            f"updated_at = ? WHERE code = ? AND consent = 1 AND status IN ({marks})",
            [now, now, code, *OPEN_STATUSES],
        )
        if cur.rowcount != 1:
            return False
        tx.execute("DELETE FROM outbox WHERE code = ? AND sent_at IS NULL AND purpose = 'forward'", [code])
        _audit(store, tx, user, "consent_withdrawn", code, None)
        _enqueue(store, tx, messages)
    return True


def pending_forward(store: Store, code: str) -> bool:
    """A forward of this case is still waiting in the outbox."""
    return any(item.purpose == "forward" and item.sent_at is None for item in store.outbox(code))


def erase_case(store: Store, code: str, user: str, actor: str) -> bool:
    """Erase a closed case's identity and free text; keep it as an anonymous statistic.

    False when the case is missing, still open, or already erased.
    """
    now = iso_utc(store.clock())
    marks = ",".join("?" * len(OPEN_STATUSES))
    with store.transaction() as tx:
        cur = tx.execute(
            "UPDATE complaints SET user = '', author = NULL, occurred = '', description = '', official = NULL, "
            "dossier = NULL, photo = NULL, consent = 0, contact_name = NULL, contact = NULL, "
            "fingerprint = 'erased:' || code, erased_at = ?, updated_at = ? "
            f"WHERE code = ? AND erased_at IS NULL AND status NOT IN ({marks})",
            [now, now, code, *OPEN_STATUSES],
        )
        if cur.rowcount != 1:
            return False
        tx.execute("UPDATE status_history SET note = NULL WHERE code = ?", [code])
        tx.execute("UPDATE audit SET detail = NULL WHERE code = ?", [code])
        # Actors and targets are sealed (random per value), so they are compared after opening.
        citizen = store.cipher.seal(CITIZEN_ACTOR)
        for table in ("status_history", "audit"):
            for row_id, who in tx.execute(f"SELECT id, actor FROM {table} WHERE code = ?", [code]).fetchall():
                if user and store.cipher.open(who) == user:
                    tx.execute(f"UPDATE {table} SET actor = ? WHERE id = ?", [citizen, row_id])
        for row_id, target, purpose, sent_at in tx.execute(
            "SELECT id, target, purpose, sent_at FROM outbox WHERE code = ?", [code]
        ).fetchall():
            owed = sent_at is None and purpose in KEEP_UNSENT and store.cipher.open(target) != user
            if not owed:
                tx.execute("DELETE FROM outbox WHERE id = ?", [row_id])
        _audit(store, tx, actor, "erase", code, None)
    return True


def erase_sessions(store: Store, user: str) -> int:
    """Drop a citizen's conversation state (a saved draft, a pending answer)."""
    with store.transaction() as tx:
        return tx.execute("DELETE FROM sessions WHERE user = ?", [store.cipher.author_key(user)]).rowcount


def closed_before(store: Store, cutoff: dt.datetime) -> list[tuple[str, str]]:
    """(code, user) of cases closed, withdrawn or resolved before `cutoff` and not erased yet."""
    marks = ",".join("?" * len(OPEN_STATUSES))
    rows = store.db.execute(
        f"SELECT code, user FROM complaints WHERE erased_at IS NULL AND status NOT IN ({marks}) AND updated_at < ?",
        [*OPEN_STATUSES, iso_utc(cutoff)],
    ).fetchall()
    return [(code, store.cipher.open(user) or "") for code, user in rows]


def drop_sessions(store: Store, *, drafts_before: dt.datetime, others_before: dt.datetime) -> int:
    """Delete unfinished intakes and other conversation state idle since the cutoffs."""
    with store.transaction() as tx:
        drafts = tx.execute(
            "DELETE FROM sessions WHERE flow = 'intake' AND updated_at < ?", [iso_utc(drafts_before)]
        ).rowcount
        others = tx.execute(
            "DELETE FROM sessions WHERE COALESCE(flow, '') <> 'intake' AND updated_at < ?", [iso_utc(others_before)]
        ).rowcount
    return drafts + others


def drop_delivered(store: Store, before: dt.datetime) -> int:
    """Delete messages delivered before the cutoff (their text is no longer needed)."""
    with store.transaction() as tx:
        return tx.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", [iso_utc(before)]
        ).rowcount


def purge_ran(store: Store, day: str) -> bool:
    return store.db.execute("SELECT 1 FROM purge_runs WHERE day = ?", [day]).fetchone() is not None


def mark_purge(store: Store, day: str, summary: str) -> None:
    """Record the day's purge and audit it (counts only)."""
    with store.transaction() as tx:
        tx.execute(
            "INSERT OR REPLACE INTO purge_runs (day, at, summary) VALUES (?, ?, ?)",
            [day, iso_utc(store.clock()), summary],
        )
        _audit(store, tx, "retention", "purge", None, summary)

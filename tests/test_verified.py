"""Every entry says how well it was verified, and answers pass that on to the citizen."""

from __future__ import annotations

from bot.answers import PARTIAL_NOTE, procedure_answer


def test_answers_say_how_sure_they_are(knowledge) -> None:
    levels = {p.verified for p in knowledge.procedures.values()}
    assert levels == {"full", "partial"}
    for proc in knowledge.procedures.values():
        assert (PARTIAL_NOTE in procedure_answer(proc, None)) == (proc.verified == "partial")

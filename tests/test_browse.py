"""Browsing the catalogue by field: pages of at most 8 button rows, every procedure reachable once."""

from __future__ import annotations

import dataclasses

from bot import qa
from bot.conversation import Incoming
from bot.knowledge import Knowledge
from bot.replies import CALLBACK_LIMIT

MAX_ROWS = 8


def _walk(knowledge: Knowledge, prefix: str) -> list[str]:
    """Follow the next-page buttons from the first page; return the procedure ids seen, in order."""
    seen: list[str] = []
    data = f"f:{prefix}"
    pages = 0
    while data:
        reply = qa.browse_field(knowledge, data[2:])
        pages += 1
        assert pages <= len(knowledge.procedures), "paging does not end"
        assert len(reply.buttons) <= MAX_ROWS, reply.buttons
        buttons = reply.all_buttons()
        assert all(len(b.data.encode()) <= CALLBACK_LIMIT for b in buttons)
        assert buttons[-1].data == "m:thutuc"
        seen += [b.data[2:] for b in buttons if b.data.startswith("p:")]
        data = next((b.data for b in buttons if b.label.startswith("Trang sau")), "")
    return seen


def test_every_field_pages_through_all_its_procedures(knowledge) -> None:
    for button in qa.browse_fields(knowledge).all_buttons():
        prefix = button.data.removeprefix("f:")
        expected = [pid for pid in knowledge.procedures if pid.split(".")[0] == prefix]
        assert _walk(knowledge, prefix) == expected


def test_a_large_field_paginates_and_pages_link_both_ways(knowledge) -> None:
    template = knowledge.procedures["ho-tich.khai-sinh"]
    many = {f"ho-tich.gen-{n:02d}": template.model_copy(update={"id": f"ho-tich.gen-{n:02d}"}) for n in range(40)}
    big = dataclasses.replace(knowledge, procedures={**knowledge.procedures, **many})
    ids = _walk(big, "ho-tich")
    assert len(ids) == len(set(ids)) == sum(1 for pid in big.procedures if pid.startswith("ho-tich."))
    last_page = (len(ids) + qa.PAGE_SIZE - 1) // qa.PAGE_SIZE
    last = qa.browse_field(big, f"ho-tich:{last_page}")
    assert f"trang {last_page}/{last_page}" in last.text
    assert [b.data for b in last.all_buttons() if b.label.startswith("◀️")] == [f"f:ho-tich:{last_page - 1}"]
    assert not [b for b in last.all_buttons() if b.label.startswith("Trang sau")]
    # A page number past the end (a stale button after a reload) shows the last page, not an error.
    assert qa.browse_field(big, "ho-tich:999").text == last.text
    assert qa.browse_field(big, "ho-tich:abc").text == qa.browse_field(big, "ho-tich").text


def test_page_buttons_work_through_the_conversation(knowledge, assistant) -> None:
    (first,) = assistant.handle(Incoming("t", button="f:ho-tich"))
    nxt = next(b for b in first.all_buttons() if b.label.startswith("Trang sau"))
    (second,) = assistant.handle(Incoming("t", button=nxt.data))
    assert "trang 2/" in second.text
    assert second.text == qa.browse_field(knowledge, nxt.data[2:]).text

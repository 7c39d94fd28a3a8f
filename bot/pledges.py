"""Answers about published commitments (cam kết), and their link to complaint categories."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from bot import callbacks as cb
from bot.categories import CATEGORY_LABELS
from bot.commitments import Commitment
from bot.config import Config
from bot.knowledge import Knowledge
from bot.qa import commitment_summary
from bot.replies import Button, Reply, esc, rows
from bot.textnorm import fold

UNIT_ORDER = {"national": 0, "city": 1}
MAX_SHOWN = 3

CountCitations = Callable[[str, str | None], int]  # (commitment id, ward code or None) -> cases in 30 days


def unit_label(config: Config, unit: str) -> str:
    if unit == "national":
        return "Quy định chung (toàn quốc)"
    if unit == "city":
        return config.city
    ward = config.ward(unit.removeprefix("ward:"))
    return ward.name if ward else unit


def pledges_for(knowledge: Knowledge, category: str, ward_code: str) -> list[Commitment]:
    """Every commitment a complaint of `category` shows broken, the one to cite first.

    The law comes first, then the city, then the ward; within a unit the most specific pledge
    (fewest categories). A complaint is counted under all of them.
    """
    units = {"national": 0, "city": 1, f"ward:{ward_code}": 2}
    matching = [c for c in knowledge.commitments.values() if category in c.complaint_categories and c.unit in units]
    label = _bigrams(CATEGORY_LABELS.get(category, ""))
    # Within a unit, the pledge the category really concerns: its title names the conduct
    # ("Hách dịch, cửa quyền" -> "Không cửa quyền, hách dịch, ..."), else it lists the category first.
    matching.sort(
        key=lambda c: (
            units[c.unit],
            -len(label & _bigrams(c.title)),
            c.complaint_categories.index(category),
            len(c.complaint_categories),
        )
    )
    return matching


def _bigrams(text: str) -> set[str]:
    words = fold(text).split()
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


def pledge_for(knowledge: Knowledge, category: str, ward_code: str) -> Commitment | None:
    """The commitment to cite for a complaint of `category` (see `pledges_for`)."""
    matching = pledges_for(knowledge, category, ward_code)
    return matching[0] if matching else None


def ward_in_text(config: Config, text: str) -> str | None:
    """A configured ward named in a question ("phường Bến Thành cam kết gì")."""
    folded = fold(text)
    for ward in config.wards:
        for name in (ward.name, *ward.aliases):
            key = fold(name)
            if key.startswith("phuong "):
                key = key[7:]
            if key and f" {key} " in f" {folded} ":
                return ward.code
    return None


def _block(item: Commitment, config: Config, today: dt.date, count: CountCitations, ward_code: str | None) -> str:
    lines = [commitment_summary(item, today)]
    lines.append(f"👉 Nếu không được thực hiện: {esc(item.if_broken)}")
    if item.complaint_categories:
        cited = count(item.id, ward_code)
        where = unit_label(config, f"ward:{ward_code}") if ward_code else "các phường đang tham gia"
        lines.append(f"<i>30 ngày qua: {cited} phản ánh tại {esc(where)} liên quan cam kết này.</i>")
    return "\n".join(lines)


def complaint_button(item: Commitment) -> Button | None:
    categories = [c for c in item.complaint_categories if c != "khac"]
    return Button("📣 Phản ánh vi phạm cam kết này", cb.build("m", "phananh", categories[0])) if categories else None


def answer(
    knowledge: Knowledge, config: Config, ids: tuple[str, ...], question: str, today: dt.date, count: CountCitations
) -> Reply:
    """The pledges a commitment question names, what to do if broken, and the asker's ward's own."""
    ward_code = ward_in_text(config, question)
    items = [knowledge.commitments[i] for i in ids if i in knowledge.commitments][:MAX_SHOWN]
    if (ward_code and not items) or (ward_code and _asks_about_ward(question)):
        own = [c for c in knowledge.commitments.values() if c.unit == f"ward:{ward_code}"]
        items = own + [i for i in items if i not in own]
    if ward_code:  # a named ward's answer never shows another ward's pledge
        items = [i for i in items if not i.unit.startswith("ward:") or i.unit == f"ward:{ward_code}"]
    if not items:
        return browse(config, knowledge)
    blocks = [_block(item, config, today, count, ward_code) for item in items[: MAX_SHOWN + 2]]
    buttons = [b for b in (complaint_button(items[0]),) if b]
    buttons.append(Button("🤝 Xem tất cả cam kết", cb.build("m", "camket")))
    return Reply("\n\n".join(blocks), rows(buttons))


def _asks_about_ward(question: str) -> bool:
    folded = fold(question)
    return any(cue in folded for cue in ("da lam", "hua", "cam ket", "nhiem vu", "ke hoach", "hoan thanh"))


def browse(config: Config, knowledge: Knowledge | None = None) -> Reply:
    """/camket: pick a unit (the wards that published pledges, not all ~170 of the province)."""
    buttons = [Button("Quy định chung (toàn quốc)", cb.build("k", "national")), Button(config.city, cb.build("k", "city"))]
    with_pledges = {c.unit for c in knowledge.commitments.values()} if knowledge is not None else set()
    buttons += [
        Button(w.name, cb.build("k", "ward", w.code))
        for w in config.wards
        if f"ward:{w.code}" in with_pledges or (knowledge is None and len(config.wards) <= 12)
    ]
    return Reply("🤝 <b>Cam kết</b>: chọn đơn vị để xem các cam kết và tình trạng thực hiện.", rows(buttons, 2))


def unit_pledges(knowledge: Knowledge, config: Config, unit: str, today: dt.date, count: CountCitations) -> Reply:
    """Every commitment of one unit, tasks with their (overdue-aware) status."""
    items = [c for c in knowledge.commitments.values() if c.unit == unit]
    if not items:
        return browse(config, knowledge)
    ward_code = unit.removeprefix("ward:") if unit.startswith("ward:") else None
    header = f"🤝 <b>Cam kết của {esc(unit_label(config, unit))}</b>"
    if any(c.sample for c in items):
        header += "\n<i>(Một số mục là dữ liệu mẫu của bản triển khai thử nghiệm.)</i>"
    blocks = [header] + [_block(item, config, today, count, ward_code) for item in items]
    return Reply("\n\n".join(blocks), rows([Button("⬅️ Các đơn vị", cb.build("m", "camket"))]))

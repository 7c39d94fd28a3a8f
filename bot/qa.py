"""Question answering: from an `Understanding` to the replies a citizen sees.

Pure functions of the knowledge and the config; the conversation module decides when to call them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap

from bot import callbacks as cb
from bot.answers import MORE_MARKER, aspect_buttons, find_situation, part_answer, procedure_answer
from bot.commitments import Commitment
from bot.config import Config, Ward
from bot.knowledge import Knowledge
from bot.question_form import asks_about_money, question_form
from bot.replies import Button, Reply, esc, rows
from bot.textnorm import fold
from bot.understanding import ACCEPT_SCORE, Understanding

MENU_BUTTONS = (
    Button("📋 Tra cứu thủ tục", cb.build("m", "thutuc")),
    Button("🤝 Cam kết của phường", cb.build("m", "camket")),
    Button("📣 Phản ánh cán bộ", cb.build("m", "phananh")),
    Button("🔎 Tra cứu phản ánh", cb.build("m", "tracuu")),
)


def _label(name: str, width: int) -> str:
    """A procedure's name cut between words to fit a button: "…cấp Giấy chứng nh" read as a typo."""
    return textwrap.shorten(name, width=width, placeholder="…")


def menu_buttons() -> tuple[tuple[Button, ...], ...]:
    return rows(list(MENU_BUTTONS), per_row=2)


def welcome(config: Config) -> Reply:
    text = (
        f"Xin chào! Tôi là <b>{esc(config.name)}</b>, trợ lý của bộ phận một cửa.\n\n"
        "Bạn có thể hỏi tôi bằng lời thường, có dấu hay không dấu đều được, ví dụ:\n"
        "• <i>làm giấy khai sinh cho con cần gì</i>\n"
        "• <i>đăng ký tạm trú hết bao nhiêu tiền</i>\n"
        "• <i>trễ hẹn thì có được xin lỗi không</i>\n\n"
        "Bạn cũng có thể phản ánh thái độ, hành vi của cán bộ; danh tính của bạn được giữ kín."
    )
    return Reply(text, menu_buttons())


def help_reply(config: Config) -> Reply:
    text = (
        "<b>Các lệnh:</b>\n"
        "/thutuc – tra cứu thủ tục hành chính theo lĩnh vực\n"
        "/camket – các cam kết của phường, thành phố\n"
        "/phananh – phản ánh thái độ, hành vi của cán bộ\n"
        "/tracuu MÃ – xem tình trạng phản ánh của bạn\n"
        "/dulieu – xem, rút đồng ý hoặc xóa dữ liệu cá nhân của bạn\n"
        "/huy – hủy thao tác đang làm\n\n"
        "Hoặc gõ câu hỏi của bạn, ví dụ: <i>lam cccd o dau</i>.\n"
        f"Cần hỗ trợ trực tiếp: gọi {esc(config.hotline_name)} ({esc(config.hotline)})."
    )
    return Reply(text, menu_buttons())


def browse_fields(knowledge: Knowledge) -> Reply:
    """The list of fields, one button each."""
    buttons = []
    for prefix, procs in _by_prefix(knowledge).items():
        buttons.append(Button(f"{procs[0].field} ({len(procs)})", cb.build("f", prefix)))
    return Reply("Chọn lĩnh vực bạn cần tra cứu:", rows(buttons, per_row=2))


# A field's page holds at most this many procedure rows, plus one row of page buttons and one back to
# the fields: 8 rows in all, so a field with 30 procedures stays readable on a phone.
PAGE_SIZE = 6


def browse_field(knowledge: Knowledge, prefix: str) -> Reply:
    """One page of the procedures of one field; `prefix` is "<field>" or "<field>:<page>" (from 1)."""
    prefix, _, page_text = prefix.partition(":")
    procs = _by_prefix(knowledge).get(prefix)
    if not procs:
        return browse_fields(knowledge)
    pages = (len(procs) + PAGE_SIZE - 1) // PAGE_SIZE
    page = int(page_text) if page_text.isdigit() else 1
    page = min(max(page, 1), pages)  # a stale button after a reload still lands on a real page
    shown = procs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    layout = [(Button(_label(p.name, 60), cb.build("p", p.id)),) for p in shown]
    nav = []
    if page > 1:
        nav.append(Button("◀️ Trang trước", cb.build("f", prefix, page - 1)))
    if page < pages:
        nav.append(Button("Trang sau ▶️", cb.build("f", prefix, page + 1)))
    if nav:
        layout.append(tuple(nav))
    layout.append((Button("⬅️ Các lĩnh vực", cb.build("m", "thutuc")),))
    where = f" (trang {page}/{pages})" if pages > 1 else ""
    return Reply(f"<b>{esc(procs[0].field)}</b>{where}: chọn thủ tục:", tuple(layout))


def _by_prefix(knowledge: Knowledge) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for proc in knowledge.procedures.values():
        grouped.setdefault(proc.id.split(".")[0], []).append(proc)
    return grouped


def show_procedure(
    knowledge: Knowledge,
    proc_id: str,
    aspect: str | None,
    situation: str | None = None,
    *,
    question: str = "",
    today: dt.date | None = None,
    alone: bool = False,
    ward: Ward | None = None,
) -> Reply:
    """The answer for one procedure; an unknown id (stale button) leads back to browsing.

    A question gets the short first answer (the situation it tells and its form decide how it
    opens); `alone` shows the one part a button asked for, in full.
    """
    proc = knowledge.procedures.get(proc_id)
    if proc is None:
        reply = browse_fields(knowledge)
        return Reply("Thủ tục này không còn trong danh mục. " + reply.text, reply.buttons)
    told = next((s for s in proc.situations if s.id == situation), None)
    if told is None and question:
        told = find_situation(proc, question, knowledge.lexicon.expand, knowledge.situation_cues[proc.id])
    if alone and aspect:
        text = part_answer(proc, aspect, knowledge.glossary)
    else:
        form = question_form(question) if question else "open"
        if aspect is None:  # "… có mất thuế không", "… mất bao lâu": the form names the part
            money = form == "how_much" or (form == "yes_no" and asks_about_money(question))
            aspect = "fees" if money else "time" if form == "how_long" else None
        # A ward named in the question: its own desk, where the procedure is filed at a ward.
        desk = f"{ward.name}: {ward.desk_address}; {ward.desk_hours}" if ward and proc.at_ward else None
        text = procedure_answer(
            proc,
            aspect,
            question=question,
            form=form,
            today=today,
            glossary=knowledge.glossary,
            desk=desk,
            situation=told,
        )
    complaint_first = bool(told and told.complaint)
    buttons = aspect_buttons(proc, aspect, complaint_first, shown_in_full=MORE_MARKER not in text)
    return Reply(text, rows(buttons, per_row=3))


def choices(knowledge: Knowledge, understanding: Understanding) -> Reply:
    """Close alternatives: let the citizen pick."""
    buttons = _pick_buttons(knowledge, understanding, understanding.choices)
    buttons.append(Button("Không phải các thủ tục trên", cb.build("m", "none")))
    return Reply("Bạn hỏi về thủ tục nào dưới đây?", rows(buttons))


def _pick_buttons(knowledge: Knowledge, understanding: Understanding, procedure_ids: tuple[str, ...]) -> list[Button]:
    """One button per procedure, carrying the aspect or situation the message asked about."""
    aspect = understanding.aspect or ""
    buttons = []
    for proc_id in procedure_ids:
        data = cb.build("a", aspect, proc_id) if aspect else cb.build("p", proc_id)
        # A situation the message told travels with the choice ("s:<id>:<situation>", ≤ 63 bytes).
        told = find_situation(
            knowledge.procedures[proc_id], understanding.question, knowledge.lexicon.expand, knowledge.situation_cues[proc_id]
        )
        if told is not None:
            data = cb.build("s", proc_id, told.id)
        buttons.append(Button(_label(knowledge.procedures[proc_id].name, 60), data))
    return buttons


def referral_answer(knowledge: Knowledge, referral_id: str, also: tuple[str, ...] = ()) -> Reply:
    """Where a matter the ward does not handle goes: who, how to reach them, what to bring; `also`
    are ward procedures the message named as well, one tap away."""
    ref = knowledge.referrals[referral_id]
    lines = [
        f"ℹ️ <b>{esc(ref.matter)}</b>: việc này <b>không do phường, xã giải quyết</b>.",
        f"🏛 Nơi giải quyết: <b>{esc(ref.institution)}</b>",
        f"📍 Cách liên hệ, nộp hồ sơ: {esc(ref.how)}",
    ]
    if ref.bring:
        lines.append("🗂 Nên mang theo:\n" + "\n".join(f"• {esc(item)}" for item in ref.bring))
    if ref.note:
        lines.append(f"📝 {esc(ref.note)}")
    lines.append(f"<i>Căn cứ: {esc('; '.join(ref.legal_basis))}</i>")
    if ref.verified == "partial":
        lines.append("<i>Một số chi tiết liên hệ có thể thay đổi; bạn kiểm tra lại với cơ quan trước khi đến.</i>")
    shown = [pid for pid in (*ref.related, *also) if pid in knowledge.procedures]
    buttons = [Button(f"📋 {_label(knowledge.procedures[pid].name, 56)}", cb.build("p", pid)) for pid in dict.fromkeys(shown)]
    buttons.append(Button("🏠 Menu", cb.build("m", "start")))
    return Reply("\n\n".join(lines), rows(buttons))


def keep_procedure_at_hand(knowledge: Knowledge, understanding: Understanding, replies: list[Reply]) -> list[Reply]:
    """A complaint that also names a procedure keeps that procedure's answer one tap away."""
    named = [c for c in understanding.candidates[:1] if c.score >= ACCEPT_SCORE and c.id in knowledge.procedures]
    if not named or not replies:
        return replies
    proc = knowledge.procedures[named[0].id]
    button = Button(f"📋 Xem thủ tục: {_label(proc.name, 48)}", cb.build("p", proc.id))
    first = replies[0]
    return [dataclasses.replace(first, buttons=(*first.buttons, (button,))), *replies[1:]]


# What an honest decline offers instead of an answer: the catalogue by field, and the menu.
_DECLINE_ROW = (Button("📋 Xem danh mục thủ tục", cb.build("m", "thutuc")), Button("🏠 Menu", cb.build("m", "start")))


def _what_next(config: Config) -> str:
    """The ways on after a decline: ask again, browse, or call."""
    return (
        "Bạn có thể:\n"
        "• hỏi lại ngắn gọn tên thủ tục, ví dụ: <i>đăng ký tạm trú cần gì</i>;\n"
        "• xem danh mục thủ tục theo lĩnh vực (nút bên dưới);\n"
        f"• gọi {esc(config.hotline_name)}: <b>{esc(config.hotline)}</b>, "
        "hoặc hỏi trực tiếp tại bộ phận một cửa của phường, xã."
    )


def decline(config: Config) -> Reply:
    """An honest 'I don't know' with what the assistant can do and who can help."""
    text = (
        "Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp với câu hỏi của bạn, nên không dám trả lời đoán.\n\n"
        + _what_next(config)
    )
    return Reply(text, (_DECLINE_ROW,))


def suggest(config: Config, understanding: Understanding, knowledge: Knowledge) -> Reply:
    """Declined, with the entries that came near to pick from: a question back, never an answer."""
    text = (
        "Tôi chưa chắc bạn hỏi về thủ tục nào, nên không dám trả lời đoán. "
        "Nếu là một trong các thủ tục dưới đây, bạn bấm để xem.\n\n"
        + _what_next(config)
    )
    picks = rows(_pick_buttons(knowledge, understanding, understanding.suggestions))
    return Reply(text, (*picks, _DECLINE_ROW))


def thanks_for_praise(config: Config) -> Reply:
    """Praise of the desk is acknowledged, not met with "no procedure found"."""
    text = (
        "Cảm ơn bạn đã chia sẻ nhận xét tốt về bộ phận một cửa. Ý kiến của người dân giúp cán bộ "
        "làm việc tốt hơn.\n\n"
        "Nếu bạn cần hỏi thủ tục, hãy gõ câu hỏi, ví dụ: <i>đăng ký tạm trú cần gì</i>."
    )
    return Reply(text, (_DECLINE_ROW,))


def praises(knowledge: Knowledge, text: str) -> bool:
    """Whether a message praises the desk ("hướng dẫn rất tận tình")."""
    return knowledge.lexicon.praises(knowledge.lexicon.expand(fold(text)))


def greeting_or_decline(config: Config, understanding: Understanding, knowledge: Knowledge) -> Reply:
    """A greeting gets the welcome, praise a thank-you; anything else out of scope the honest decline."""
    if praises(knowledge, understanding.question):
        return thanks_for_praise(config)
    if knowledge.lexicon.greetings.count(fold(understanding.question)):
        return welcome(config)
    if understanding.suggestions:
        return suggest(config, understanding, knowledge)
    return decline(config)


def commitment_summary(item: Commitment, today: dt.date) -> str:
    """One commitment as a short block of text."""
    lines = [f"<b>{esc(item.title)}</b>"]
    if item.sample:
        lines[0] += " <i>(mẫu thử nghiệm)</i>"
    lines.append(esc(item.entitlement))
    if item.kind == "task":
        label = item.status_label(today)
        lines.append(
            f"Hạn: {item.deadline:%d/%m/%Y} · Trạng thái: <b>{esc(label)}</b> "
            f"(cập nhật {item.status_updated:%d/%m/%Y}) · Chỉ tiêu: {esc(item.indicator)}"
        )
    source = item.source.document + (f", {item.source.date:%d/%m/%Y}" if item.source.date else "")
    lines.append(f"<i>Nguồn: {esc(source)}</i>")
    return "\n".join(lines)

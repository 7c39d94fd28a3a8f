"""Turn catalogue entries into phone-sized answers in Vietnamese.

The asked part comes first and in full; the other parts follow in one line each, with buttons to
open them. Every answer ends with the legal basis and the date the entry was verified.
"""

from __future__ import annotations

from bot import callbacks as cb
from bot.catalogue import Procedure
from bot.replies import Button, esc

ASPECT_LABELS = {
    "documents": "Giấy tờ cần chuẩn bị",
    "fees": "Lệ phí",
    "time": "Thời gian giải quyết",
    "where": "Nơi nộp hồ sơ",
    "online": "Nộp trực tuyến",
    "legal_basis": "Căn cứ pháp lý",
}
ASPECT_BUTTONS = {
    "documents": "📄 Giấy tờ",
    "fees": "💰 Lệ phí",
    "time": "⏱ Thời gian",
    "where": "📍 Nơi nộp",
    "online": "🌐 Trực tuyến",
    "legal_basis": "⚖️ Căn cứ",
}
ORDER = ("documents", "time", "fees", "where", "online", "legal_basis")
BRIEF_CHARS = 160


def _online_text(proc: Procedure) -> str:
    online = proc.online
    if not online.channels:
        text = "Chưa hỗ trợ nộp trực tuyến; nộp trực tiếp."
    else:
        how = "toàn trình (không phải đến nộp giấy)" if online.fully_online else "một phần"
        text = f"Có, {how}, qua: {', '.join(online.channels)}."
    return f"{text} {online.note}" if online.note else text


def _full(proc: Procedure, aspect: str) -> list[str]:
    if aspect == "documents":
        return [f"• {esc(d)}" for d in proc.documents]
    if aspect == "time":
        return [esc(proc.processing_time)]
    if aspect == "fees":
        return [esc(proc.fees)]
    if aspect == "where":
        lines = [esc(proc.agency)]
        if not proc.at_ward:
            lines.append("<i>Thủ tục này không nộp tại phường, xã.</i>")
        return lines
    if aspect == "online":
        return [esc(_online_text(proc))]
    return [f"• {esc(law)}" for law in proc.legal_basis]


def _brief(proc: Procedure, aspect: str) -> str:
    if aspect == "documents":
        text = "; ".join(proc.documents)
    elif aspect == "legal_basis":
        text = "; ".join(proc.legal_basis)
    else:
        text = " ".join(line for line in _full_plain(proc, aspect))
    if len(text) > BRIEF_CHARS:
        text = text[: BRIEF_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return esc(text)


def _full_plain(proc: Procedure, aspect: str) -> list[str]:
    return {
        "time": [proc.processing_time],
        "fees": [proc.fees],
        "where": [proc.agency],
        "online": [_online_text(proc)],
    }[aspect]


# Said under every entry not fully checked (`verified: partial`), so the citizen knows how sure it is.
PARTIAL_NOTE = (
    "Một số thông tin của thủ tục này chưa đối chiếu được đầy đủ với văn bản mới nhất; "
    "hãy xem bảng niêm yết hoặc hỏi bộ phận một cửa trước khi nộp."
)


def procedure_answer(proc: Procedure, aspect: str | None) -> str:
    """The answer to a question about `proc`, the asked `aspect` first (all in full if None)."""
    lines = [f"<b>{esc(proc.name)}</b>", f"<i>Lĩnh vực: {esc(proc.field)}</i>"]
    if not proc.at_ward:
        lines.append(f"⚠️ <b>Không nộp tại phường, xã.</b> Nơi nộp: {esc(proc.agency)}")
    if aspect:
        lines += ["", f"<b>{ASPECT_LABELS[aspect]}:</b>", *_full(proc, aspect), ""]
        for other in ORDER:
            if other not in (aspect, "legal_basis"):
                lines.append(f"<b>{ASPECT_LABELS[other]}:</b> {_brief(proc, other)}")
    else:
        for part in ORDER:
            if part == "legal_basis":
                continue
            body = _full(proc, part)
            if part == "documents":
                lines += ["", f"<b>{ASPECT_LABELS[part]}:</b>", *body]
            else:
                lines.append(f"<b>{ASPECT_LABELS[part]}:</b> {' '.join(body)}")
    if proc.notes:
        lines += ["", f"💡 {esc(proc.notes)}"]
    if aspect != "legal_basis":
        lines += ["", f"<b>{ASPECT_LABELS['legal_basis']}:</b> {esc('; '.join(proc.legal_basis))}"]
    lines.append(f"<i>Thông tin kiểm tra ngày {proc.updated:%d/%m/%Y}. Nguồn: {esc(proc.source)}</i>")
    if proc.verified == "partial":
        lines.append(f"<i>{PARTIAL_NOTE}</i>")
    return "\n".join(lines)


def aspect_buttons(proc: Procedure, shown: str | None) -> list[Button]:
    """Buttons to open the other parts of the same procedure."""
    if shown is None:
        return [Button(ASPECT_BUTTONS["legal_basis"], cb.build("a", "legal_basis", proc.id))]
    return [Button(ASPECT_BUTTONS[a], cb.build("a", a, proc.id)) for a in ORDER if a != shown]

"""The guided complaint intake: one step per question, back / edit / cancel at every step.

The draft lives in the citizen's session (SQLite), so an intake survives restarts and can be
resumed days later. Steps: ward → (confirm a converted old address) → category → when →
description → official → dossier code → photo → identity → (consent notice → contact) → summary.

Name and phone are asked only after the citizen has read the consent notice and pressed "Tôi đồng
ý" (recorded with its time and the notice's version); declining keeps the complaint anonymous. An
anonymous draft's description is shown in the summary with personal data masked, exactly as the
ward will read it, so the citizen can check and edit it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from bot import callbacks as cb
from bot.categories import CATEGORY_LABELS
from bot.complaints import typed
from bot.config import Config
from bot.privacy import consent as consent_notice
from bot.privacy.redact import redact
from bot.replies import Button, Reply, esc, rows
from bot.textnorm import clean_lines, has_letters
from bot.wards import Converter, convert_old_address, match_ward

STEPS = (
    "ward",
    "ward_confirm",
    "category",
    "when",
    "description",
    "official",
    "dossier",
    "photo",
    "identity",
    "consent",
    "contact",
    "summary",
)
OPTIONAL = ("official", "dossier", "photo")
MAX_SHORT = 200  # characters for the official, dossier code and contact fields

BACK = Button("⬅️ Quay lại", cb.build("i", "back"))
CANCEL = Button("✖️ Hủy", cb.build("i", "cancel"))
SKIP = Button("⏭ Bỏ qua", cb.build("i", "skip"))


@dataclass
class Draft:
    """What the intake has collected so far."""

    step: str = "ward"
    ward_code: str | None = None
    pending_ward: str | None = None  # converted ward code awaiting the citizen's confirmation
    pending_name: str | None = None
    ward_choices: list[str] = field(default_factory=list)  # codes to choose from when a typed name fits several
    category: str | None = None
    occurred: str | None = None
    description: str | None = None
    official: str | None = None
    dossier: str | None = None
    photo: str | None = None
    consent: bool = False
    contact_name: str | None = None
    contact: str | None = None
    consent_at: str | None = None  # ISO time the citizen agreed to the consent notice
    consent_version: str | None = None  # version of the notice they agreed to
    procedure: str | None = None  # the procedure the complaint is about, when started from its answer
    trail: list[str] = field(default_factory=list)  # steps visited, for "back"
    editing: bool = False  # return to the summary after this step

    def to_state(self) -> dict[str, Any]:
        return {"flow": "intake", "draft": asdict(self)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Draft:
        known = {k: v for k, v in state.get("draft", {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class StepResult:
    """The draft after one event, what to say, and whether the citizen confirmed sending."""

    draft: Draft | None  # None: the intake ended (cancelled)
    replies: list[Reply]
    submit: bool = False


def start(
    config: Config,
    prefill: str | None,
    guessed_category: str | None,
    ward_code: str | None = None,
    procedure: str | None = None,
) -> StepResult:
    """Begin an intake; a complaint typed as a free message pre-fills the description and ward.

    `procedure` (started from a procedure's answer) is kept with the description whatever is typed.
    """
    draft = Draft(procedure=procedure)
    if prefill and has_letters(prefill):
        draft.description = clean_lines(prefill)[: config.complaints.max_description_chars]
        draft.category = guessed_category
        if ward_code and config.ward(ward_code):
            draft.ward_code = ward_code
            draft.trail, draft.step = ["ward"], "category"
    intro = Reply(
        "📣 <b>Phản ánh thái độ, hành vi của cán bộ</b>\n"
        "Phản ánh của bạn được chuyển đến đơn vị có trách nhiệm và được theo dõi đến khi có kết quả. "
        "Mặc định bạn <b>ẩn danh</b>: phường không biết bạn là ai trừ khi bạn đồng ý.\n"
        "Gõ /huy bất cứ lúc nào để dừng."
    )
    return StepResult(draft, [intro, ask(config, draft)])


def ask(config: Config, draft: Draft) -> Reply:
    """The question of the draft's current step."""
    nav = [BACK, CANCEL] if draft.trail else [CANCEL]
    step = draft.step
    if step == "ward":
        # The province has ~170 wards (too many for buttons): the citizen types, and chooses only
        # among the few a typed name fits.
        choices = [w for w in (config.ward(c) for c in draft.ward_choices) if w is not None]
        buttons = [Button(w.name, cb.build("i", "ward", w.code)) for w in choices]
        if choices:
            return Reply("1️⃣ Bạn chọn đúng <b>phường/xã</b> nơi xảy ra sự việc:", (*rows(buttons, 2), tuple(nav)))
        return Reply(
            f"1️⃣ Sự việc xảy ra ở <b>phường/xã nào</b> của {esc(config.city)}? Gõ tên phường/xã "
            "(ví dụ “Bến Thành”; tên phường cũ hoặc địa chỉ cũ như “phường 6, quận 3” cũng được).",
            (tuple(nav),),
        )
    if step == "ward_confirm":
        return Reply(
            f"Theo địa giới mới (từ 1/7/2025), địa chỉ bạn nhập nay thuộc <b>{esc(draft.pending_name)}</b>. Đúng không?",
            (*rows([Button("✅ Đúng", cb.build("i", "wardok")), Button("Không, chọn lại", cb.build("i", "wardno"))], 2), tuple(nav)),
        )
    if step == "category":
        buttons = [Button(label, cb.build("i", "cat", cat)) for cat, label in CATEGORY_LABELS.items()]
        hint, first = "", ()
        if draft.category in CATEGORY_LABELS:
            hint = f"\nTheo nội dung bạn gửi, có thể là: <b>{esc(CATEGORY_LABELS[draft.category])}</b>."
            first = ((Button(f"✅ {CATEGORY_LABELS[draft.category]}", cb.build("i", "cat", draft.category)),),)
        ward = config.ward(draft.ward_code or "")
        where = f" (tại {esc(ward.name)})" if ward else ""
        return Reply(f"2️⃣ Cán bộ{where} đã có hành vi gì?{hint}", first + rows(buttons, 2) + (tuple(nav),))
    if step == "when":
        buttons = [
            Button("Hôm nay", cb.build("i", "when", "today")),
            Button("Hôm qua", cb.build("i", "when", "yesterday")),
            Button("Trong tuần này", cb.build("i", "when", "week")),
            Button("Trước đó", cb.build("i", "when", "earlier")),
        ]
        return Reply(
            "3️⃣ Sự việc xảy ra <b>khi nào</b>? Chọn hoặc gõ ngày (ví dụ: hôm qua, thứ 2 tuần trước, 12/11).",
            (*rows(buttons, 2), tuple(nav)),
        )
    if step == "description":
        if draft.description:
            return Reply(
                f"4️⃣ Nội dung phản ánh:\n<i>{esc(draft.description)}</i>\n\nGiữ nội dung này hay gõ lại?",
                (*rows([Button("✅ Giữ nội dung này", cb.build("i", "keep"))], 1), tuple(nav)),
            )
        if draft.procedure:
            return Reply(
                f"4️⃣ Thủ tục: <b>{esc(draft.procedure)}</b>. Hãy <b>kể lại sự việc</b>: cán bộ đã nói hoặc làm gì. "
                f"(tối đa {config.complaints.max_description_chars} ký tự)",
                (tuple(nav),),
            )
        return Reply(
            "4️⃣ Hãy <b>kể lại sự việc</b>: cán bộ đã nói hoặc làm gì, bạn đang làm thủ tục gì. "
            f"(tối đa {config.complaints.max_description_chars} ký tự)",
            (tuple(nav),),
        )
    if step == "official":
        return Reply("5️⃣ (Không bắt buộc) <b>Tên cán bộ hoặc vị trí bàn/quầy</b>, nếu bạn biết:", ((SKIP,), tuple(nav)))
    if step == "dossier":
        return Reply("6️⃣ (Không bắt buộc) <b>Mã hồ sơ</b> ghi trên giấy hẹn, nếu có:", ((SKIP,), tuple(nav)))
    if step == "photo":
        return Reply(
            "7️⃣ (Không bắt buộc) Gửi <b>một ảnh</b> làm bằng chứng (giấy hẹn, giấy tờ bị yêu cầu...):",
            ((SKIP,), tuple(nav)),
        )
    if step == "identity":
        return Reply(
            "8️⃣ <b>Danh tính của bạn</b>: phường có được biết tên và số liên hệ của bạn không?\n"
            "Nếu chọn ẩn danh, phường vẫn trả lời bạn qua trợ lý này nhưng không biết bạn là ai.",
            (
                *rows(
                    [Button("🕶 Ẩn danh (khuyến nghị)", cb.build("i", "anon")), Button("👤 Cho phường biết tên, liên hệ", cb.build("i", "share"))],
                    1,
                ),
                tuple(nav),
            ),
        )
    if step == "consent":
        return Reply(
            consent_notice.notice(config),
            (
                *rows([Button("✅ Tôi đồng ý", "i:agree"), Button("🕶 Không, giữ ẩn danh", "i:decline")], 1),
                tuple(nav),
            ),
        )
    if step == "contact":
        return Reply(
            "Gõ <b>họ tên và số điện thoại</b> để phường liên hệ (ví dụ: Nguyễn Văn A, 0901234567):", (tuple(nav),)
        )
    return summary(config, draft)


def summary(config: Config, draft: Draft, pledge_text: str | None = None) -> Reply:
    """The draft for the citizen to check before sending."""
    ward = config.ward(draft.ward_code or "")
    lines = [
        "🧾 <b>Kiểm tra lại trước khi gửi</b>",
        f"Phường/xã: {esc(ward.name if ward else '?')}",
        f"Loại: {esc(CATEGORY_LABELS.get(draft.category or '', '?'))}",
        f"Thời điểm: {esc(draft.occurred or '?')}",
        f"Nội dung: {esc(draft.description or '')}",
        f"Cán bộ / vị trí: {esc(draft.official or '—')}",
        f"Mã hồ sơ: {esc(draft.dossier or '—')}",
        f"Ảnh: {'có' if draft.photo else '—'}",
        "Danh tính: " + (f"cho phường biết ({esc(draft.contact or '')})" if draft.consent else "ẩn danh"),
    ]
    if pledge_text:
        lines.append(pledge_text)
    buttons = (*rows([Button("📨 Gửi phản ánh", cb.build("i", "submit")), Button("✏️ Sửa", cb.build("i", "edit"))], 2), (BACK, CANCEL))
    return Reply("\n".join(lines), buttons)


def edit_menu() -> Reply:
    fields = [
        ("ward", "Phường/xã"),
        ("category", "Loại"),
        ("when", "Thời điểm"),
        ("description", "Nội dung"),
        ("official", "Cán bộ"),
        ("dossier", "Mã hồ sơ"),
        ("photo", "Ảnh"),
        ("identity", "Danh tính"),
    ]
    back = (Button("⬅️ Quay lại", cb.build("i", "resume")),)  # back to the summary, which is still the current step
    return Reply(
        "Bạn muốn sửa mục nào?", (*rows([Button(label, cb.build("i", "goto", step)) for step, label in fields], 2), back)
    )


def _advance(draft: Draft, next_step: str) -> None:
    draft.trail.append(draft.step)
    draft.step = "summary" if draft.editing and next_step not in ("ward_confirm", "consent", "contact") else next_step
    if draft.step == "summary":
        draft.editing = False


def _when(choice: str, today: dt.date) -> str:
    if choice == "today":
        return typed.parse_when("hôm nay", today).label  # type: ignore[union-attr]
    if choice == "yesterday":
        return typed.parse_when("hôm qua", today).label  # type: ignore[union-attr]
    if choice == "week":
        return f"Trong tuần ({today:%d/%m/%Y} trở về trước)"
    return "Trước đó (không nhớ rõ ngày)"


def step(
    config: Config,
    draft: Draft,
    *,
    text: str | None,
    button: str | None,
    photo: str | None,
    today: dt.date,
    converter: Converter = convert_old_address,
    now: dt.datetime | None = None,
) -> StepResult:
    """Apply one citizen event to the draft (`now` stamps a consent)."""
    # Typed "hủy"/"thôi không gửi nữa" and "quay lại" work like the buttons at every step, so
    # they are never stored as a description, a name or a code.
    if button == "i:cancel" or (button is None and typed.is_cancel(text)):
        return StepResult(None, [Reply("Đã hủy phản ánh. Thông tin bạn nhập chưa được gửi đi.")])
    if button == "i:back" or (button is None and typed.is_back(text)):
        _go_back(draft)
        return StepResult(draft, [ask(config, draft)])
    if button == "i:resume":
        return StepResult(draft, [ask(config, draft)])
    if button == "i:edit":
        return StepResult(draft, [edit_menu()])
    if button and button.startswith("i:goto:"):
        target = button.split(":", 2)[2]
        if target in STEPS:
            draft.trail.append(draft.step)
            draft.step, draft.editing = target, True
        return StepResult(draft, [ask(config, draft)])
    if button == "i:submit" and draft.step == "summary":
        return StepResult(draft, [], submit=True)

    if draft.step == "consent" and button in ("i:agree", "i:decline"):
        _on_consent(config, draft, button == "i:agree", now or dt.datetime.now(dt.UTC))
        problem = None
    else:
        handler = _HANDLERS[draft.step]
        problem = handler(config, draft, text, button, photo, today, converter)
    replies = [Reply(problem)] if problem else []
    if (masked := _mask_if_anonymous(draft)) is not None:
        replies.append(masked)
    return StepResult(draft, [*replies, ask(config, draft)])


def _on_consent(config: Config, draft: Draft, agreed: bool, now: dt.datetime) -> None:
    """Record the explicit answer to the consent notice; declining means anonymous."""
    draft.trail.append(draft.step)
    if agreed:
        draft.consent_at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
        draft.consent_version = consent_notice.version(config)
        draft.step = "contact"
        return
    draft.consent, draft.contact_name, draft.contact = False, None, None
    draft.consent_at = draft.consent_version = None
    draft.step, draft.editing = "summary", False


def _mask_if_anonymous(draft: Draft) -> Reply | None:
    """At the summary of an anonymous draft, mask personal data in the description (and say so)."""
    if draft.step != "summary" or draft.consent or not draft.description:
        return None
    redaction = redact(draft.description)
    if not redaction.changed:
        return None
    draft.description = redaction.text
    return Reply(
        "🔒 Bạn chọn ẩn danh nên tôi đã <b>che thông tin có thể làm lộ danh tính</b> trong nội dung "
        "(số điện thoại, email, số giấy tờ, tên bạn tự giới thiệu). Phường sẽ đọc đúng như bản tóm tắt dưới đây; "
        "muốn sửa, bấm “Sửa” → “Nội dung”."
    )


def _go_back(draft: Draft) -> None:
    """Return to the previous step; a confirmation already answered is not asked again."""
    while draft.trail:
        draft.step = draft.trail.pop()
        if draft.step != "ward_confirm" or draft.pending_ward:
            break
    else:
        if draft.step == "ward_confirm" and not draft.pending_ward:
            draft.step = "ward"
    draft.editing = False


def _short(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(clean_lines(text).split())
    return cleaned[:MAX_SHORT] if has_letters(cleaned) else None


def _on_ward(config, draft, text, button, photo, today, converter) -> str | None:
    if button and button.startswith("i:ward:"):
        code = button.split(":", 2)[2]
        if config.ward(code):
            draft.ward_code, draft.ward_choices = code, []
            _advance(draft, "category")
            return None
    if not text or not has_letters(text):
        return "Bạn hãy chọn phường/xã bằng nút bên dưới, hoặc gõ tên phường/xã."
    found = match_ward(config, text, converter)
    draft.ward_choices = []
    if found.ward and not found.converted:
        draft.ward_code = found.ward.code
        _advance(draft, "category")
        return None
    if found.candidates:
        draft.ward_choices = [w.code for w in found.candidates]
        return f"Có {len(found.candidates)} phường/xã gần với “{esc(text.strip()[:60])}”. Bạn chọn đúng nơi xảy ra sự việc."
    if found.ward and found.converted:
        draft.pending_ward, draft.pending_name = found.ward.code, found.ward.name
        _advance(draft, "ward_confirm")
        return None
    if found.new_name:
        return (
            f"Địa chỉ đó nay thuộc <b>{esc(found.new_name)}</b>, không thuộc {esc(config.city)} nên trợ lý này "
            f"chưa nhận được. Bạn có thể phản ánh qua {esc(config.hotline_name)} ({esc(config.hotline)}), "
            "hoặc gõ lại tên phường/xã."
        )
    return (
        f"Tôi chưa tìm thấy phường/xã này trong {esc(config.city)}. Bạn gõ lại tên phường/xã "
        f"(ví dụ “Bến Thành”), hoặc gọi {esc(config.hotline_name)} ({esc(config.hotline)})."
    )


def _on_ward_confirm(config, draft, text, button, photo, today, converter) -> str | None:
    if button == "i:wardok" and draft.pending_ward:
        draft.ward_code = draft.pending_ward
        draft.pending_ward = draft.pending_name = None
        _advance(draft, "category")
        return None
    if button == "i:wardno":
        draft.pending_ward = draft.pending_name = None
        draft.step = draft.trail.pop() if draft.trail else "ward"
        return None
    return "Bạn bấm “Đúng” hoặc “Không, chọn lại” nhé."


def _on_category(config, draft, text, button, photo, today, converter) -> str | None:
    if button and button.startswith("i:cat:") and button[6:] in CATEGORY_LABELS:
        draft.category = button[6:]
        _advance(draft, "when")
        return None
    return "Bạn chọn một loại hành vi bằng nút bên dưới nhé (không rõ thì chọn “Khác”)."


def _on_when(config, draft, text, button, photo, today, converter) -> str | None:
    if button and button.startswith("i:when:"):
        draft.occurred = _when(button[7:], today)
    elif text and text.strip():
        when = typed.parse_when(text, today)
        if when is None:
            return (
                f"Tôi chưa hiểu “{esc(text.strip()[:60])}” là ngày nào. Bạn gõ ngày/tháng (ví dụ 15/11), "
                "“hôm qua”, “thứ 2 tuần trước”, hoặc chọn “Trước đó” nếu không nhớ rõ."
            )
        if when.problem:
            return when.problem
        draft.occurred = when.label
    else:
        return "Bạn chọn thời điểm bằng nút, hoặc gõ ngày xảy ra sự việc."
    _advance(draft, "description" if not draft.editing else "summary")
    # A typed date is shown back as the date it was read as, so a misreading is caught now.
    return None if button else f"🗓 Thời điểm: <b>{esc(draft.occurred)}</b> (bấm “Quay lại” nếu chưa đúng)."


def _on_description(config, draft, text, button, photo, today, converter) -> str | None:
    if button == "i:keep" and draft.description:
        _advance(draft, "official")
        return None
    if not text or not has_letters(text) or typed.is_none(text):
        return "Nội dung cần có chữ để phường hiểu sự việc. Bạn kể lại ngắn gọn giúp tôi nhé."
    cleaned = clean_lines(text).strip()
    limit = config.complaints.max_description_chars
    if len(cleaned) > limit:
        return (
            f"Nội dung dài {len(cleaned)} ký tự, vượt quá {limit} ký tự. "
            "Bạn rút gọn những ý chính rồi gửi lại giúp tôi (nội dung trên chưa được lưu)."
        )
    if draft.procedure and draft.procedure not in cleaned:
        cleaned = f"[Thủ tục: {draft.procedure}] {cleaned}"
    draft.description = cleaned
    _advance(draft, "official")
    return None


def _optional(field_name: str, next_step: str):
    def handle(config, draft, text, button, photo, today, converter) -> str | None:
        if button == "i:skip" or typed.is_none(text):
            setattr(draft, field_name, None)
            _advance(draft, next_step)
            return None
        if field_name == "photo":
            if photo:
                draft.photo = photo
                _advance(draft, next_step)
                return None
            return "Bạn gửi một ảnh, hoặc bấm “Bỏ qua”."
        value = _short(text)
        if value is None:
            return "Bạn gõ thông tin bằng chữ, hoặc bấm “Bỏ qua”."
        setattr(draft, field_name, value)
        _advance(draft, next_step)
        return None

    return handle


def _on_identity(config, draft, text, button, photo, today, converter) -> str | None:
    if button == "i:anon":
        draft.consent, draft.contact_name, draft.contact = False, None, None
        draft.consent_at = draft.consent_version = None
        _advance(draft, "summary")
        return None
    if button == "i:share":
        draft.trail.append(draft.step)
        draft.step = "consent"
        return None
    return "Bạn chọn “Ẩn danh” hoặc “Cho phường biết tên, liên hệ” nhé."


def _on_contact(config, draft, text, button, photo, today, converter) -> str | None:
    if draft.consent_at is None:  # never take a name without the notice agreed first
        draft.step = "consent"
        return "Bạn đọc thông báo dưới đây và chọn đồng ý hay giữ ẩn danh trước nhé."
    value = _short(text)
    if value is None:
        return "Bạn gõ họ tên và số điện thoại, hoặc bấm “Quay lại” để chọn ẩn danh."
    contact = typed.parse_contact(value)
    if contact.problem:
        return contact.problem
    draft.consent, draft.contact = True, f"{contact.name}, {contact.phone}"
    draft.contact_name = contact.name
    draft.trail.append(draft.step)
    draft.step, draft.editing = "summary", False
    return None


def _on_consent_text(config, draft, text, button, photo, today, converter) -> str | None:
    return "Bạn bấm “Tôi đồng ý” để cung cấp tên và số liên hệ, hoặc “Không, giữ ẩn danh”."


def _on_summary(config, draft, text, button, photo, today, converter) -> str | None:
    return "Bạn bấm “Gửi phản ánh” để gửi, “Sửa” để sửa, hoặc “Hủy”."


_HANDLERS = {
    "ward": _on_ward,
    "ward_confirm": _on_ward_confirm,
    "category": _on_category,
    "when": _on_when,
    "description": _on_description,
    "official": _optional("official", "dossier"),
    "dossier": _optional("dossier", "photo"),
    "photo": _optional("photo", "identity"),
    "identity": _on_identity,
    "consent": _on_consent_text,
    "contact": _on_contact,
    "summary": _on_summary,
}

"""`/dulieu`: the citizen's rights over their data, in the chat (Law 91/2025/QH15).

- see everything stored about them in one message (cases, identity shared or not, consents, the
  draft being written);
- withdraw consent to share identity on their open cases: contact details are erased, the unit is
  told and sees "Ẩn danh" from then on;
- delete their data: open cases are withdrawn first (after a confirmation button), then every
  case's identity and free text is erased and the case kept only as an anonymous statistic.

Every action is audited with the case code and the action, never with content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.categories import CATEGORY_LABELS
from bot.complaints import cases, texts
from bot.complaints.store import Complaint, Outgoing
from bot.privacy import records
from bot.replies import MESSAGE_LIMIT, Button, Reply, esc, rows, to_plain

MAX_LISTED = 20  # cases listed in full; older ones are counted
EXCERPT = 80  # characters of a description shown in the overview (/tracuu shows it whole)


def _when(moment: dt.datetime | None, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%d/%m/%Y %H:%M}" if moment else "?"


def _identity_line(case: Complaint, tz: str) -> str:
    if case.erased_at:
        return "dữ liệu đã xóa, chỉ còn thống kê ẩn danh"
    if case.consent:
        who = ", ".join(esc(x) for x in (case.contact_name, case.contact) if x)
        return (
            f"đã chia sẻ ({who}); đồng ý lúc {_when(case.consent_at, tz)}, thông báo {esc(case.consent_version or '?')}"
        )
    if case.consent_withdrawn_at:
        return f"ẩn danh (bạn đã rút đồng ý lúc {_when(case.consent_withdrawn_at, tz)})"
    return "ẩn danh"


def _excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _case_block(ctx: cases.CaseContext, case: Complaint, excerpt: int) -> str:
    tz = ctx.config.timezone
    ward = ctx.config.ward(case.ward_code)
    head = (
        f"• <b>{esc(case.code)}</b> ({_when(case.created_at, tz)[:10]}) · {esc(ward.name if ward else case.ward_code)} · "
        f"{esc(CATEGORY_LABELS.get(case.category, case.category))} · {texts.STATUS_LABELS.get(case.status, case.status)}"
    )
    lines = [head]
    if case.description:
        lines.append(f"  Nội dung: <i>{esc(_excerpt(case.description, excerpt))}</i>")
    extras = [
        label
        for label, present in (
            ("cán bộ/vị trí", case.official),
            ("mã hồ sơ", case.dossier),
            ("ảnh", case.photo),
        )
        if present
    ]
    if extras:
        lines.append("  Kèm: " + ", ".join(extras))
    lines.append("  Danh tính: " + _identity_line(case, tz))
    return "\n".join(lines)


def overview(
    ctx: cases.CaseContext, user: str, draft_state: dict[str, Any] | None, draft_updated: dt.datetime | None
) -> Reply:
    """Everything stored about `user`, in one message, with the actions they may take."""
    config, store = ctx.config, ctx.store
    own = store.list(user=user, limit=10_000)
    ctx.store.record(records.CITIZEN_ACTOR, "privacy_view", None, None)
    policy = config.retention
    header = [
        "🗂 <b>Dữ liệu của bạn trong trợ lý</b>",
        "Tài khoản Telegram của bạn chỉ được lưu (mã hóa) để gửi thông báo về phản ánh của bạn; "
        "phường không thấy tài khoản này.",
    ]
    footer = [""]
    if draft_state and draft_state.get("flow") == "intake":
        when = _when(draft_updated, config.timezone) if draft_updated else "?"
        footer.append(f"📝 <b>Bản nháp đang soạn</b>: có (lần cuối {when}); gõ /huy để xóa bản nháp.")
        draft = draft_state.get("draft", {})
        ward = config.ward(draft.get("ward_code") or "")
        parts = [
            ward.name if ward else None,
            CATEGORY_LABELS.get(draft.get("category") or ""),
            _excerpt(draft.get("description") or "", EXCERPT),
            draft.get("contact"),
        ]
        if any(parts):
            footer.append("  " + " · ".join(esc(p) for p in parts if p))
    else:
        footer.append("📝 Bản nháp đang soạn: không có.")
    footer += [
        "",
        f"⏳ <b>Thời hạn lưu</b>: danh tính và nội dung {policy.identity_months} tháng sau khi phản ánh kết thúc; "
        f"bản nháp bỏ dở {policy.drafts_days} ngày; trạng thái trò chuyện {policy.sessions_days} ngày.",
        "Quyền của bạn theo Luật Bảo vệ dữ liệu cá nhân 2025: xem, rút đồng ý, xóa dữ liệu (nút bên dưới).",
    ]
    listed = own[:MAX_LISTED]
    body = [f"<b>Phản ánh</b> ({len(own)}):" if own else "<b>Phản ánh</b>: bạn chưa gửi phản ánh nào."]
    excerpt = EXCERPT
    while True:
        blocks = [_case_block(ctx, c, excerpt) for c in listed]
        if len(own) > len(listed):
            blocks.append(f"… và {len(own) - len(listed)} phản ánh cũ hơn (xem bằng /tracuu MÃ).")
        text = "\n".join([*header, "", *body, *blocks, *footer])
        # One message: shorten the excerpts, then list fewer cases, until it fits.
        if len(to_plain(text)) <= MESSAGE_LIMIT - 100 or (excerpt <= 20 and not listed):
            break
        if excerpt > 20:
            excerpt //= 2
        else:
            listed = listed[:-1]
    buttons = []
    if any(c.consent and c.status in texts.OPEN_STATUSES for c in own):
        buttons.append(Button("🕶 Rút đồng ý chia sẻ danh tính", "d:unshare"))
    if any(not c.erased_at for c in own) or draft_state:
        buttons.append(Button("🗑 Xóa dữ liệu của tôi", "d:erase"))
    return Reply(text, rows(buttons))


def ask_unshare(ctx: cases.CaseContext, user: str) -> Reply:
    shared = _open_shared(ctx, user)
    if not shared:
        return Reply("Không có phản ánh đang xử lý nào chia sẻ danh tính của bạn.")
    codes = ", ".join(esc(c.code) for c in shared)
    return Reply(
        f"Rút đồng ý chia sẻ danh tính cho: <b>{codes}</b>?\n"
        "Tên và số liên hệ của bạn sẽ bị xóa khỏi các phản ánh này; đơn vị xử lý được báo và từ nay chỉ thấy "
        "“Ẩn danh”. Phản ánh vẫn tiếp tục được xử lý.",
        rows([Button("✅ Rút đồng ý", "d:unshareok"), Button("Không", "d:show")], 2),
    )


def _open_shared(ctx: cases.CaseContext, user: str) -> list[Complaint]:
    return [c for c in ctx.store.list(user=user, limit=10_000) if c.consent and c.status in texts.OPEN_STATUSES]


def unshare(ctx: cases.CaseContext, user: str) -> Reply:
    """Withdraw identity-sharing consent on every open case of `user`."""
    done = []
    for case in _open_shared(ctx, user):
        anonymous = replace(case, consent=False, contact_name=None, contact=None)
        notice = Reply(
            f"ℹ️ Người dân đã <b>rút đồng ý cung cấp danh tính</b> cho phản ánh <code>{esc(case.code)}</code>. "
            "Từ nay phản ánh là <b>Ẩn danh</b>: đề nghị không sử dụng, lưu giữ hay chia sẻ tên và số liên hệ "
            "đã nhận trước đó (Luật Bảo vệ dữ liệu cá nhân 2025)."
        )
        messages = [Outgoing(case.route, notice, "privacy", case.code)]
        if records.pending_forward(ctx.store, case.code):
            # The forward with the name was not delivered yet: it is replaced by an anonymous one.
            messages = cases._forward_messages(ctx, anonymous)[:1] + messages
        if records.withdraw_consent(ctx.store, case.code, user, messages):
            done.append(case.code)
    if not done:
        return Reply("Không có phản ánh đang xử lý nào chia sẻ danh tính của bạn.")
    units = ", ".join(esc(c) for c in done)
    return Reply(f"✅ Đã rút đồng ý chia sẻ danh tính cho {units}. Đơn vị xử lý đã được báo; từ nay bạn là ẩn danh.")


def ask_erase(ctx: cases.CaseContext, user: str) -> Reply:
    own = ctx.store.list(user=user, limit=10_000)
    open_cases = [c for c in own if c.status in texts.OPEN_STATUSES]
    lines = [
        "🗑 <b>Xóa dữ liệu của bạn?</b>",
        "Tên, số liên hệ, tài khoản Telegram, nội dung và ảnh của các phản ánh sẽ bị xóa vĩnh viễn; "
        "phản ánh chỉ còn lại dưới dạng thống kê ẩn danh (phường, loại, ngày, trạng thái). Bản nháp cũng bị xóa.",
    ]
    if open_cases:
        codes = ", ".join(esc(c.code) for c in open_cases)
        lines.append(
            f"⚠️ {len(open_cases)} phản ánh đang xử lý ({codes}) sẽ được <b>rút</b> trước, đơn vị xử lý được báo."
        )
    lines.append("Sau khi xóa, bạn không tra cứu được các phản ánh này nữa. Không thể hoàn tác.")
    return Reply("\n".join(lines), rows([Button("🗑 Xóa vĩnh viễn", "d:eraseok"), Button("Không", "d:show")], 2))


def erase(ctx: cases.CaseContext, user: str) -> Reply:
    """Withdraw the open cases of `user`, then erase identity and free text of all of them."""
    own = ctx.store.list(user=user, limit=10_000)
    withdrawn = 0
    for case in own:
        if case.status in texts.OPEN_STATUSES:
            cases.withdraw(ctx, case)
            withdrawn += 1
    erased = sum(records.erase_case(ctx.store, case.code, user, records.CITIZEN_ACTOR) for case in own)
    records.erase_sessions(ctx.store, user)
    ctx.store.record(records.CITIZEN_ACTOR, "privacy_erase", None, f"cases={erased} withdrawn={withdrawn}")
    parts = [f"✅ Đã xóa dữ liệu của bạn: {erased} phản ánh chỉ còn là thống kê ẩn danh."]
    if withdrawn:
        parts.append(f"{withdrawn} phản ánh đang xử lý đã được rút và đơn vị xử lý đã được báo.")
    parts.append("Bạn vẫn có thể dùng trợ lý bình thường.")
    return Reply(" ".join(parts))

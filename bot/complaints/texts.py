"""What citizens and ward staff read about a case: summaries, forwards, notifications.

Identity rule: the citizen's name and contact appear in a message to a ward only when the citizen
consented (`consent`); otherwise the case says "Ẩn danh". Staff replies reach the citizen as "Cán bộ
phường ..." with no staff name, so relayed messages stay anonymous both ways.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import callbacks as cb
from bot.categories import CATEGORY_LABELS
from bot.commitments import Commitment
from bot.complaints.lifecycle import OPEN, Status
from bot.complaints.store import Complaint, parse_time
from bot.replies import Button, Reply, esc, rows

STATUS_LABELS = {
    Status.NEW: "Đã gửi, chờ tiếp nhận",
    Status.ACKNOWLEDGED: "Đã tiếp nhận, đang xử lý",
    Status.INFO_REQUESTED: "Cần bạn bổ sung thông tin",
    Status.RESOLVED: "Đã giải quyết, chờ bạn đánh giá",
    Status.REOPENED: "Mở lại, chờ xử lý tiếp",
    Status.WITHDRAWN: "Bạn đã rút phản ánh",
    Status.CLOSED: "Đã đóng",
}
OPEN_STATUSES = OPEN  # derived from the lifecycle table (bot.complaints.lifecycle)
# How staff read a status (the citizen's labels speak to the citizen: "Bạn đã rút...").
STAFF_STATUS_LABELS = {
    Status.NEW: "chờ tiếp nhận",
    Status.ACKNOWLEDGED: "đã tiếp nhận",
    Status.INFO_REQUESTED: "đang chờ người dân bổ sung",
    Status.RESOLVED: "đã giải quyết",
    Status.REOPENED: "được mở lại",
    Status.WITHDRAWN: "đã được người dân rút",
    Status.CLOSED: "đã đóng",
}


def money_routed(unit: str, category_label: str, recategorised: bool) -> str:
    """Why a complaint telling of money demanded went above the ward."""
    line = (
        f"🔒 Vì nội dung phản ánh có việc đòi tiền, phản ánh được chuyển thẳng đến <b>{esc(unit)}</b> "
        "(đơn vị giám sát), không gửi cho đơn vị bị phản ánh."
    )
    if recategorised:
        line += f" Loại phản ánh được ghi là “{esc(category_label)}”."
    return line


def pledge_line(pledge: Commitment | None) -> str | None:
    """One sentence citing the commitment a category of complaint shows broken."""
    if pledge is None:
        return None
    return f"📌 Theo cam kết “{esc(pledge.title)}”: {esc(pledge.entitlement)}"


def case_lines(case: Complaint, unit: str, *, for_ward: bool) -> list[str]:
    """The facts of a case, as lines of the HTML subset."""
    lines = [
        f"Phường/xã: {esc(unit)}",
        f"Loại: {esc(CATEGORY_LABELS.get(case.category, case.category))}",
        f"Thời điểm: {esc(case.occurred)}",
    ]
    if case.official:
        lines.append(f"Cán bộ / vị trí: {esc(case.official)}")
    if case.dossier:
        lines.append(f"Mã hồ sơ: {esc(case.dossier)}")
    lines.append(f"Nội dung: {esc(case.description)}")
    if case.photo:
        lines.append("Ảnh minh chứng: có (gửi kèm)")
    if for_ward:
        if case.consent:
            who = ", ".join(esc(x) for x in (case.contact_name, case.contact) if x)
            lines.append(f"Người phản ánh: {who} (đồng ý cung cấp danh tính)")
        else:
            lines.append("Người phản ánh: <b>Ẩn danh</b> — danh tính được bảo vệ theo Điều 47 Luật Tố cáo")
    return lines


def ward_actions(code: str) -> tuple[tuple[Button, ...], ...]:
    return rows(
        [
            Button("✅ Tiếp nhận", cb.build("w", "ack", code)),
            Button("💬 Trả lời", cb.build("w", "reply", code)),
            Button("❓ Hỏi thêm", cb.build("w", "info", code)),
            Button("✔️ Đã giải quyết", cb.build("w", "resolve", code)),
            Button("↪️ Không thuộc thẩm quyền", cb.build("w", "notours", code)),
        ],
        per_row=2,
    )


def remaining_ward_actions(case: Complaint) -> Reply | None:
    """The ward's actions still possible on a case, offered again after each one (terminal demo)."""
    if case.status not in OPEN_STATUSES:
        return None
    keep = {"w:reply", "w:info", "w:resolve", "w:notours"}
    if case.status in ("new", "reopened"):
        keep.add("w:ack")
    buttons = [b for row in ward_actions(case.code) for b in row if b.data.rsplit(":", 1)[0] in keep]
    status = STAFF_STATUS_LABELS.get(case.status, case.status)
    return Reply(f"Phản ánh <code>{esc(case.code)}</code> ({esc(status)}): thao tác tiếp theo của phường?", rows(buttons, 2))


def forward(case: Complaint, unit: str, ward_name: str, pledge: Commitment | None, note: str | None = None) -> Reply:
    """The message a ward (or supervisory unit) group receives for a case."""
    title = "📣 <b>Phản ánh mới</b>" if case.status != Status.REOPENED else "🔁 <b>Phản ánh mở lại</b>"
    lines = [f"{title} · Mã <code>{esc(case.code)}</code>"]
    if unit != ward_name:
        lines.append(f"<i>Chuyển đến {esc(unit)} (phản ánh về {esc(ward_name)}).</i>")
    if note:
        lines.append(f"<i>{esc(note)}</i>")
    lines += case_lines(case, ward_name, for_ward=True)
    if (line := pledge_line(pledge)) is not None:
        lines.append(line)
    lines.append("Vui lòng bấm <b>Tiếp nhận</b>, xử lý và trả lời người dân.")
    return Reply("\n".join(lines), ward_actions(case.code))


def evidence(case: Complaint) -> Reply:
    return Reply(f"Ảnh minh chứng của phản ánh {esc(case.code)}", photo=case.photo)


def citizen_view(
    case: Complaint, ward_name: str, history: list[dict], tz: str, deadline: str | None = None
) -> Reply:
    """What the author sees with /tracuu (dates in the deployment's time zone; `deadline` is the
    line saying when the next step is due)."""
    lines = [f"<b>Phản ánh {esc(case.code)}</b>", f"Trạng thái: <b>{STATUS_LABELS.get(case.status, case.status)}</b>"]
    if deadline:
        lines.append(deadline)
    lines += case_lines(case, ward_name, for_ward=False)
    lines.append("Danh tính: " + ("đã đồng ý cung cấp cho phường" if case.consent else "ẩn danh"))
    lines.append("")
    lines.append("<b>Diễn biến:</b>")
    zone = ZoneInfo(tz)
    for step in history:
        when = parse_time(step["at"]).astimezone(zone)
        lines.append(f"• {when:%d/%m/%Y %H:%M}: {STATUS_LABELS.get(step['status'], step['status'])}")
    buttons = []
    if case.status in OPEN_STATUSES:
        buttons.append(Button("🗑 Rút phản ánh", cb.build("c", "withdraw", case.code)))
    if case.status == Status.RESOLVED:
        buttons += rating_buttons(case.code)
    return Reply("\n".join(lines), rows(buttons, per_row=3))


def rating_buttons(code: str) -> list[Button]:
    stars = [Button("⭐" * n, cb.build("r", code, n)) for n in range(1, 6)]
    return [*stars, Button("Chưa được giải quyết", cb.build("r", code, "0"))]


def notify(code: str, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    """A status notification to the citizen."""
    return Reply(f"🔔 <b>Phản ánh {esc(code)}</b>\n{text}", buttons)


def money_advice(hotline_name: str, hotline: str) -> str:
    """What to do next when money is demanded, said plainly (shown in the confirmation)."""
    return (
        "💡 <b>Nếu bị đòi tiền ngoài phí, lệ phí đã niêm yết:</b>\n"
        "• <b>Đừng đưa tiền.</b> Chỉ nộp phí, lệ phí theo mức niêm yết và lấy biên lai.\n"
        "• <b>Giữ giấy tiếp nhận hồ sơ và hẹn trả kết quả</b> cùng mọi giấy tờ được đưa.\n"
        "• <b>Ghi lại</b> ngày giờ, số quầy/bàn, tên hoặc đặc điểm của người đòi tiền; "
        "bổ sung cho đơn vị xử lý khi được hỏi.\n"
        f"• Nếu bị làm khó hoặc đe dọa, gọi {esc(hotline_name)} ({esc(hotline)})."
    )


WITHDRAW_REASONS = {
    "done": "Đã được giải quyết",
    "mistake": "Gửi nhầm",
    "drop": "Không muốn theo đuổi",
    "pressed": "Bị yêu cầu rút",
    "other": "Lý do khác",
}


def withdraw_question(code: str) -> Reply:
    """Why withdraw? (a withdrawal under pressure is itself a warning sign)."""
    buttons = [Button(label, cb.build("c", "withdrawok", code, key)) for key, label in WITHDRAW_REASONS.items()]
    return Reply(
        f"Vì sao bạn muốn rút phản ánh {esc(code)}?\n"
        "<i>Nếu có người yêu cầu bạn rút, hãy chọn “Bị yêu cầu rút”: việc này được chuyển "
        "cho cơ quan cấp trên và danh tính của bạn vẫn được giữ bí mật.</i>",
        (*rows(buttons, 2), (Button("Không rút nữa", cb.build("c", "show", code)),)),
    )

"""What happens to a stored case: submission, the ward's actions, the citizen's follow-up.

Each function applies one action through `Store.change`/`Store.create`, so the status, its
history, the audit entry and the notifications to send are committed together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot import callbacks as cb
from bot.categories import CATEGORY_LABELS
from bot.commitments import Commitment
from bot.complaints import deadlines, lifecycle, texts
from bot.complaints.intake import Draft
from bot.complaints.lifecycle import Status
from bot.complaints.routing import Route, channel_int, may_act, route_for, unit_name
from bot.complaints.store import Complaint, NewComplaint, Outgoing, Store, parse_time
from bot.config import Config
from bot.privacy.redact import redact
from bot.replies import Button, QueuedReply, Reply, esc, rows

# Money demanded, in any words, is recorded and routed as this category (see routing rule 0).
MONEY_CATEGORY = "doi-tien"
DUPLICATE_WINDOW = dt.timedelta(hours=24)
LIMIT_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class CaseContext:
    """What case handling needs; built by the conversation core for each event."""

    config: Config
    store: Store
    pledges_for: Callable[[str, str], list[Commitment]]  # (category, ward code) -> pledges it breaks, cited first
    registered: dict[str, int]  # groups registered at run time: route key -> chat id
    demo_staff: frozenset[str] = frozenset()  # channel users allowed to act anywhere (terminal demo)
    # Whether a complaint's text tells of money demanded (the lexicon's cues); such a case is đòi tiền.
    money_demanded: Callable[[str], bool] = lambda _text: False


def _ward_name(ctx: CaseContext, case: Complaint) -> str:
    ward = ctx.config.ward(case.ward_code)
    return ward.name if ward else case.ward_code


def _forward_messages(ctx: CaseContext, case: Complaint, note: str | None = None) -> list[Outgoing]:
    unit = unit_name(ctx.config, case.route)
    pledge = next(iter(ctx.pledges_for(case.category, case.ward_code)), None)
    messages = [
        Outgoing(case.route, texts.forward(case, unit, _ward_name(ctx, case), pledge, note), "forward", case.code)
    ]
    if case.photo:
        messages.append(Outgoing(case.route, texts.evidence(case), "evidence", case.code))
    return messages


def submit(ctx: CaseContext, user: str, draft: Draft) -> tuple[Complaint | None, list[Reply]]:
    """Store a confirmed intake and queue its forward; refuse politely over the daily limit."""
    config = ctx.config
    new = NewComplaint(
        user=user,
        ward_code=draft.ward_code or "",
        route="",
        category=draft.category or "khac",
        occurred=draft.occurred or "",
        # Masked at the summary already; again here so no path forwards an anonymous text unmasked.
        description=(draft.description or "") if draft.consent else redact(draft.description or "").text,
        official=draft.official,
        dossier=draft.dossier,
        photo=draft.photo,
        consent=draft.consent,
        contact_name=draft.contact_name,
        contact=draft.contact,
        consent_at=draft.consent_at,
        consent_version=draft.consent_version,
    )
    # Decided before the duplicate check: the category is part of the fingerprint, so a money
    # complaint sent twice must be compared under the category it is stored with.
    money = ctx.money_demanded(new.description)
    picked = new.category
    if money:
        new.category = MONEY_CATEGORY
    duplicate = ctx.store.find_duplicate(new, DUPLICATE_WINDOW)
    if duplicate is not None:
        return duplicate, [
            Reply(
                f"Phản ánh này đã được gửi trước đó với mã <b>{esc(duplicate.code)}</b>; tôi không tạo thêm bản trùng. "
                f"Xem tình trạng: /tracuu {esc(duplicate.code)}"
            )
        ]
    limit = config.complaints.daily_limit_per_user
    if ctx.store.count_recent(user, LIMIT_WINDOW) >= limit:
        return None, [
            Reply(
                f"Bạn đã gửi {limit} phản ánh trong 24 giờ qua, là mức tối đa mỗi ngày để hệ thống phục vụ công bằng. "
                f"Phản ánh đang soạn vẫn được giữ; bạn có thể gửi lại vào ngày mai, hoặc gọi {esc(config.hotline_name)} "
                f"({esc(config.hotline)}) nếu việc gấp."
            )
        ]
    route = route_for(config, new.ward_code, new.category, new.official, new.description, money_demanded=money)
    broken = ctx.pledges_for(new.category, new.ward_code)
    pledge = broken[0] if broken else None
    new.route, new.sensitive = route.key, route.sensitive
    new.commitment_ids = [c.id for c in broken]
    new.deadlines = deadlines.fresh_deadlines(config, new.category, ctx.store.clock())

    unit = unit_name(config, route.key)

    def confirmation(code: str) -> str:
        lines = [
            f"✅ <b>Đã ghi nhận phản ánh.</b> Mã tra cứu: <b>{esc(code)}</b>",
            f"Phản ánh được chuyển đến: <b>{esc(unit)}</b>.",
            "Bạn sẽ nhận thông báo ở đây mỗi khi có tiến triển. Tra cứu: /tracuu " + esc(code),
            "Danh tính: " + ("đã đồng ý cung cấp cho đơn vị xử lý." if new.consent else "<b>ẩn danh</b>."),
        ]
        if money:
            lines.append(texts.money_routed(unit, CATEGORY_LABELS[MONEY_CATEGORY], picked != MONEY_CATEGORY))
        stub = replace(
            _preview(new, code),
            ack_due=parse_time(str(new.deadlines["ack_due"])),
            resolve_due=parse_time(str(new.deadlines["resolve_due"])),
        )
        if (line := deadlines.deadline_line(config, stub)) is not None:
            lines.append(line)
        if (line := texts.pledge_line(pledge)) is not None:
            lines.append(line)
        if money or new.category == MONEY_CATEGORY:  # told of money demanded: what to do next
            lines.append(texts.money_advice(config.hotline_name, config.hotline))
        return "\n".join(lines)

    def messages(code: str) -> list[Outgoing]:
        stub = _preview(new, code)
        forwards = _forward_messages(ctx, stub, route.reason and f"Chuyển thẳng cấp trên: {route.reason}.")
        # The confirmation is queued with the case: the citizen gets the code even if the channel fails now.
        return [*forwards, Outgoing(user, Reply(confirmation(code)), "confirm", code)]

    case, queued = ctx.store.file(new, messages)
    return case, [QueuedReply(confirmation(case.code), outbox_id=queued[-1])]


def _preview(new: NewComplaint, code: str) -> Complaint:
    """The case as it will be stored, to render its forward inside the same transaction."""
    now = dt.datetime.now(dt.UTC)
    return Complaint(
        code=code,
        user=new.user,
        ward_code=new.ward_code,
        route=new.route,
        category=new.category,
        occurred=new.occurred,
        description=new.description,
        official=new.official,
        dossier=new.dossier,
        photo=new.photo,
        consent=new.consent,
        contact_name=new.contact_name if new.consent else None,
        contact=new.contact if new.consent else None,
        status=Status.NEW,
        sensitive=new.sensitive,
        commitment_ids=tuple(new.commitment_ids),
        rating=None,
        reopened=0,
        created_at=now,
        updated_at=now,
        acknowledged_at=None,
        resolved_at=None,
    )


# -- the ward's side ---------------------------------------------------------------------------

WARD_PROMPTS = {
    "reply": "💬 Nhập nội dung <b>trả lời người dân</b> cho phản ánh {code} (trả lời tin nhắn này):",
    "info": "❓ Nhập <b>câu hỏi cần người dân bổ sung</b> cho phản ánh {code} (trả lời tin nhắn này):",
    "resolve": "✔️ Nhập <b>kết quả giải quyết</b> phản ánh {code} (bắt buộc; trả lời tin nhắn này):",
    "notours": "↪️ Nhập <b>lý do</b> phản ánh {code} không thuộc thẩm quyền (trả lời tin nhắn này):",
}


def authorised(ctx: CaseContext, case: Complaint, actor: str, chat: str | None) -> bool:
    """The authorisation rule of `bot.complaints.routing.may_act`, plus the terminal demo user."""
    if actor in ctx.demo_staff:
        return True
    return may_act(ctx.config, case.route, channel_int(actor), channel_int(chat), ctx.registered, case.ward_code)


def refuse(ctx: CaseContext, code: str, actor: str, action: str) -> Reply:
    ctx.store.record(actor, f"refused:{action}", code, "not staff of the responsible unit")
    return Reply("⛔ Bạn không thuộc cán bộ được phân công xử lý phản ánh này, nên không thể thao tác.")


def acknowledge(ctx: CaseContext, case: Complaint, actor: str) -> Reply:
    unit = unit_name(ctx.config, case.route)
    after = replace(case, status="acknowledged")
    due = deadlines.deadline_line(ctx.config, after)
    note = texts.notify(
        case.code, f"{esc(unit)} đã <b>tiếp nhận</b> phản ánh của bạn và đang xử lý." + (f"\n{due}" if due else "")
    )
    changed = ctx.store.change(
        case.code,
        actor,
        "acknowledge",
        status=Status.ACKNOWLEDGED,
        messages=[Outgoing(case.user, note, "notify", case.code)],
    )
    if changed is None:
        current = ctx.store.get(case.code) or case
        return Reply(
            f"Phản ánh {esc(case.code)} không còn chờ tiếp nhận: hiện "
            f"{texts.STAFF_STATUS_LABELS.get(current.status, current.status)}."
        )
    return Reply(f"✅ Đã tiếp nhận phản ánh {esc(case.code)}. Người dân đã được thông báo.")


@dataclass(frozen=True)
class _StaffText:
    """What a staff member's typed text does for one action."""

    audit: str  # action name in the audit log
    status: str | None  # new status, if the action changes it
    purpose: str  # outbox purpose of the message to the citizen
    to_citizen: str  # template: {unit}, {body}
    done: str  # confirmation to the staff member: {code}
    answerable: bool  # the citizen gets a "reply to the ward" button (else rating buttons)


_STAFF_TEXT = {
    "reply": _StaffText(
        "reply",
        None,
        "relay",
        "Cán bộ {unit} trả lời:\n<i>{body}</i>",
        "📨 Đã gửi câu trả lời đến người dân (phản ánh {code}).",
        True,
    ),
    "info": _StaffText(
        "request_info",
        Status.INFO_REQUESTED,
        "relay",
        "{unit} cần bạn <b>bổ sung thông tin</b>:\n<i>{body}</i>",
        "📨 Đã gửi câu hỏi đến người dân (phản ánh {code}); câu trả lời sẽ được chuyển về đây.",
        True,
    ),
    "resolve": _StaffText(
        "resolve",
        Status.RESOLVED,
        "notify",
        "{unit} báo đã <b>giải quyết</b>:\n<i>{body}</i>\n\nBạn đánh giá kết quả thế nào?",
        "✔️ Đã ghi nhận kết quả giải quyết phản ánh {code}. Người dân sẽ đánh giá.",
        False,
    ),
}


def ward_text(ctx: CaseContext, case: Complaint, actor: str, action: str, text: str) -> Reply:
    """Apply the text a staff member typed for a pending action (reply, info, resolve, notours)."""
    if case.status in lifecycle.FINAL:
        return Reply(f"Phản ánh {esc(case.code)} {texts.STAFF_STATUS_LABELS[case.status]}; không thể thao tác thêm.")
    if action == "notours":
        return transfer_choices(ctx, case, text)
    rule = _STAFF_TEXT.get(action)
    if rule is None:
        return Reply("Thao tác không hợp lệ.")
    unit = esc(unit_name(ctx.config, case.route))
    if rule.answerable:
        buttons = rows([Button("✍️ Trả lời phường", cb.build("c", "answer", case.code))])
    else:
        buttons = rows(texts.rating_buttons(case.code), per_row=5)
    body = rule.to_citizen.format(unit=unit, body=esc(text))
    if rule.answerable and (due := deadlines.deadline_line(ctx.config, replace(case, status=rule.status or case.status))):
        body += f"\n{due}"
    note = texts.notify(case.code, body, buttons)
    changed = ctx.store.change(
        case.code,
        actor,
        rule.audit,
        status=rule.status,
        note=text,
        messages=[Outgoing(case.user, note, rule.purpose, case.code)],
    )
    if changed is None:  # the case moved on meanwhile (resolved, withdrawn...): the lifecycle refused
        current = ctx.store.get(case.code) or case
        return Reply(
            f"Phản ánh {esc(case.code)} hiện {texts.STAFF_STATUS_LABELS.get(current.status, current.status)}; "
            "thao tác này không còn áp dụng."
        )
    return Reply(rule.done.format(code=esc(case.code)))


def transfer_choices(ctx: CaseContext, case: Complaint, reason: str, ward_text: str | None = None) -> Reply:
    """After a "not ours" reason: where should the case go instead?

    The province has ~170 wards, too many for buttons: staff type the ward's name (`ward_text`)
    and choose among the wards it fits; the supervisory unit is always offered.
    """
    from bot.wards import match_ward  # the ward index is built on first use

    ward = ctx.config.ward(case.ward_code)
    found = match_ward(ctx.config, ward_text, lambda text, city: None) if ward_text else None
    fits = ([found.ward] if found.ward else list(found.candidates)) if found else []
    buttons = [Button(w.name, cb.build("w", "to", case.code, "ward", w.code)) for w in fits if f"ward:{w.code}" != case.route]
    if ward is not None and case.route != f"supervisor:{ward.supervisor}":
        buttons.append(
            Button(
                unit_name(ctx.config, f"supervisor:{ward.supervisor}"), cb.build("w", "to", case.code, "supervisor", ward.supervisor)
            )
        )
    hint = "Gõ tên phường/xã nhận chuyển, hoặc chọn đơn vị bên dưới."
    if ward_text and not fits:
        hint = f"Không tìm thấy phường/xã “{esc(ward_text[:60])}”. Gõ lại tên, hoặc chọn đơn vị bên dưới."
    return Reply(
        f"Lý do: <i>{esc(reason)}</i>\nChuyển phản ánh {esc(case.code)} đến đơn vị nào? {hint}", rows(buttons, 2)
    )


def transfer(ctx: CaseContext, case: Complaint, actor: str, destination: str, reason: str) -> Reply:
    """Send a case to another ward or to the supervisory unit, telling the citizen who decided and why."""
    route = Route.parse(destination)
    if route.kind not in ("ward", "supervisor") or unit_name(ctx.config, destination) == route.id:
        return Reply("Đơn vị chuyển đến không hợp lệ.")
    old_unit, new_unit = unit_name(ctx.config, case.route), unit_name(ctx.config, destination)
    moved = replace(case, route=destination, status=Status.NEW)
    due = deadlines.deadline_line(
        ctx.config, deadlines.with_fresh_deadlines(ctx.config, moved, ctx.store.clock())
    )
    note = texts.notify(
        case.code,
        f"{esc(old_unit)} cho biết phản ánh không thuộc thẩm quyền (lý do: "
        f"<i>{esc(reason)}</i>) và đã chuyển đến <b>{esc(new_unit)}</b>." + (f"\n{due}" if due else ""),
    )
    messages = [
        *_forward_messages(ctx, moved, f"Được chuyển từ {old_unit}. Lý do: {reason}"),
        Outgoing(case.user, note, "notify", case.code),
    ]
    changed = ctx.store.change(
        case.code,
        actor,
        "transfer",
        status=Status.NEW,
        note=f"{case.route} -> {destination}: {reason}",
        # The new unit gets its own clock.
        updates={"route": destination, **deadlines.fresh_deadlines(ctx.config, case.category, ctx.store.clock())},
        messages=messages,
    )
    if changed is None:
        return Reply("Phản ánh này không còn ở trạng thái có thể chuyển.")
    return Reply(f"↪️ Đã chuyển phản ánh {esc(case.code)} đến {esc(new_unit)}.")


# -- the citizen's side ------------------------------------------------------------------------


def find_own(ctx: CaseContext, user: str, code: str | None) -> Complaint | None:
    """A case by code, only if `user` is its author (anyone else is told it does not exist)."""
    if code is None:
        return None
    case = ctx.store.get(code)
    return case if case is not None and case.user == user else None


def show(ctx: CaseContext, case: Complaint) -> Reply:
    """/tracuu CODE: the case, its history and the deadline of its next step."""
    return texts.citizen_view(
        case,
        _ward_name(ctx, case),
        ctx.store.history(case.code),
        ctx.config.timezone,
        deadline=deadlines.deadline_line(ctx.config, case),
    )


def list_own(ctx: CaseContext, user: str) -> Reply:
    cases = ctx.store.list(user=user, limit=20)
    if not cases:
        return Reply("Bạn chưa gửi phản ánh nào. Gõ /phananh để gửi phản ánh.")
    buttons = [
        Button(
            f"{c.code} · {CATEGORY_LABELS.get(c.category, c.category)[:30]} · "
            f"{texts.STATUS_LABELS.get(c.status, c.status)[:25]}",
            cb.build("c", "show", c.code),
        )
        for c in cases
    ]
    return Reply("Các phản ánh của bạn (mới nhất trước):", rows(buttons))


def withdraw(ctx: CaseContext, case: Complaint, reason: str = "other") -> list[Reply]:
    """Withdraw a case for a reason (`texts.WITHDRAW_REASONS`).

    The handling unit is told why. A sensitive case's withdrawal is shown to the supervisory
    unit too, and "bị yêu cầu rút" (pressed to withdraw) becomes a new sensitive case there.
    """
    label = texts.WITHDRAW_REASONS.get(reason, texts.WITHDRAW_REASONS["other"])
    unit = unit_name(ctx.config, case.route)
    ward = ctx.config.ward(case.ward_code)
    supervisor = f"supervisor:{ward.supervisor}" if ward else None
    note = Reply(f"ℹ️ Người dân đã <b>rút</b> phản ánh <code>{esc(case.code)}</code>. Lý do: {esc(label)}.")
    messages = [Outgoing(case.route, note, "notify", case.code)]
    if (case.sensitive or reason == "pressed") and supervisor and supervisor != case.route:
        seen = Reply(
            f"ℹ️ Phản ánh <code>{esc(case.code)}</code> về {esc(_ward_name(ctx, case))} "
            f"({esc(CATEGORY_LABELS.get(case.category, case.category))}) đã được người dân rút. "
            f"Lý do: {esc(label)}."
        )
        messages.append(Outgoing(supervisor, seen, "notify", case.code))
    changed = ctx.store.change(
        case.code,
        case.user,
        "withdraw",
        status=Status.WITHDRAWN,
        note=f"Lý do: {label}",
        messages=messages,
    )
    if changed is None:
        return [Reply("Phản ánh này không còn ở trạng thái có thể rút.")]
    replies = [Reply(f"Đã rút phản ánh {esc(case.code)}. {esc(unit)} đã được báo.")]
    if reason == "pressed" and ward is not None:
        replies.append(_pressed_to_withdraw(ctx, case, ward.supervisor))
    return replies


def _pressed_to_withdraw(ctx: CaseContext, case: Complaint, supervisor_id: str) -> Reply:
    """A new sensitive case at the supervisory unit: someone pressed the citizen to withdraw."""
    route = f"supervisor:{supervisor_id}"
    new = NewComplaint(
        user=case.user,
        ward_code=case.ward_code,
        route=route,
        category=case.category,
        occurred=case.occurred,
        description=(
            f"Người dân cho biết đã bị yêu cầu rút phản ánh {case.code} "
            f"({CATEGORY_LABELS.get(case.category, case.category)}). Nội dung phản ánh đã rút: {case.description}"
        )[: ctx.config.complaints.max_description_chars],
        official=case.official,
        dossier=case.dossier,
        consent=case.consent,
        contact_name=case.contact_name,
        contact=case.contact,
        sensitive=True,
        commitment_ids=list(case.commitment_ids),
        deadlines=deadlines.fresh_deadlines(ctx.config, case.category, ctx.store.clock()),
    )
    note = f"Chuyển thẳng cấp trên: người dân bị yêu cầu rút phản ánh {case.code}."

    def messages(code: str) -> list[Outgoing]:
        return _forward_messages(ctx, replace(_preview(new, code), sensitive=True), note)

    created = ctx.store.create(new, messages)
    unit = unit_name(ctx.config, route)
    lines = [
        f"⚠️ Việc bạn bị yêu cầu rút phản ánh đã được ghi thành phản ánh mới <b>{esc(created.code)}</b> "
        f"và chuyển thẳng đến <b>{esc(unit)}</b>, không qua phường.",
        "Danh tính: " + ("đã đồng ý cung cấp cho đơn vị xử lý." if created.consent else "<b>ẩn danh</b>."),
    ]
    if (line := deadlines.deadline_line(ctx.config, created)) is not None:
        lines.append(line)
    return Reply("\n".join(lines))


def rate(ctx: CaseContext, case: Complaint, score: int) -> Reply:
    """1-5 closes the case with a rating; 0 ("chưa được giải quyết") reopens it."""
    if case.status != Status.RESOLVED:
        return Reply("Phản ánh này hiện không chờ đánh giá.")
    if score == 0:
        changed = replace(case, status=Status.REOPENED)
        messages = _forward_messages(ctx, changed, "Người dân cho biết sự việc CHƯA được giải quyết.")
        ctx.store.change(
            case.code,
            case.user,
            "reopen",
            status=Status.REOPENED,
            updates={
                "reopened": case.reopened + 1,
                **deadlines.fresh_deadlines(ctx.config, case.category, ctx.store.clock()),
            },
            messages=messages,
        )
        due = deadlines.deadline_line(
            ctx.config, deadlines.with_fresh_deadlines(ctx.config, changed, ctx.store.clock())
        )
        return Reply(
            f"Đã mở lại phản ánh {esc(case.code)} và báo cho đơn vị xử lý. Cảm ơn bạn đã phản hồi."
            + (f"\n{due}" if due else "")
        )
    note = Reply(f"⭐ Người dân đánh giá kết quả phản ánh {esc(case.code)}: {score}/5.")
    ctx.store.change(
        case.code,
        case.user,
        "rate",
        status=Status.CLOSED,
        updates={"rating": score},
        messages=[Outgoing(case.route, note, "notify", case.code)],
    )
    return Reply(f"Cảm ơn bạn đã đánh giá {score}/5. Phản ánh {esc(case.code)} đã đóng.")


def relay_answer(ctx: CaseContext, case: Complaint, text: str) -> Reply:
    """The citizen's answer to the ward, relayed anonymously (masked like the description)."""
    masked = False
    if not case.consent:
        redaction = redact(text)
        text, masked = redaction.text, redaction.changed
    message = Reply(
        f"✍️ <b>Người dân trả lời</b> (phản ánh <code>{esc(case.code)}</code>):\n<i>{esc(text)}</i>",
        texts.ward_actions(case.code),
    )
    status = Status.ACKNOWLEDGED if case.status == Status.INFO_REQUESTED else None
    ctx.store.change(
        case.code,
        case.user,
        "citizen_answer",
        status=status,
        note=text,
        messages=[Outgoing(case.route, message, "relay", case.code)],
    )
    sent = f"📨 Đã chuyển câu trả lời của bạn đến {esc(unit_name(ctx.config, case.route))}."
    if masked:
        sent += f"\nVì bạn ẩn danh, thông tin có thể lộ danh tính đã được che:\n<i>{esc(text)}</i>"
    return Reply(sent)

"""Deadlines in working time, reminders, escalation and the daily digest.

Every case gets two deadlines when it reaches a unit (created, transferred or reopened): to
acknowledge and to resolve, counted in the desk's working hours and days (`bot.worktime`). The
scheduler (`tick`) runs every minute from the channel's job queue and after each terminal message:

1. before a deadline: one reminder in the responsible unit's group;
2. when a deadline passes: the case is marked overdue (level 1), the ward's supervisory unit
   receives it with the action buttons, the citizen is told it was escalated, and a second
   deadline starts for the supervisor;
3. when that one passes too: level 2, the supervisor is told again;
4. once a day after `digest_time`: one digest per unit (new, open, overdue, resolved, oldest
   overdue first).

All state lives in SQLite, and every step is written in the same transaction as its messages, so
nothing is sent twice and a restart resumes where it stopped. After a long downtime, events that
fell due more than `catch_up_minutes` ago are gathered into one message per unit instead of one
message per case, and only today's digest is sent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.categories import CATEGORY_LABELS
from bot.complaints import lifecycle, texts
from bot.complaints.routing import unit_name
from bot.complaints.store import Complaint, Outgoing, Store, iso_utc
from bot.config import Config
from bot.replies import Reply, esc
from bot.worktime import WorkCalendar

MAX_LISTED = 15


def _hours(span: str) -> tuple[dt.time, dt.time]:
    begin, end = span.split("-")
    return dt.time.fromisoformat(begin), dt.time.fromisoformat(end)


def calendar(config: Config) -> WorkCalendar:
    """The desk's working calendar from the config."""
    d = config.deadlines
    return WorkCalendar(
        tz=config.timezone,
        morning=_hours(d.morning),
        afternoon=_hours(d.afternoon),
        saturday_morning=d.saturday_morning,
        extra_days_off=frozenset(d.extra_days_off),
        extra_working_days=frozenset(d.extra_working_days),
    )


def due_dates(config: Config, category: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(acknowledge by, resolve by) for a case of `category` reaching a unit at `start`."""
    rules = config.deadlines
    override = rules.by_category.get(category)
    ack_hours = (
        override.acknowledge_hours if override and override.acknowledge_hours else None
    ) or rules.acknowledge_hours
    resolve_days = (override.resolve_days if override and override.resolve_days else None) or rules.resolve_days
    cal = calendar(config)
    return cal.add_working_hours(start, ack_hours), cal.add_working_days(start, resolve_days)


def fresh_deadlines(config: Config, category: str, start: dt.datetime) -> dict[str, object]:
    """Column values that (re)start a case's clock at a unit."""
    ack_due, resolve_due = due_dates(config, category, start)
    return {
        "ack_due": iso_utc(ack_due),
        "resolve_due": iso_utc(resolve_due),
        "level": 0,
        "reminded_ack_at": None,
        "reminded_resolve_at": None,
        "overdue_at": None,
        "supervisor_due": None,
        "supervisor_overdue_at": None,
    }


@dataclass(frozen=True)
class Event:
    """One scheduler step due for one case."""

    kind: str  # "remind_ack", "remind_resolve", "overdue", "supervisor_overdue"
    case: Complaint
    due: dt.datetime  # when it fell due (for catch-up batching)
    target: str  # the route key whose group hears about it


@dataclass(frozen=True)
class TickReport:
    reminders: int = 0
    escalations: int = 0
    supervisor_overdue: int = 0
    batched: int = 0
    digests: int = 0


def _supervisor_route(config: Config, case: Complaint) -> str:
    ward = config.ward(case.ward_code)
    return f"supervisor:{ward.supervisor}" if ward else case.route


def due_events(store: Store, config: Config, now: dt.datetime) -> list[Event]:
    """What the scheduler must do now, oldest first."""
    remind_hours = config.deadlines.reminder_hours_before
    cal = calendar(config)
    events: list[Event] = []
    for case in store.open_cases():
        waiting_ack = case.status in lifecycle.WAITING_ACK
        due = case.ack_due if waiting_ack else case.resolve_due
        if due is None:
            continue
        if case.level == 0:
            if now >= due:
                events.append(Event("overdue", case, due, _supervisor_route(config, case)))
                continue
            reminded = case.reminded_ack_at if waiting_ack else case.reminded_resolve_at
            # Remind when the working hours left fall under the threshold, so a reminder never
            # lands at 6 a.m. for a deadline at 8 a.m.
            if reminded is None and cal.working_hours_between(now, due) <= remind_hours:
                kind = "remind_ack" if waiting_ack else "remind_resolve"
                events.append(Event(kind, case, now, case.route))
        elif case.level == 1 and case.supervisor_due is not None and now >= case.supervisor_due:
            events.append(Event("supervisor_overdue", case, case.supervisor_due, _supervisor_route(config, case)))
    events.sort(key=lambda e: e.due)
    return events


def _event_updates(config: Config, event: Event, now: dt.datetime) -> dict[str, object]:
    stamp = iso_utc(now)
    if event.kind == "remind_ack":
        return {"reminded_ack_at": stamp}
    if event.kind == "remind_resolve":
        return {"reminded_resolve_at": stamp}
    if event.kind == "overdue":
        supervisor_due = calendar(config).add_working_days(now, config.deadlines.supervisor_resolve_days)
        return {"level": 1, "overdue_at": stamp, "supervisor_due": iso_utc(supervisor_due)}
    return {"level": 2, "supervisor_overdue_at": stamp}


def _local(config: Config, moment: dt.datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(config.timezone)):%H:%M %d/%m/%Y}"


_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def local_due(config: Config, moment: dt.datetime) -> str:
    """"16:30 Thứ Sáu 20/11/2026" in the deployment's time zone."""
    local = moment.astimezone(ZoneInfo(config.timezone))
    return f"{local:%H:%M} {_WEEKDAYS[local.weekday()]} {local:%d/%m/%Y}"


def working_time(config: Config) -> str:
    """The working time deadlines are counted in, as the citizen reads it."""
    d = config.deadlines
    saturday = ", sáng Thứ Bảy" if d.saturday_morning else ""
    return (
        f"tính theo giờ làm việc {d.morning.replace('-', '–')} và {d.afternoon.replace('-', '–')} "
        f"từ Thứ Hai đến Thứ Sáu{saturday}, trừ ngày nghỉ lễ"
    )


def deadline_line(config: Config, case: Complaint) -> str | None:
    """For the citizen: the deadline of the case's next step, in local time and working time,
    and what happens if it passes (escalation to the named supervisory unit). None when the
    next step is the citizen's (resolved: rate it) or the case is over."""
    supervisor = esc(unit_name(config, _supervisor_route(config, case)))
    if case.level >= 2:
        return f"⏳ Phản ánh đã quá hạn cả ở cấp giám sát; {supervisor} đã được báo lại và đang theo dõi."
    if case.level == 1 and case.supervisor_due is not None:
        return (
            f"⏳ Phản ánh đã quá hạn và được <b>{supervisor}</b> đôn đốc. Hạn giải quyết mới: "
            f"<b>{local_due(config, case.supervisor_due)}</b> ({working_time(config)}). "
            f"Nếu vẫn quá hạn, {supervisor} được báo lại lần nữa."
        )
    if case.status in ("new", "reopened"):
        what, due = "tiếp nhận", case.ack_due
    elif case.status in ("acknowledged", "info_requested"):
        what, due = "giải quyết", case.resolve_due
    else:
        return None
    if due is None:
        return None
    if case.route == _supervisor_route(config, case):  # already with the supervisory unit (sensitive)
        consequence = f"Nếu quá hạn, phản ánh được ghi nhận quá hạn trong báo cáo và <b>{supervisor}</b> được nhắc lại."
    else:
        consequence = f"Nếu quá hạn, phản ánh tự động được báo lên <b>{supervisor}</b> để đôn đốc."
    return f"⏳ Hạn {what}: trước <b>{local_due(config, due)}</b> (giờ Việt Nam, {working_time(config)}). {consequence}"


def with_fresh_deadlines(config: Config, case: Complaint, start: dt.datetime, **changes: object) -> Complaint:
    """The case as it will read once its clock restarts at `start` (for messages written before the change)."""
    ack_due, resolve_due = due_dates(config, case.category, start)
    return replace(case, ack_due=ack_due, resolve_due=resolve_due, level=0, supervisor_due=None, **changes)


def _event_messages(config: Config, event: Event, now: dt.datetime | None = None) -> list[Outgoing]:
    case = event.case
    unit = unit_name(config, case.route)
    ward = config.ward(case.ward_code)
    ward_name = ward.name if ward else case.ward_code
    label = esc(CATEGORY_LABELS.get(case.category, case.category))
    if event.kind in ("remind_ack", "remind_resolve"):
        what = "tiếp nhận" if event.kind == "remind_ack" else "giải quyết"
        due = case.ack_due if event.kind == "remind_ack" else case.resolve_due
        text = (
            f"⏰ <b>Nhắc hạn</b>: phản ánh <code>{esc(case.code)}</code> ({label}) cần được {what} "
            f"trước {_local(config, due)}."
        )
        return [Outgoing(case.route, Reply(text, texts.ward_actions(case.code)), "reminder", case.code)]
    if event.kind == "overdue":
        supervisor = unit_name(config, event.target)
        text = (
            f"🚨 <b>Quá hạn</b>: phản ánh <code>{esc(case.code)}</code> về {esc(ward_name)} ({label}) "
            f"chưa được {'tiếp nhận' if case.status in lifecycle.WAITING_ACK else 'giải quyết'} đúng hạn "
            f"bởi {esc(unit)}. Đề nghị {esc(supervisor)} theo dõi, đôn đốc."
        )
        body = (
            f"Phản ánh của bạn đã quá hạn xử lý tại {esc(unit)} và đã được "
            f"<b>báo lên {esc(supervisor)}</b> để đôn đốc."
        )
        if now is not None:
            due = calendar(config).add_working_days(now, config.deadlines.supervisor_resolve_days)
            line = deadline_line(config, replace(case, level=1, supervisor_due=due))
            body += f"\n{line}" if line else ""
        citizen = texts.notify(case.code, body)
        return [
            Outgoing(event.target, Reply(text, texts.ward_actions(case.code)), "escalation", case.code),
            Outgoing(case.user, citizen, "notify", case.code),
        ]
    text = (
        f"🚨🚨 <b>Quá hạn ở cấp giám sát</b>: phản ánh <code>{esc(case.code)}</code> về {esc(ward_name)} "
        f"({label}) vẫn chưa được giải quyết sau khi báo lên."
    )
    return [Outgoing(event.target, Reply(text, texts.ward_actions(case.code)), "escalation", case.code)]


def _batch_message(config: Config, target: str, events: list[Event]) -> Outgoing:
    """One message for everything that fell due while the assistant was not running."""
    lines = [f"📋 <b>Tổng hợp sau thời gian gián đoạn</b> ({len(events)} việc đến hạn):"]
    for event in events[:MAX_LISTED]:
        what = {
            "remind_ack": "sắp hết hạn tiếp nhận",
            "remind_resolve": "sắp hết hạn giải quyết",
            "overdue": "quá hạn, đã báo cấp trên",
            "supervisor_overdue": "quá hạn ở cấp giám sát",
        }[event.kind]
        label = CATEGORY_LABELS.get(event.case.category, event.case.category)
        lines.append(f"• <code>{esc(event.case.code)}</code> {esc(label)}: {what}")
    if len(events) > MAX_LISTED:
        lines.append(f"… và {len(events) - MAX_LISTED} việc khác (xem báo cáo).")
    return Outgoing(target, Reply("\n".join(lines)), "digest", None)


def tick(store: Store, config: Config, now: dt.datetime | None = None) -> TickReport:
    """Run every due reminder, escalation and digest once."""
    now = now or store.clock()
    catch_up = dt.timedelta(minutes=config.deadlines.catch_up_minutes)
    counts: dict[str, int] = defaultdict(int)
    late: dict[str, list[Event]] = defaultdict(list)
    for event in due_events(store, config, now):
        counts[event.kind] += 1
        if now - event.due > catch_up:
            late[event.target].append(event)
            continue
        store.change(
            event.case.code,
            "scheduler",
            event.kind,
            updates=_event_updates(config, event, now),
            messages=_event_messages(config, event, now),
        )
    batched = 0
    for target, events in late.items():
        citizen_notes = [m for e in events if e.kind == "overdue" for m in _event_messages(config, e, now)[1:]]
        store.apply_batch(
            [(e.case.code, e.kind, _event_updates(config, e, now)) for e in events],
            actor="scheduler",
            messages=[_batch_message(config, target, events), *citizen_notes],
        )
        batched += len(events)
    digests = send_digests(store, config, now)
    return TickReport(
        reminders=counts["remind_ack"] + counts["remind_resolve"],
        escalations=counts["overdue"],
        supervisor_overdue=counts["supervisor_overdue"],
        batched=batched,
        digests=digests,
    )


def digest_units(config: Config, registered: dict[str, int] | None = None) -> list[str]:
    """Every unit that gets a daily digest: the wards with a group of their own, and the
    supervisory units (whose digest covers the wards without a group: ~170 digests a day in one
    supervisor's group would bury it)."""
    registered = registered or {}
    wards = [f"ward:{w.code}" for w in config.wards if w.chat_id or registered.get(f"ward:{w.code}")]
    return wards + [f"supervisor:{s.id}" for s in config.supervisors]


def digest(store: Store, config: Config, unit: str, now: dt.datetime) -> Reply:
    """Today's figures for one unit, the oldest overdue cases first."""
    day_ago = now - dt.timedelta(days=1)
    if unit.startswith("ward:"):
        wards = [unit.split(":", 1)[1]]
    else:
        wards = [w.code for w in config.wards if f"supervisor:{w.supervisor}" == unit]
    cases = store.digest_cases(wards, unit, day_ago)
    new = [c for c in cases if c.created_at >= day_ago]
    open_ = [c for c in cases if c.status in texts.OPEN_STATUSES]
    overdue = sorted((c for c in open_ if c.level >= 1), key=lambda c: c.overdue_at or c.created_at)
    resolved = [c for c in cases if c.resolved_at and c.resolved_at >= day_ago]
    lines = [
        f"📊 <b>Tổng hợp ngày {now.astimezone(ZoneInfo(config.timezone)):%d/%m/%Y}</b> · {esc(unit_name(config, unit))}",
        f"Mới trong 24 giờ: <b>{len(new)}</b> · Đang xử lý: <b>{len(open_)}</b> · "
        f"Quá hạn: <b>{len(overdue)}</b> · Đã giải quyết trong 24 giờ: <b>{len(resolved)}</b>",
    ]
    if overdue:
        lines.append("Quá hạn, cũ nhất trước:")
        for case in overdue[:MAX_LISTED]:
            days = (now - (case.overdue_at or case.created_at)).days
            label = CATEGORY_LABELS.get(case.category, case.category)
            lines.append(f"• <code>{esc(case.code)}</code> {esc(label)}: quá hạn {days} ngày")
    return Reply("\n".join(lines))


def send_digests(store: Store, config: Config, now: dt.datetime) -> int:
    """Today's digest to every unit, once, after `digest_time` (a restart never resends it)."""
    local = now.astimezone(ZoneInfo(config.timezone))
    if local.time() < dt.time.fromisoformat(config.deadlines.digest_time):
        return 0
    day = local.date().isoformat()
    sent = 0
    for unit in digest_units(config, store.registered_groups()):
        if store.digest_sent(unit, day):
            continue
        if store.mark_digest(unit, day, Outgoing(unit, digest(store, config, unit, now), "digest")):
            sent += 1
    return sent

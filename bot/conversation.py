"""The conversation core: one message or button press in, replies out.

Channel-agnostic by design (no Telegram import): the Telegram and terminal adapters build an
`Incoming`, call `Assistant.handle`, and render the `Reply` objects they get back. Messages for
other chats (a ward's group, a citizen's notification) are never sent from here: they are written
to the outbox with the state change that causes them, and a channel's worker delivers them.

Per-user state (an intake in progress, a pending answer) lives in SQLite sessions, so a restart
loses nothing and the assistant object itself holds no per-user state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot import callbacks as cb
from bot import pledges, qa, ward_desk
from bot.answers import ASPECT_LABELS
from bot.categories import CATEGORY_LABELS
from bot.complaints import cases, intake, lifecycle
from bot.complaints.codes import normalise_code
from bot.complaints.routing import channel_int, chat_for, may_act, route_falls_back, unit_name
from bot.complaints.store import StorageFull, Store
from bot.config import Config
from bot.gaps import GapLog
from bot.knowledge import Knowledge
from bot.privacy import rights
from bot.replies import Button, Reply, esc, rows
from bot.understanding import Understanding, understand
from bot.yamlsource import Problem

log = logging.getLogger(__name__)

IDLE_BEFORE_RESUME_PROMPT = dt.timedelta(hours=1)
CITATION_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Incoming:
    """What a person sent: text, a pressed button's data, or a photo, from one channel user."""

    user: str  # channel-qualified user id, e.g. "tg:12345" or "terminal:local"
    text: str | None = None
    button: str | None = None
    photo: str | None = None  # channel file id of a photo, for complaint evidence
    name: str | None = None  # display name
    chat: str | None = None  # channel-qualified group chat id; None in a private chat


class KnowledgeHolder:
    """The knowledge in service; `swap` replaces it atomically after a successful reload."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge

    @property
    def current(self) -> Knowledge:
        return self._knowledge

    def swap(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Assistant:
    """Routes each incoming event to the right flow."""

    knowledge: KnowledgeHolder
    config: Config
    store: Store
    clock: Callable[[], dt.datetime] = _utc_now
    reload: Callable[[], list[Problem]] | None = None  # re-read the knowledge; returns problems
    demo_staff: frozenset[str] = field(default_factory=frozenset)  # may act for every unit (terminal)
    gaps: GapLog | None = None  # where declined and uncertain questions are kept for `python -m bot gaps`

    # -- helpers -----------------------------------------------------------------------------

    def today(self) -> dt.date:
        return self.clock().astimezone(ZoneInfo(self.config.timezone)).date()

    def cases(self) -> cases.CaseContext:
        knowledge = self.knowledge.current
        return cases.CaseContext(
            config=self.config,
            store=self.store,
            pledges_for=lambda category, ward: pledges.pledges_for(knowledge, category, ward),
            registered=self.store.registered_groups(),
            demo_staff=self.demo_staff,
            money_demanded=knowledge.lexicon.money_demanded_in,
        )

    def _count_citations(self, commitment_id: str, ward_code: str | None) -> int:
        return self.store.count_citing(commitment_id, ward_code, CITATION_WINDOW)

    @staticmethod
    def _session_key(msg: Incoming) -> str:
        return f"{msg.user}@{msg.chat}" if msg.chat else msg.user

    # -- entry point ---------------------------------------------------------------------------

    def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one event."""
        if msg.button is not None:
            return self._button(msg, msg.button)
        text = (msg.text or "").strip()
        if text.startswith("/"):
            return self._command(msg, text)
        state, updated = self.store.load_session(self._session_key(msg))
        if state is not None:
            return self._in_flow(msg, text, state, updated)
        if msg.chat:
            return []  # ordinary chatter in a ward group is not for the assistant
        if msg.photo and not text:
            return [Reply("Tôi nhận ảnh khi bạn đang gửi phản ánh (bước ảnh minh chứng). Gõ /phananh để bắt đầu.")]
        if not text or not any(ch.isalnum() for ch in text):
            return [Reply("Bạn hãy gõ câu hỏi bằng chữ, ví dụ: <i>làm căn cước ở đâu</i>.", qa.menu_buttons())]
        return self._question(msg, text)

    # -- commands ------------------------------------------------------------------------------

    def _command(self, msg: Incoming, text: str) -> list[Reply]:
        command, _, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        argument = argument.strip()
        knowledge = self.knowledge.current
        if command in ("/start", "/menu"):
            return [qa.welcome(self.config)]
        if command in ("/trogiup", "/help"):
            return [qa.help_reply(self.config)]
        if command == "/huy":
            self.store.clear_session(self._session_key(msg))
            return [
                Reply("Đã hủy thao tác đang làm. Bạn cần gì thêm cứ hỏi nhé.", () if msg.chat else qa.menu_buttons())
            ]
        if command == "/idnhom":
            return [Reply(f"ID của cuộc trò chuyện này: <code>{esc(msg.chat or msg.user)}</code>")]
        if command == "/dangky":
            return [self._register_group(msg, argument)]
        if command == "/baocao":
            return [self._report(msg)]
        if msg.chat:
            return []  # citizens' commands (and their anonymous cases) stay in private chats
        if command == "/thutuc":
            return self._question(msg, argument) if argument else [qa.browse_fields(knowledge)]
        if command == "/camket":
            return [pledges.browse(self.config, self.knowledge.current)]
        if command == "/phananh":
            return self._start_intake(msg, prefill=argument or None, category=None)
        if command == "/tracuu":
            return [self._lookup(msg, argument)]
        if command == "/capnhat":
            return [self._reload(msg)]
        if command == "/dulieu":
            return [self._my_data(msg)]
        return [Reply("Tôi chưa hiểu lệnh này. Gõ /trogiup để xem các lệnh.", qa.menu_buttons())]

    def _register_group(self, msg: Incoming, code_text: str) -> Reply:
        if not msg.chat:
            return Reply("Lệnh /dangky dùng trong nhóm Telegram của phường (thêm trợ lý vào nhóm rồi gõ /dangky MÃ).")
        code = normalise_code(code_text)
        chat_id = channel_int(msg.chat)
        route = self.store.use_registration_code(code, chat_id, msg.user) if code and chat_id is not None else None
        if route is None:
            return Reply("Mã đăng ký không đúng, đã dùng hoặc đã hết hạn. Xin mã mới từ quản trị viên.")
        return Reply(f"✅ Nhóm này đã được đăng ký nhận phản ánh của <b>{esc(unit_name(self.config, route))}</b>.")

    def _report(self, msg: Incoming) -> Reply:
        """/baocao in a unit's group: the last 30 days' chart for the unit's wards, as a photo."""
        registered = self.store.registered_groups()
        chat_id = channel_int(msg.chat)
        units = [
            route
            for route in (
                *(f"ward:{w.code}" for w in self.config.wards),
                *(f"supervisor:{s.id}" for s in self.config.supervisors),
            )
            if chat_id is not None
            and chat_for(self.config, route, registered) == chat_id
            and not route_falls_back(self.config, route, registered)
        ]
        actor = channel_int(msg.user)
        allowed = msg.user in self.demo_staff or any(
            may_act(self.config, unit, actor, chat_id, registered) for unit in units
        )
        if not allowed:
            return Reply("Lệnh /baocao dùng trong nhóm của phường hoặc đơn vị giám sát, cho cán bộ được phân công.")
        from bot.report import report_png  # matplotlib is loaded only when a report is asked for

        today = self.today()
        start = today - dt.timedelta(days=30)
        wards = [u.split(":", 1)[1] for u in units if u.startswith("ward:")]
        one_ward = wards[0] if len(wards) == 1 and len(units) == 1 else None
        png = report_png(
            self.store, self.config, start, today, one_ward, min_cases=self.config.complaints.report_min_cases
        )
        names = ", ".join(unit_name(self.config, u) for u in units) or self.config.city
        return Reply(f"📊 Báo cáo phản ánh 30 ngày qua ({start:%d/%m} – {today:%d/%m/%Y}) · {esc(names)}", photo=png)

    def _reload(self, msg: Incoming) -> Reply:
        admin = msg.user in self.demo_staff or msg.user in {f"tg:{i}" for i in self.config.telegram.admin_ids}
        if not admin or self.reload is None:
            return Reply("Lệnh này chỉ dành cho quản trị viên.")
        problems = self.reload()
        if problems:
            listed = "\n".join(esc(str(p)) for p in problems[:10])
            return Reply(f"⚠️ Dữ liệu mới có lỗi nên <b>chưa được áp dụng</b>; dữ liệu cũ vẫn phục vụ.\n{listed}")
        knowledge = self.knowledge.current
        return Reply(
            f"✅ Đã nạp lại dữ liệu: {len(knowledge.procedures)} thủ tục, {len(knowledge.commitments)} cam kết."
        )

    def _lookup(self, msg: Incoming, argument: str) -> Reply:
        ctx = self.cases()
        if not argument:
            return cases.list_own(ctx, msg.user)
        case = cases.find_own(ctx, msg.user, normalise_code(argument))
        if case is None:
            return Reply("Không tìm thấy phản ánh nào của bạn với mã này. Kiểm tra lại mã (ví dụ: /tracuu K7MA-Q9X3).")
        return cases.show(ctx, case)

    # -- buttons -------------------------------------------------------------------------------

    def _button(self, msg: Incoming, data: str) -> list[Reply]:
        # Button data comes from the client and can be forged: only what the codec parses reaches a handler.
        callback = cb.parse(data)
        if callback is None:
            log.warning("refused callback data %r", data[:100])  # never who sent it: logs carry no identity
            return [Reply(cb.EXPIRED, () if msg.chat else qa.menu_buttons())]
        try:
            return self._dispatch_button(msg, data, callback)
        except (ValueError, KeyError, IndexError):
            # A well-formed button whose arguments no longer make sense (a stale id...): still no error page.
            log.exception("button %r failed", data)
            return [Reply(cb.EXPIRED, () if msg.chat else qa.menu_buttons())]

    def _dispatch_button(self, msg: Incoming, data: str, callback: cb.Callback) -> list[Reply]:
        knowledge = self.knowledge.current
        kind, rest = callback.prefix, callback.rest
        if kind == "p":
            return [qa.show_procedure(knowledge, rest, None, today=self.today())]
        if kind == "a":
            aspect, _, proc_id = rest.partition(":")
            if aspect not in ASPECT_LABELS:
                return [qa.show_procedure(knowledge, proc_id, None, today=self.today())]
            return [qa.show_procedure(knowledge, proc_id, aspect, alone=True)]
        if kind == "s":  # a choice that carries the situation the question told
            proc_id, _, situation = rest.partition(":")
            return [qa.show_procedure(knowledge, proc_id, None, situation, today=self.today())]
        if kind == "x":  # "Phản ánh" under a procedure answer: the intake starts with the procedure named
            return self._procedure_complaint(msg, rest)
        if kind == "f":
            return [qa.browse_field(knowledge, rest)]
        if kind == "m":
            return self._menu(msg, rest)
        if kind == "k":
            return [pledges.unit_pledges(knowledge, self.config, rest, self.today(), self._count_citations)]
        if kind == "i":
            state, _updated = self.store.load_session(self._session_key(msg))
            if state is None or state.get("flow") != "intake":
                return [Reply("Phản ánh này đã được gửi hoặc đã hủy. Gõ /phananh để gửi phản ánh mới.")]
            return self._intake_event(msg, intake.Draft.from_state(state), text=None, button=data)
        if kind == "w":
            return self._ward_button(msg, rest)
        if kind in ("c", "r"):
            return self._citizen_button(msg, kind, rest)
        if kind == "d" and not msg.chat:
            return [self._data_button(msg, rest)]
        log.warning("callback prefix %r is registered but has no handler", kind)
        return [Reply(cb.EXPIRED, qa.menu_buttons())]

    def _menu(self, msg: Incoming, item: str) -> list[Reply]:
        name, _, arg = item.partition(":")
        if name == "thutuc":
            return [qa.browse_fields(self.knowledge.current)]
        if name == "none":
            return [qa.decline(self.config)]
        if name == "camket":
            return [pledges.browse(self.config, self.knowledge.current)]
        if name == "phananh":
            return self._start_intake(msg, prefill=None, category=arg if arg in CATEGORY_LABELS else None)
        if name == "tracuu":
            return [self._lookup(msg, "")]
        return [qa.welcome(self.config)]

    # -- free text -----------------------------------------------------------------------------

    def _procedure_complaint(self, msg: Incoming, proc_id: str) -> list[Reply]:
        proc = self.knowledge.current.procedures.get(proc_id)
        if proc is None:
            return self._start_intake(msg, prefill=None, category=None)
        started = intake.start(self.config, None, None, procedure=proc.name)
        assert started.draft is not None
        self.store.save_session(msg.user, started.draft.to_state())
        return started.replies

    def _question(self, msg: Incoming, text: str) -> list[Reply]:
        result = understand(self.knowledge.current, text)
        if self.gaps is not None:
            self.gaps.note(result, self.knowledge.current, self.config.gaps.low_score, self.clock())
        return self._answer(msg, result)

    def _answer(self, msg: Incoming, result: Understanding) -> list[Reply]:
        knowledge = self.knowledge.current
        # "phường X làm thứ 7 không": the desk, from the config ("làm việc rất chu đáo" is praise).
        if result.kind in ("none", "commitment") and not qa.praises(knowledge, result.question):
            desk = ward_desk.desk_answer(self.config, result.question)
            if desk is not None:
                return [desk]
        if result.kind == "procedure":
            return [
                qa.show_procedure(
                    knowledge,
                    result.procedure_id,
                    result.aspect,
                    result.situation_id,
                    question=result.question,
                    today=self.today(),
                    ward=ward_desk.named_ward(self.config, result.question),
                )
            ]
        if result.kind == "ambiguous":
            return [qa.choices(knowledge, result)]
        if result.kind == "complaint":
            guessed = knowledge.lexicon.guess_category(result.question)
            replies = self._start_intake(msg, prefill=result.question, category=guessed)
            return qa.keep_procedure_at_hand(knowledge, result, replies)
        if result.kind == "referral" and result.referral_id:
            return [qa.referral_answer(knowledge, result.referral_id, result.suggestions)]
        if result.kind == "commitment":
            return [
                pledges.answer(
                    knowledge, self.config, result.commitment_ids, result.question, self.today(), self._count_citations
                )
            ]
        return [qa.greeting_or_decline(self.config, result, knowledge)]

    # -- complaint intake ----------------------------------------------------------------------

    def _start_intake(self, msg: Incoming, prefill: str | None, category: str | None) -> list[Reply]:
        ward = pledges.ward_in_text(self.config, prefill) if prefill else None
        started = intake.start(self.config, prefill, category, ward)
        draft = started.draft
        assert draft is not None
        if category and not prefill:
            draft.category = category
        self.store.save_session(msg.user, draft.to_state())
        return started.replies

    def _intake_event(self, msg: Incoming, draft: intake.Draft, text: str | None, button: str | None) -> list[Reply]:
        result = intake.step(
            self.config, draft, text=text, button=button, photo=msg.photo, today=self.today(), now=self.clock()
        )
        if result.draft is None:
            self.store.clear_session(msg.user)
            return result.replies
        if result.submit:
            try:
                case, replies = cases.submit(self.cases(), msg.user, result.draft)
            except StorageFull:
                # Rolled back whole: nothing was stored or queued, and the draft is still in the session.
                log.exception("a submission was not saved: storage full")
                return [self._not_saved()]
            if case is not None:
                self.store.clear_session(msg.user)
            return replies
        self.store.save_session(msg.user, result.draft.to_state())
        return result.replies

    def _not_saved(self) -> Reply:
        return Reply(
            "⚠️ <b>Phản ánh CHƯA được lưu</b>: máy chủ đang hết chỗ lưu trữ. Bản nháp của bạn vẫn được giữ; "
            f"bạn bấm “Gửi lại” sau ít phút, hoặc gọi {esc(self.config.hotline_name)} ({esc(self.config.hotline)}) "
            "nếu việc gấp.",
            rows([Button("📨 Gửi lại", cb.build("i", "submit"))]),
        )

    # -- sessions ------------------------------------------------------------------------------

    def _in_flow(self, msg: Incoming, text: str, state: dict, updated: dt.datetime | None) -> list[Reply]:
        key = self._session_key(msg)
        flow = state.get("flow")
        age = self.clock() - updated if updated else dt.timedelta(0)
        if flow == "intake":
            if age > dt.timedelta(days=self.config.complaints.resume_after_days):
                self.store.clear_session(key)
                note = Reply("Phản ánh bạn soạn dở đã quá lâu nên được xóa; bạn có thể gửi lại bằng /phananh.")
                return [note, *self._question(msg, text)] if text else [note]
            if age > IDLE_BEFORE_RESUME_PROMPT and not msg.photo:
                last = updated.astimezone(ZoneInfo(self.config.timezone)) if updated else self.clock()
                resume = Reply(
                    f"📝 Bạn còn một phản ánh đang soạn dở (lần cuối {last:%d/%m/%Y}).",
                    rows([Button("▶️ Tiếp tục soạn", cb.build("i", "resume")), Button("✖️ Hủy phản ánh", cb.build("i", "cancel"))], 2),
                )
                self.store.save_session(key, state)  # refresh the clock so the next message continues it
                if not text:
                    return [resume]
                result = understand(self.knowledge.current, text)
                if result.kind == "complaint":
                    return [resume]  # never replace the saved draft with a new intake
                return [resume, *self._answer(msg, result)]
            return self._intake_event(msg, intake.Draft.from_state(state), text=text or None, button=None)
        if flow == "answer":
            return self._citizen_answer(msg, text, state)
        if flow == "staff":
            return self._staff_text(msg, text, state)
        self.store.clear_session(key)
        return self._question(msg, text) if text else []

    # -- the citizen's data (/dulieu) ----------------------------------------------------------

    def _my_data(self, msg: Incoming) -> Reply:
        state, updated = self.store.load_session(msg.user)
        return rights.overview(self.cases(), msg.user, state, updated)

    def _data_button(self, msg: Incoming, action: str) -> Reply:
        ctx = self.cases()
        if action == "unshare":
            return rights.ask_unshare(ctx, msg.user)
        if action == "unshareok":
            return rights.unshare(ctx, msg.user)
        if action == "erase":
            return rights.ask_erase(ctx, msg.user)
        if action == "eraseok":
            return rights.erase(ctx, msg.user)
        return self._my_data(msg)

    # -- ward side -----------------------------------------------------------------------------

    def _ward_button(self, msg: Incoming, rest: str) -> list[Reply]:
        action, _, tail = rest.partition(":")
        code, _, destination = tail.partition(":")
        ctx = self.cases()
        case = self.store.get(code)
        if case is None:
            return [Reply("Không tìm thấy phản ánh này.")]
        if not cases.authorised(ctx, case, msg.user, msg.chat):
            return [cases.refuse(ctx, code, msg.user, action)]
        if action == "ack":
            return [cases.acknowledge(ctx, case, msg.user)]
        if action in cases.WARD_PROMPTS:
            if case.status in lifecycle.FINAL:
                return [Reply(f"Phản ánh {esc(code)} {cases.texts.STAFF_STATUS_LABELS[case.status]}.")]
            self.store.save_session(self._session_key(msg), {"flow": "staff", "action": action, "code": code})
            return [Reply(cases.WARD_PROMPTS[action].format(code=esc(code)), force_reply=True)]
        if action == "to":
            state, _ = self.store.load_session(self._session_key(msg))
            reason = (state or {}).get("reason") if (state or {}).get("code") == code else None
            if not reason:
                return [Reply("Hãy bấm “Không thuộc thẩm quyền” và nhập lý do trước khi chuyển.")]
            self.store.clear_session(self._session_key(msg))
            return [cases.transfer(ctx, case, msg.user, destination, reason)]
        return [Reply("Thao tác không hợp lệ.")]

    def _staff_text(self, msg: Incoming, text: str, state: dict) -> list[Reply]:
        key = self._session_key(msg)
        action, code = state.get("action"), state.get("code", "")
        ctx = self.cases()
        case = self.store.get(code)
        if case is None:
            self.store.clear_session(key)
            return [Reply("Không tìm thấy phản ánh này.")]
        if not cases.authorised(ctx, case, msg.user, msg.chat):
            self.store.clear_session(key)
            return [cases.refuse(ctx, code, msg.user, str(action))]
        if action == "notours_dest":
            return [cases.transfer_choices(ctx, case, state.get("reason", ""), text or None)]
        if not text or not any(ch.isalnum() for ch in text):
            return [Reply("Nội dung không được để trống. Nhập lại (hoặc /huy để bỏ):", force_reply=True)]
        if action == "notours":
            self.store.save_session(key, {"flow": "staff", "action": "notours_dest", "code": code, "reason": text})
        else:
            self.store.clear_session(key)
        return [cases.ward_text(ctx, case, msg.user, str(action), text)]

    # -- citizen follow-up ---------------------------------------------------------------------

    def _citizen_button(self, msg: Incoming, kind: str, rest: str) -> list[Reply]:
        ctx = self.cases()
        if kind == "r":
            code, _, score = rest.rpartition(":")
            case = cases.find_own(ctx, msg.user, code)
            if case is None or not score.isdigit() or int(score) > 5:
                return [Reply("Không tìm thấy phản ánh này.")]
            return [cases.rate(ctx, case, int(score))]
        action, _, code = rest.partition(":")
        code, _, reason = code.partition(":")  # c:withdrawok:CODE:REASON
        case = cases.find_own(ctx, msg.user, code)
        if case is None:
            return [Reply("Không tìm thấy phản ánh này.")]
        if action == "show":
            return [cases.show(ctx, case)]
        if action == "withdraw":
            return [cases.texts.withdraw_question(code)]
        if action == "withdrawok":
            if reason not in cases.texts.WITHDRAW_REASONS and case.status in cases.texts.OPEN_STATUSES:
                return [cases.texts.withdraw_question(code)]  # an old button without a reason: ask
            return cases.withdraw(ctx, case, reason)
        if action == "answer":
            if case.status in lifecycle.FINAL:
                return [Reply("Phản ánh này đã đóng.")]
            self.store.save_session(msg.user, {"flow": "answer", "code": code})
            return [Reply(f"Nhập nội dung bạn muốn gửi đến đơn vị xử lý phản ánh {esc(code)} (/huy để bỏ):")]
        return [Reply("Thao tác không hợp lệ.")]

    def _citizen_answer(self, msg: Incoming, text: str, state: dict) -> list[Reply]:
        ctx = self.cases()
        case = cases.find_own(ctx, msg.user, state.get("code"))
        if not text or not any(ch.isalnum() for ch in text):
            return [Reply("Bạn nhập nội dung bằng chữ (hoặc /huy để bỏ).")]
        self.store.clear_session(msg.user)
        if case is None:
            return [Reply("Không tìm thấy phản ánh này.")]
        limit = self.config.complaints.max_description_chars
        if len(text) > limit:
            self.store.save_session(msg.user, state)
            return [Reply(f"Nội dung dài hơn {limit} ký tự; bạn rút gọn rồi gửi lại giúp tôi.")]
        return [cases.relay_answer(ctx, case, text)]

"""Shared pieces of the complaint tests: a clock the test controls, an assistant over a temporary
database, people who talk to it, and a scriptable channel for the outbox worker.

Not a test module (pytest collects only `test_*.py`); the test modules import it by name because
`tests/` is on `sys.path` under pytest's default import mode.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import Loaded, make_assistant
from bot.complaints.codes import ALPHABET
from bot.complaints.outbox import DeliveryError
from bot.complaints.store import OutboxItem, Store
from bot.config import Config
from bot.conversation import Assistant, Incoming
from bot.privacy.cipher import FieldCipher
from bot.privacy.keys import DataKey
from bot.replies import Reply

# Friday 20/11/2026, 10:00 in Hồ Chí Minh City. Chosen so that shipped reform tasks with a 2026
# deadline fall on both sides of "today" (e.g. phuong-ben-thanh.so-hoa-ho-so, due 30/09/2026, is overdue).
START = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)

CITIZEN = "tg:1001"
CITIZEN_NAME = "Trần Thị Mai"
CONTACT = f"{CITIZEN_NAME}, 0901234567"  # what a citizen types at the contact step
OTHER_CITIZEN = "tg:2002"
STAFF = "tg:501"
STAFF_ID = 501
WARD_CHAT = "tg:-1001"
WARD_CHAT_ID = -1001
SUPERVISOR_CHAT_ID = -2001
SUPERVISOR_STAFF = "tg:601"
SUPERVISOR_STAFF_ID = 601
STRANGER = "tg:999"

BEN_THANH = "26743"
XUAN_HOA = "27139"
TAN_DINH = "26737"
SUPERVISOR = "so-noi-vu"

# Complaint tests run on an encrypted database, as a deployment does (bot.app.open_store).
TEST_KEY = DataKey.generate("tests")

CODE_PATTERN = re.compile(rf"\b[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b")


class Clock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


# -- configuration -------------------------------------------------------------------------------


def with_channels(
    config: Config,
    *,
    ward_code: str = BEN_THANH,
    chat_id: int | None = WARD_CHAT_ID,
    staff_ids: tuple[int, ...] = (STAFF_ID,),
    supervisor_chat: int | None = SUPERVISOR_CHAT_ID,
    supervisor_staff: tuple[int, ...] = (),
) -> Config:
    """The shipped config with Telegram groups and staff filled in for one ward and its supervisor."""
    wards = [
        w.model_copy(update={"chat_id": chat_id, "staff_ids": list(staff_ids)}) if w.code == ward_code else w
        for w in config.wards
    ]
    supervisors = [
        s.model_copy(update={"chat_id": supervisor_chat, "staff_ids": list(supervisor_staff)})
        if s.id == SUPERVISOR
        else s
        for s in config.supervisors
    ]
    return config.model_copy(update={"wards": wards, "supervisors": supervisors})


def with_complaint_rules(config: Config, **rules: object) -> Config:
    return config.model_copy(update={"complaints": config.complaints.model_copy(update=rules)})


def build(
    loaded: Loaded, tmp_path: Path, clock: Clock, config: Config | None = None, *, db: str = "db.sqlite3"
) -> Assistant:
    """The real wiring (`make_assistant`) over a temporary database and the test's clock."""
    store = Store(tmp_path / db, clock=clock, cipher=FieldCipher(TEST_KEY))
    wired = Loaded(loaded.config_path, config or loaded.config, loaded.knowledge)
    assistant = make_assistant(wired, store)
    assistant.clock = clock
    return assistant


# -- talking to the assistant ----------------------------------------------------------------------


@dataclass
class Person:
    """Someone writing to the assistant, in a private chat or (with `chat`) in a group."""

    assistant: Assistant
    user: str = CITIZEN
    name: str | None = CITIZEN_NAME
    chat: str | None = None
    log: list[Reply] = field(default_factory=list)

    def _send(self, **kwargs: object) -> list[Reply]:
        replies = self.assistant.handle(Incoming(self.user, name=self.name, chat=self.chat, **kwargs))  # type: ignore[arg-type]
        self.log.extend(replies)
        return replies

    def say(self, text: str) -> list[Reply]:
        return self._send(text=text)

    def press(self, data: str) -> list[Reply]:
        return self._send(button=data)

    def send_photo(self, file_id: str) -> list[Reply]:
        return self._send(photo=file_id)


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def buttons_of(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for b in r.all_buttons()]


def code_in(replies: list[Reply]) -> str:
    found = CODE_PATTERN.search(text_of(replies))
    assert found, f"no tracking code in {text_of(replies)!r}"
    return found.group(0)


def session_of(assistant: Assistant, key: str = CITIZEN) -> dict | None:
    state, _updated = assistant.store.load_session(key)
    return state


def draft_step(assistant: Assistant, user: str = CITIZEN) -> str | None:
    state = session_of(assistant, user)
    return state["draft"]["step"] if state and state.get("flow") == "intake" else None


def fill_intake(
    person: Person,
    *,
    ward: str = BEN_THANH,
    category: str = "tho-o",
    description: str = "Cán bộ quầy số 2 không trả lời câu hỏi, bảo tôi tự đọc bảng niêm yết.",
    official: str | None = None,
    photo: str | None = None,
    contact: str | None = None,
) -> list[Reply]:
    """Walk a citizen through every step up to the summary; returns the summary replies."""
    person.say("/phananh")
    person.press(f"i:ward:{ward}")
    person.press(f"i:cat:{category}")
    person.press("i:when:today")
    person.say(description)
    person.say(official) if official else person.press("i:skip")
    person.press("i:skip")  # dossier code
    person.send_photo(photo) if photo else person.press("i:skip")
    if contact:
        person.press("i:share")
        person.press("i:agree")  # the consent notice
        replies = person.say(contact)
    else:
        replies = person.press("i:anon")
    assert draft_step(person.assistant, person.user) == "summary", text_of(replies)
    return replies


def file_complaint(person: Person, **fields: object) -> str:
    """A complaint filed through the whole intake; returns its tracking code."""
    fill_intake(person, **fields)  # type: ignore[arg-type]
    replies = person.press("i:submit")
    return code_in(replies)


def outbox_of(store: Store, code: str | None = None, purpose: str | None = None) -> list[OutboxItem]:
    return [item for item in store.outbox(code) if purpose is None or item.purpose == purpose]


def audit_actions(store: Store, code: str | None = None) -> list[tuple[str, str]]:
    return [(row["actor"], row["action"]) for row in store.audit_log(code)]


# -- a channel for the outbox worker -----------------------------------------------------------------


class FakeSender:
    """A channel that fails as scripted (per target), then accepts; records every accepted message."""

    def __init__(self, failures: dict[str, list[DeliveryError]] | None = None) -> None:
        self.failures = {target: list(errors) for target, errors in (failures or {}).items()}
        self.sent: list[tuple[str, Reply]] = []
        self.calls: list[str] = []

    async def send(self, target: str, reply: Reply) -> str | None:
        self.calls.append(target)
        pending = self.failures.get(target)
        if pending:
            raise pending.pop(0)
        self.sent.append((target, reply))
        return f"m{len(self.sent)}"

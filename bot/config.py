"""Deployment configuration (`config.yaml`): who the assistant serves and where cases go.

Loaded once at start-up and passed to whatever needs it; nothing imports a global config.
Secrets (the Telegram token) never live here: they come from the environment.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, field_validator, model_validator

from bot.adminunits import province_wards, provinces
from bot.categories import COMPLAINT_CATEGORIES
from bot.textnorm import fold
from bot.yamlsource import Problem, line_of, load_model, read_yaml

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
WardCode = Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
Category = Literal[COMPLAINT_CATEGORIES]  # type: ignore[valid-type]


class Supervisor(BaseModel):
    """A unit above the wards (city office, inspectorate) that takes escalations and sensitive cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    name: Text
    chat_id: int | None = None  # Telegram group of the unit
    staff_ids: list[int] = Field(default_factory=list)
    hotline: Text | None = None


class Ward(BaseModel):
    """A ward (phường/xã/đặc khu) of the deployment, with its one-stop desk and its channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: WardCode  # official code of the national list of administrative units
    name: Text  # official name, e.g. "Phường Bến Thành"
    aliases: list[Text] = Field(default_factory=list)  # other names citizens use, incl. merged old wards
    chat_id: int | None = None  # the ward's Telegram group; None falls back to the supervisor
    staff_ids: list[int] = Field(default_factory=list)  # Telegram user ids allowed to act on cases
    supervisor: Text  # id of a Supervisor
    hotline: Text
    desk_address: Text
    desk_hours: Text


DEFAULT_DESK_HOURS = "Thứ Hai đến Thứ Sáu 7:30–11:30 và 13:00–17:00; sáng Thứ Bảy 7:30–11:30"


class WardDefaults(BaseModel):
    """Settings of every ward that `wards:` does not override."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    supervisor: Text | None = None  # None: the first supervisory unit
    hotline: Text | None = None  # None: the province's hotline
    desk_hours: Text = DEFAULT_DESK_HOURS


def _default_address(name: str, kind: str) -> str:
    # "Phường Bến Thành" -> "Trung tâm Phục vụ hành chính công phường Bến Thành (...)"
    unit = name[:1].lower() + name[1:]
    return f"Trung tâm Phục vụ hành chính công {unit} (địa chỉ niêm yết trên trang thông tin của {kind})"


def effective_wards(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every official ward of the province in `city_code`, with the `wards:` overrides applied.

    An override whose code is not in the province's official list is kept as written (with its
    code as a stand-in name), so that `reference_problems` can point at it.
    """
    overrides: dict[str, dict[str, Any]] = {}
    for item in data.get("wards") or []:
        entry = item.model_dump() if isinstance(item, BaseModel) else dict(item) if isinstance(item, dict) else {}
        overrides[str(entry.get("code", ""))] = {k: v for k, v in entry.items() if v is not None}
    defaults = data.get("ward_defaults") or {}
    if isinstance(defaults, BaseModel):
        defaults = defaults.model_dump()
    supervisors = data.get("supervisors") or []
    first = supervisors[0] if supervisors else {}
    first_id = first.id if isinstance(first, BaseModel) else first.get("id") if isinstance(first, dict) else None
    base = {
        "supervisor": defaults.get("supervisor") or first_id,
        "hotline": defaults.get("hotline") or data.get("hotline"),
        "desk_hours": defaults.get("desk_hours") or DEFAULT_DESK_HOURS,
    }
    official = {w.code: w for w in province_wards(str(data.get("city_code", "")))}
    # Overridden wards first, in the order written: a validation error at wards.N then points at
    # the N-th entry of config.yaml.
    wards = []
    for code, entry in overrides.items():
        unit = official.get(code)
        ward = {
            **base,
            "name": unit.name if unit else code,
            "desk_address": _default_address(unit.name, unit.kind) if unit else _default_address("Phường", "phường"),
            **entry,
        }
        if unit is not None and fold(str(ward["name"])) != fold(unit.name):
            # The official name always wins; the name written in the config stays as an alias.
            ward["aliases"] = [*(ward.get("aliases") or []), ward["name"]]
            ward["name"] = unit.name
        wards.append(ward)
    for code, unit in official.items():
        if code not in overrides:
            wards.append({"code": code, "name": unit.name, **base, "desk_address": _default_address(unit.name, unit.kind)})
    return wards


class Telegram(BaseModel):
    """How the Telegram adapter connects; the token comes from TELEGRAM_BOT_TOKEN."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Text | None = None  # e.g. a self-hosted Bot API server or an emulator
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: Text | None = None
    webhook_listen: Text = "0.0.0.0"
    webhook_port: int = 8443
    admin_ids: list[int] = Field(default_factory=list)  # may reload knowledge (/capnhat)
    outbox_interval: float = Field(default=2.0, gt=0)  # seconds between outbox worker passes
    outbox_max_backoff: float = Field(default=600.0, gt=0)  # seconds, cap of the retry backoff
    # Telegram's flood limits (AIORateLimiter): ~30 messages/s overall, 20/min per group.
    rate_overall_per_second: float = Field(default=30, gt=0)
    # Updates handled at once. Small on purpose: httpx scans its whole connection pool on every
    # request, so 256 concurrent handlers (PTB's "True") spent more time there than in our code.
    concurrent_updates: int = Field(default=8, ge=1, le=256)
    rate_group_per_minute: float = Field(default=20, gt=0)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> Telegram:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError("webhook mode needs webhook_url")
        return self


class Complaints(BaseModel):
    """Rules of the complaint intake and routing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    daily_limit_per_user: int = Field(default=5, ge=1)
    sensitive_categories: list[Category] = Field(default_factory=lambda: ["doi-tien"])
    max_description_chars: int = Field(default=3000, ge=100)
    resume_after_days: int = Field(default=30, ge=1)  # an unfinished intake older than this is dropped
    report_min_cases: int = Field(default=10, ge=1)  # a ward is ranked only with this many cases in the period


class Report(BaseModel):
    """The accountability report and the public site (bot/report.py, bot/publish.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_n: int = Field(default=10, ge=1)  # a percentage needs this many cases behind it, else "chưa đủ số liệu"
    suppress_below: int = Field(default=5, ge=1)  # public site: a count under this shows "<5"
    publish_dir: Text | None = None  # the bot regenerates the public site here daily; None: off
    publish_time: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")] = "06:00"
    publish_months: int = Field(default=12, ge=1, le=60)  # the public site covers this many months up to today


class Retention(BaseModel):
    """How long personal data is kept (Law 91/2025/QH15: no longer than its purpose needs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identity_months: int = Field(default=24, ge=1)  # identity and free text, counted from a case's closing
    drafts_days: int = Field(default=30, ge=1)  # an unfinished intake nobody came back to
    sessions_days: int = Field(default=90, ge=1)  # any other conversation state
    delivered_days: int = Field(default=30, ge=1)  # the text of messages already delivered (outbox)
    purge_time: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")] = "03:00"  # daily, local time


class Gaps(BaseModel):
    """The log of questions the assistant could not answer well (`python -m bot gaps`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retention_days: int = Field(default=90, ge=1)  # older questions are deleted
    low_score: float = Field(default=0.65, gt=0, le=1)  # an answer below this match score is logged


class CategoryDeadline(BaseModel):
    """Overrides of the deadlines for one complaint category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledge_hours: float | None = Field(default=None, gt=0)
    resolve_days: int | None = Field(default=None, ge=1)


class Deadlines(BaseModel):
    """How long a unit has to acknowledge and resolve a complaint, in working time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    morning: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] = "07:30-11:30"
    afternoon: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] = "13:00-17:00"
    saturday_morning: bool = True  # the desk opens Saturday mornings
    extra_days_off: list[dt.date] = Field(default_factory=list)  # bridge days announced after the holidays package
    extra_working_days: list[dt.date] = Field(default_factory=list)  # make-up Saturdays
    acknowledge_hours: float = Field(default=8, gt=0)  # iHanoi's rule: 8 working hours to accept a report
    resolve_days: int = Field(default=10, ge=1)
    reminder_hours_before: float = Field(default=2, ge=0)
    supervisor_resolve_days: int = Field(default=5, ge=1)  # the second deadline, once escalated
    by_category: dict[Category, CategoryDeadline] = Field(default_factory=dict)
    digest_time: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")] = "17:30"
    catch_up_minutes: int = Field(default=30, ge=1)  # events older than this are batched into one digest


class Backup(BaseModel):
    """Copies of the database: `python -m bot backup` and the running bot's daily copy, with rotation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Text = "data/backups"  # relative to the config file's folder
    keep: int = Field(default=7, ge=1)  # how many of the newest daily copies to keep


class Config(BaseModel):
    """The whole `config.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text = "Trợ lý Một cửa"
    knowledge_dir: Text = "knowledge"
    database: Text = "data/motcua.sqlite3"
    hotline: Text  # the city's general hotline for anything the assistant cannot answer
    hotline_name: Text
    city: Text
    city_code: Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
    timezone: Text = "Asia/Ho_Chi_Minh"
    supervisors: list[Supervisor] = Field(min_length=1)
    ward_defaults: WardDefaults = WardDefaults()
    # In config.yaml: optional overrides by code. Once loaded: every ward of the province (see
    # `effective_wards`), each with every field resolved.
    wards: list[Ward] = Field(min_length=1)
    telegram: Telegram = Telegram()
    complaints: Complaints = Complaints()
    deadlines: Deadlines = Deadlines()
    backup: Backup = Backup()
    report: Report = Report()
    retention: Retention = Retention()
    gaps: Gaps = Gaps()

    _ward_index: tuple[list[Ward], dict[str, Ward]] | None = PrivateAttr(default=None)

    @field_validator("city_code")
    @classmethod
    def _official_province(cls, code: str) -> str:
        if not province_wards(code):
            raise ValueError(
                f"{code!r} is not a province code of the official list in force since 1/7/2025 "
                f"(e.g. 79 {provinces().get('79')}, 01 {provinces().get('01')})"
            )
        return code

    @model_validator(mode="before")
    @classmethod
    def _expand_wards(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "wards": effective_wards(data)}
        return data

    def ward(self, code: str) -> Ward | None:
        """The ward with this official code (a dict lookup: it runs for every message about a case)."""
        index = self._ward_index
        # model_copy(update={"wards": ...}) copies private attributes too: rebuild for a new list.
        if index is None or index[0] is not self.wards:
            index = (self.wards, {w.code: w for w in self.wards})
            self._ward_index = index
        return index[1].get(code)

    def supervisor(self, unit_id: str) -> Supervisor | None:
        return next((s for s in self.supervisors if s.id == unit_id), None)


def load_config(path: Path) -> tuple[Config | None, list[Problem]]:
    """Load and validate `config.yaml`, including references between its parts."""
    config, problems = load_model(path, Config)
    if config is None:
        return None, problems
    data, node, _ = read_yaml(path)
    problems = reference_problems(config, path, node, data)
    return (None, problems) if problems else (config, [])


def reference_problems(config: Config, path: Path, node: Any, data: Any = None) -> list[Problem]:
    """Unknown province or ward codes, wards naming unknown supervisors, repeated ward codes or
    supervisor ids, located by line (`data` is the parsed YAML, for the ward overrides as written)."""
    problems = []
    supervisor_ids = [s.id for s in config.supervisors]
    for index, supervisor_id in enumerate(supervisor_ids):
        if supervisor_ids.index(supervisor_id) != index:
            line = line_of(node, ("supervisors", index, "id"))
            problems.append(Problem(str(path), line, f"supervisors.{index}.id: {supervisor_id!r} is repeated"))
    official = {w.code for w in province_wards(config.city_code)}
    overrides = data.get("wards") if isinstance(data, dict) else None
    seen: list[str] = []
    for index, entry in enumerate(overrides or []):
        code = str(entry.get("code", "")) if isinstance(entry, dict) else ""
        if code in seen:
            problems.append(
                Problem(str(path), line_of(node, ("wards", index, "code")), f"wards.{index}.code: ward code {code} is repeated")
            )
        seen.append(code)
        if official and code not in official:
            problems.append(
                Problem(
                    str(path),
                    line_of(node, ("wards", index, "code")),
                    f"wards.{index}.code: {code} is not a ward of {config.city} in the official list "
                    "in force since 1/7/2025",
                )
            )
    # A ward whose override names its own supervisor is blamed at that line; the others share the
    # default, reported once.
    override_index = {
        code: index
        for index, code in enumerate(seen)
        if isinstance(overrides[index], dict) and overrides[index].get("supervisor") is not None
    }
    default_reported = False
    for ward in config.wards:
        if ward.supervisor in supervisor_ids:
            continue
        index = override_index.get(ward.code)
        if index is None and default_reported:
            continue
        where = f"wards.{index}.supervisor" if index is not None else "ward_defaults.supervisor"
        loc = ("wards", index, "supervisor") if index is not None else ("ward_defaults", "supervisor")
        default_reported = default_reported or index is None
        problems.append(
            Problem(
                str(path),
                line_of(node, loc),
                f"{where}: ward {ward.code} names unknown supervisor {ward.supervisor!r} "
                f"(known: {', '.join(supervisor_ids)})",
            )
        )
    return problems


def resolve(config_path: Path, relative: str) -> Path:
    """A path from the config, taken relative to the config file's folder."""
    path = Path(relative)
    return path if path.is_absolute() else config_path.parent / path


def telegram_token() -> str | None:
    """The bot token from the environment, or None to run without Telegram."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    return token or None

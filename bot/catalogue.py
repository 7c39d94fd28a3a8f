"""The procedure catalogue: schema of `knowledge/procedures/*.yaml` and its loader.

Each YAML file holds a list of procedures of one field (lĩnh vực). The schema is a set of pydantic
models so that `python -m bot check` reports every problem with file, line and reason.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.yamlsource import Problem, load_models

# At most 40 characters: ids travel in Telegram callback data ("a:<aspect>:<id>"), which is capped at
# 64 bytes, so a longer id would pass validation and then break every button about the entry.
MAX_ID_LENGTH = 40
ProcedureId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Words that must not appear in a 2026 catalogue as if still in force: the district level is gone
# since 1/7/2025, the household book since 1/1/2023 and the CMND card since 1/1/2025.
OBSOLETE_PATTERNS = (
    (
        re.compile(r"\b(UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Công an|Phòng [^,.;]*) (cấp )?huyện", re.I),
        "refers to the district level, abolished on 1/7/2025",
    ),
    (re.compile(r"\bquận[, ]+huyện\b", re.I), "refers to the district level, abolished on 1/7/2025"),
    (re.compile(r"\bCMND\b|chứng minh nhân dân", re.I), "asks for a CMND, no longer valid"),
)

ONLINE_CHANNELS = ("DVCQG", "VNeID", "Cổng DVC tỉnh")
POST = "Bưu chính"


class Online(BaseModel):
    """How a procedure can be filed without queueing at the desk.

    Post (bưu chính) is not an online channel: it is kept apart in `by_post`. An entry that still
    lists "Bưu chính" among its channels is read as `by_post: true`, so older files keep loading.
    """

    model_config = ConfigDict(extra="forbid")

    channels: list[Literal["DVCQG", "VNeID", "Cổng DVC tỉnh"]] = Field(default_factory=list)
    fully_online: bool
    by_post: bool = False  # the dossier may also be sent by post
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _post_is_not_online(cls, data: object) -> object:
        if isinstance(data, dict) and POST in (data.get("channels") or []):
            data = {**data, "channels": [c for c in data["channels"] if c != POST], "by_post": True}
        return data


class FeeReduction(BaseModel):
    """A temporary cut of the published fee: the answer computes the reduced figure and says until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    percent: Annotated[int, Field(ge=1, le=100)]
    until: dt.date  # last day it applies
    who: Text | None = None  # who qualifies, when not everyone does
    basis: Text  # the act that grants it


class Situation(BaseModel):
    """A common case of a procedure that changes what the citizen must do (lost paper, bedridden parent...).

    `phrases` are how citizens tell it (matched like aliases); `advice` is what applies to it, shown
    first when the message tells this situation. `complaint` marks a situation where a demand the
    citizen reports breaks the rules (a paper no longer required), so the answer offers to complain.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=20)]
    phrases: list[Text] = Field(min_length=1)
    advice: Text
    complaint: bool = False


class Procedure(BaseModel):
    """One administrative procedure as a citizen needs to know it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ProcedureId
    name: Text
    field: Text
    code: Text | None = None  # national procedure code (Cơ sở dữ liệu quốc gia về TTHC), when known
    aliases: list[Text] = Field(min_length=3)
    agency: Text
    at_ward: bool = True  # False when the citizen must go elsewhere (province police, passport office...)
    documents: list[Text] = Field(min_length=1)
    processing_time: Text
    fees: Text
    legal_basis: list[Text] = Field(min_length=1)
    online: Online
    notes: Text | None = None
    fee_reduction: FeeReduction | None = None
    situations: list[Situation] = Field(default_factory=list)
    source: Text
    updated: dt.date
    # full: every fact checked against the official procedure sheet and the law; partial: some
    # figures (fee, time) could not be verified and the entry points to the posted sheet for them.
    verified: Literal["full", "partial"] = "partial"

    @field_validator("id")
    @classmethod
    def _short_id(cls, value: str) -> str:
        # Checked here rather than as a string constraint so that the message says why it matters.
        if len(value) > MAX_ID_LENGTH:
            raise ValueError(
                f"id {value!r} has {len(value)} characters, at most {MAX_ID_LENGTH} allowed "
                "(ids travel in Telegram button data, limited to 64 bytes)"
            )
        return value

    @field_validator("aliases")
    @classmethod
    def _distinct_aliases(cls, aliases: list[str]) -> list[str]:
        seen: set[str] = set()
        for alias in aliases:
            key = alias.casefold()
            if key in seen:
                raise ValueError(f"alias repeated: {alias!r}")
            seen.add(key)
        return aliases

    def obsolete_mentions(self) -> list[str]:
        """Reasons why some text of this entry describes pre-2025 law as current."""
        texts = [self.agency, self.processing_time, self.fees, *self.documents]
        found = []
        for pattern, reason in OBSOLETE_PATTERNS:
            if any(pattern.search(t) for t in texts):
                found.append(reason)
        return found


def load_catalogue(directory: Path) -> tuple[list[Procedure], list[Problem]]:
    """Load every `*.yaml` under `directory`; return the procedures and the problems found."""
    procedures: list[Procedure] = []
    problems: list[Problem] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        problems.append(Problem(str(directory), 0, "no procedure files (*.yaml) found"))
    seen: dict[str, str] = {}
    for path in files:
        loaded, file_problems = load_models(path, Procedure)
        problems.extend(file_problems)
        for proc, line in loaded:
            where = f"{path}:{line}"
            if proc.id in seen:
                problems.append(Problem(str(path), line, f"duplicate id {proc.id!r} (first at {seen[proc.id]})"))
                continue
            seen[proc.id] = where
            if proc.id.split(".")[0] != path.stem:
                problems.append(Problem(str(path), line, f"id {proc.id!r} does not belong in {path.name}"))
            for reason in proc.obsolete_mentions():
                problems.append(Problem(str(path), line, f"{proc.id}: {reason}"))
            procedures.append(proc)
    return procedures, problems

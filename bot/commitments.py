"""Published commitments (cam kết): schema of `knowledge/commitments/*.yaml`, loader, overdue rule.

Three kinds of entries:
- `obligation`: what the law makes every one-stop desk do (apology slip when late, no extra papers...);
- `pledge`: a standing promise a city or ward has published (e.g. answer feedback within 3 days);
- `task`: a reform task with a deadline, an indicator and a status.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.categories import COMPLAINT_CATEGORIES
from bot.yamlsource import Problem, load_models

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CommitmentId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")]

# Unit: "national", "city", or "ward:<official ward code>".
Unit = Annotated[str, StringConstraints(pattern=r"^(national|city|ward:\d{5})$")]

STATUS_LABELS = {
    "chua-thuc-hien": "Chưa thực hiện",
    "dang-thuc-hien": "Đang thực hiện",
    "hoan-thanh": "Hoàn thành",
}


class Source(BaseModel):
    """The published document a commitment comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Text  # e.g. "Thông tư 01/2018/TT-VPCP, Mẫu 04"
    date: dt.date | None = None
    url: Text | None = None


class Commitment(BaseModel):
    """One commitment a citizen can hold a one-stop desk to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CommitmentId
    kind: Literal["obligation", "pledge", "task"]
    unit: Unit
    title: Text
    entitlement: Text  # what the citizen is entitled to, in plain Vietnamese
    if_broken: Text  # what the citizen can do when it is not kept
    source: Source
    aliases: list[Text] = Field(default_factory=list)  # how citizens ask about it
    complaint_categories: list[Literal[COMPLAINT_CATEGORIES]] = Field(default_factory=list)  # type: ignore[valid-type]
    sample: bool = False  # True for pledges of the sample deployment, not a real published text
    # Reform tasks only:
    deadline: dt.date | None = None
    indicator: Text | None = None
    status: Literal["chua-thuc-hien", "dang-thuc-hien", "hoan-thanh"] | None = None
    status_updated: dt.date | None = None

    @model_validator(mode="after")
    def _task_fields(self) -> Commitment:
        task_fields = (self.deadline, self.indicator, self.status, self.status_updated)
        if self.kind == "task" and any(f is None for f in task_fields):
            raise ValueError("a task needs deadline, indicator, status and status_updated")
        if self.kind != "task" and self.deadline is not None:
            raise ValueError("only a task has a deadline")
        return self

    def is_overdue(self, today: dt.date) -> bool:
        """A task past its deadline and not done is overdue, whatever its recorded status says."""
        if self.kind != "task" or self.status == "hoan-thanh" or self.deadline is None:
            return False
        return today > self.deadline

    def status_label(self, today: dt.date) -> str | None:
        """The status as a citizen reads it, with the overdue rule applied."""
        if self.status is None:
            return None
        label = STATUS_LABELS[self.status]
        return f"Quá hạn ({label.lower()})" if self.is_overdue(today) else label


def load_commitments(directory: Path) -> tuple[list[Commitment], list[Problem]]:
    """Load every `*.yaml` under `directory`; return the commitments and the problems found."""
    commitments: list[Commitment] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        loaded, file_problems = load_models(path, Commitment)
        problems.extend(file_problems)
        for item, line in loaded:
            if item.id in seen:
                problems.append(Problem(str(path), line, f"duplicate id {item.id!r} (first at {seen[item.id]})"))
                continue
            seen[item.id] = f"{path}:{line}"
            commitments.append(item)
    return commitments, problems

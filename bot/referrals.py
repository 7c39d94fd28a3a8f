"""Matters a ward does not handle, and where each goes: schema of `knowledge/referrals.yaml`.

A citizen asking about a divorce, an inheritance dispute or a traffic fine should not get a
confident answer about the nearest ward procedure, nor a bare "I don't know": a referral says who
handles it, how to reach them and what to bring. `phrases` are how citizens name the matter and are
matched like procedure aliases; `related` lists ward procedures that touch the matter (the land
dispute mediation a ward must hold before a court takes the case), offered as buttons.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.yamlsource import Problem, load_models

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Ids travel in callback data ("ref:<id>"), so they stay short and ASCII.
ReferralId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=30)]


class Referral(BaseModel):
    """One matter outside the ward's remit and the institution that handles it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ReferralId
    matter: Text  # what the citizen asks about, as a heading ("Ly hôn, tranh chấp thừa kế, đất đai")
    institution: Text  # who handles it
    how: Text  # how to reach them / how to file
    bring: list[Text] = Field(default_factory=list)  # what to bring, when known
    note: Text | None = None
    phrases: list[Text] = Field(min_length=3)
    # The matter told as past context ("sau khi đã ly hôn", "quyết định ly hôn"): blanked before the
    # phrases are matched, so "đăng ký kết hôn lần 2 sau khi đã ly hôn" stays a ward question.
    background: list[Text] = Field(default_factory=list)
    related: list[Text] = Field(default_factory=list)  # ward procedure ids worth offering
    legal_basis: list[Text] = Field(min_length=1)
    source: Text
    updated: dt.date
    # full: every fact checked; partial: some detail (a hotline, an address) could not be verified.
    verified: Literal["full", "partial"] = "partial"


def load_referrals(path: Path) -> tuple[list[Referral], list[Problem]]:
    """Load the referrals file; a missing file is no referrals (the assistant then only declines)."""
    if not path.exists():
        return [], []
    loaded, problems = load_models(path, Referral)
    seen: set[str] = set()
    referrals = []
    for referral, line in loaded:
        if referral.id in seen:
            problems.append(Problem(str(path), line, f"duplicate id {referral.id!r}"))
            continue
        seen.add(referral.id)
        referrals.append(referral)
    return referrals, problems


def unknown_related(referrals: list[Referral], procedure_ids: set[str], path: Path) -> list[Problem]:
    """Problems for `related` ids that name no procedure in the catalogue."""
    return [
        Problem(str(path), 0, f"{r.id}: related procedure {pid!r} is not in the catalogue")
        for r in referrals
        for pid in r.related
        if pid not in procedure_ids
    ]

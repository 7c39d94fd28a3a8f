"""The retention policy and its daily purge.

`config.retention` says how long each kind of personal data is kept; `run_daily` applies it once a
day after `purge_time` (local time). The day's run is recorded in `purge_runs` only after it
finished, and every step is idempotent, so a bot that was down at purge time catches up at the next
tick and a crash in the middle simply repeats the purge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.complaints.store import Store
from bot.config import Config
from bot.privacy import records


@dataclass(frozen=True)
class PurgeReport:
    """What one purge removed (counts only: a report never carries content)."""

    cases_erased: int = 0
    sessions_dropped: int = 0
    messages_dropped: int = 0

    def summary(self) -> str:
        return f"cases={self.cases_erased} sessions={self.sessions_dropped} messages={self.messages_dropped}"


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def purge(store: Store, config: Config, now: dt.datetime) -> PurgeReport:
    """Apply the retention policy as of `now`."""
    policy = config.retention
    erased = 0
    for code, user in records.closed_before(store, months_before(now, policy.identity_months)):
        erased += records.erase_case(store, code, user, "retention")
    sessions = records.drop_sessions(
        store,
        drafts_before=now - dt.timedelta(days=policy.drafts_days),
        others_before=now - dt.timedelta(days=policy.sessions_days),
    )
    messages = records.drop_delivered(store, now - dt.timedelta(days=policy.delivered_days))
    return PurgeReport(erased, sessions, messages)


def run_daily(store: Store, config: Config, now: dt.datetime | None = None) -> PurgeReport | None:
    """Purge once per local day, after `retention.purge_time`; None when nothing was due."""
    now = now or store.clock()
    local = now.astimezone(ZoneInfo(config.timezone))
    hour, minute = (int(part) for part in config.retention.purge_time.split(":"))
    if (local.hour, local.minute) < (hour, minute):
        return None
    day = local.date().isoformat()
    if records.purge_ran(store, day):
        return None
    report = purge(store, config, now)
    records.mark_purge(store, day, report.summary())
    return report

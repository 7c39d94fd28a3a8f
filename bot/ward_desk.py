"""Questions about a ward's one-stop desk itself: is it open on Saturday, where is it, what hours.

Answered from the deployment's config (`desk_hours`, `desk_address` of each ward), never from a
pledge: "Phường Bến Thành làm việc thứ 7 không" wants Có/Không and the hours of that ward.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from bot.config import Config, Ward
from bot.question_form import question_form
from bot.replies import Reply, esc
from bot.textnorm import fold
from bot.wards import name_key

_DAYS = {
    "saturday": re.compile(r"\b(thu 7|thu bay|t7|cuoi tuan)\b"),
    "sunday": re.compile(r"\b(chu nhat|cn)\b"),
}
_HOURS = re.compile(
    r"\b(may gio|gio lam viec|gio mo cua|mo cua|dong cua|lam viec|nghi trua|gio hanh chinh|buoi trua|buoi chieu|buoi sang)\b"
)
_PLACE = re.compile(r"\b(o dau|dia chi|cho nao|nam o|cho lam|tru so)\b")
_DESK = re.compile(r"\b(phuong|xa|dac khu|mot cua|ubnd|uy ban|trung tam phuc vu|bo phan tiep nhan)\b")


_PREFIXES = ("phuong", "p", "xa", "x", "dac khu")


@functools.lru_cache(maxsize=8)
def _needles(names: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, ...], ...]:
    """Per ward, the padded folded texts that name it (its name after each prefix, its aliases), made
    once per set of wards: folding a whole city's names for every message took 2 ms, longer than
    understanding the message."""
    return tuple(
        (*(f" {prefix} {name_key(name)} " for prefix in _PREFIXES), *(f" {fold(alias)} " for alias in aliases))
        for name, aliases in names
    )


def named_ward(config: Config, text: str) -> Ward | None:
    """A configured ward the message names: "phường Bến Thành", "p ben thanh", or a configured alias.

    An official name counts only with its prefix (phường, xã, đặc khu, p): across a whole city some
    names are ordinary words ("chợ lớn"), and a wrong ward's desk is worse than none.
    """
    padded = f" {fold(text)} "
    needles = _needles(tuple((w.name, tuple(w.aliases)) for w in config.wards))
    return next((ward for ward, names in zip(config.wards, needles, strict=True) if any(n in padded for n in names)), None)


def asks_about_desk(text: str, names_ward: bool = False) -> bool:
    """Whether the message asks when or where the ward's desk works (not about a pledge)."""
    folded = fold(text)
    if re.search(r"\b(cam ket|hua)\b", folded):
        return False
    about_time = any(p.search(folded) for p in _DAYS.values()) or _HOURS.search(folded)
    return bool((names_ward or _DESK.search(folded)) and (about_time or _PLACE.search(folded)))


def _open_on(hours: str, day: str) -> bool | None:
    folded = fold(hours)
    if day == "saturday":
        return bool(re.search(r"thu bay|thu 7", folded))
    if day == "sunday":
        return bool(re.search(r"chu nhat", folded))
    return None


def desk_answer(config: Config, text: str) -> Reply | None:
    """The answer about a ward's desk, or None when the message is not such a question."""
    ward = named_ward(config, text)
    if not asks_about_desk(text, ward is not None):
        return None
    folded = fold(text)
    day = next((name for name, pattern in _DAYS.items() if pattern.search(folded)), None)
    yes_no = question_form(text) == "yes_no"
    if ward is None:
        common = Counter(w.desk_hours for w in config.wards).most_common(1)[0][0]
        same = all(w.desk_hours == common for w in config.wards)
        lead = ""
        if day and yes_no:
            lead = "<b>Có.</b> " if _open_on(common, day) else "<b>Không.</b> "
        scope = "Bộ phận một cửa các phường, xã" if same else "Phần lớn bộ phận một cửa các phường, xã"
        body = f"{lead}{scope} làm việc: {esc(common)}."
        example = esc(config.wards[0].name)
        return Reply(
            body + f"\nGõ tên phường của bạn (ví dụ: <i>{example} ở đâu</i>) để xem địa chỉ và giờ làm việc "
            "của đúng phường đó."
        )
    lines = [f"<b>{esc(ward.name)}</b> — bộ phận một cửa"]
    if day and yes_no:
        opened = _open_on(ward.desk_hours, day)
        when = "sáng thứ Bảy" if day == "saturday" and "sang thu bay" in fold(ward.desk_hours) else None
        if opened:
            lines.append(f"<b>Có</b>{', ' + when if when else ''}.")
        else:
            lines.append("<b>Không.</b>")
    lines.append(f"🕘 Giờ làm việc: {esc(ward.desk_hours)}")
    lines.append(f"📍 Địa chỉ: {esc(ward.desk_address)}")
    lines.append(f"☎️ Đường dây nóng: {esc(ward.hotline)}")
    return Reply("\n".join(lines))

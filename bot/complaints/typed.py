"""What a citizen types during the intake, read for what they mean.

- cancel ("hủy", "huy", "thôi không gửi nữa", "dừng lại") and back ("quay lại") in any spelling;
- "none" ("không có", "ko", "k có", "chưa có");
- the date of an incident as people type it ("hôm kia", "sáng nay", "thứ 2 tuần trước", "15/11",
  "15/11/2026"), shown back as a date, refused when in the future or impossible;
- a Vietnamese phone number (10 digits starting with 0, or +84), and the name typed beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.textnorm import fold

# Words that may surround a cancel or none word without changing it ("thôi em không gửi nữa nhé").
_FILLER = {
    "a", "nhe", "nha", "di", "ma", "minh", "toi", "em", "anh", "chi", "ban", "oi", "roi", "vay", "thi", "la",
    "nhen", "luon", "cai", "viec", "nay", "do", "ak", "ah", "ok", "lai", "bo", "nua", "gui", "phan",
    "muon", "khong", "ko", "k", "kg", "hong", "hok", "dau", "cam", "on",
}  # fmt: skip
_CANCEL_CORE = {"huy", "huyr", "huyx", "thoi", "dung", "ngung", "cancel", "stop", "exit", "quit", "khoi"}
_NOT = {"khong", "ko", "k", "kg", "hong", "hok"}
_MAX_COMMAND_WORDS = 7
_BACK = {"quay lai", "quay ve", "tro lai", "tro ve", "lui lai", "back", "sua lai buoc truoc"}
_NONE = {
    "khong", "khong co", "ko", "ko co", "k", "k co", "kco", "kg", "kg co", "hong co", "hok co", "chua co",
    "khong biet", "ko biet", "k biet", "khong nho", "ko nho", "k nho", "khong ro", "ko ro", "khong co a",
    "ko co a", "khong co ma", "khong co ma ho so", "ko co ma", "khong co giay hen", "ko co giay hen",
    "khong co anh", "ko co anh", "khong biet ten", "ko biet ten", "none", "no", "n a", "na", "x", "-",
}  # fmt: skip


def is_cancel(text: str | None) -> bool:
    """A short message that means "stop the complaint" ("hủy", "thôi không gửi nữa", "dừng lại")."""
    words = fold(text or "").split()
    if not words or len(words) > _MAX_COMMAND_WORDS:
        return False
    if any(w not in _FILLER and w not in _CANCEL_CORE for w in words):
        return False
    if any(w in _CANCEL_CORE for w in words):
        return True
    # "không gửi nữa", "ko phản ánh nữa": a negation with "nữa" and nothing else.
    return "nua" in words and any(w in _NOT for w in words)


def is_back(text: str | None) -> bool:
    return fold(text or "") in _BACK


def is_none(text: str | None) -> bool:
    """"không có", "ko", "k có", "chưa có": the citizen has nothing to give for this field."""
    folded = fold(text or "")
    return folded in _NONE or (text or "").strip() in ("-", "—", "x", "0")


# -- dates ---------------------------------------------------------------------------------------

_WEEKDAYS = {
    "thu 2": 0, "thu hai": 0, "t2": 0, "thu 3": 1, "thu ba": 1, "t3": 1, "thu 4": 2, "thu tu": 2, "t4": 2,
    "thu 5": 3, "thu nam": 3, "t5": 3, "thu 6": 4, "thu sau": 4, "t6": 4, "thu 7": 5, "thu bay": 5, "t7": 5,
    "chu nhat": 6, "cn": 6,
}  # fmt: skip
_WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_PARTS = {"sang": "Sáng", "trua": "Trưa", "chieu": "Chiều", "toi": "Tối", "dem": "Đêm"}
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?(?!\d)")
_DAY_ONLY = re.compile(r"\bngay (\d{1,2})\b")
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class When:
    """A date read from the citizen's words, or why it was refused."""

    day: dt.date | None = None
    label: str = ""  # what is stored and shown back: "Hôm kia, Thứ Tư 18/11/2026"
    problem: str | None = None  # set when the text was read but cannot be right


def _show(prefix: str, day: dt.date, relative: str = "") -> str:
    """"Hôm qua (19/11/2026)", "Sáng hôm nay (20/11/2026)", "Thứ Hai 09/11/2026"."""
    if relative:
        said = f"{prefix}{relative.lower()}" if prefix else relative
        return f"{said} ({day:%d/%m/%Y})"
    return f"{prefix}{_WEEKDAY_NAMES[day.weekday()].lower() if prefix else _WEEKDAY_NAMES[day.weekday()]} {day:%d/%m/%Y}"


def _checked(day: dt.date, today: dt.date, prefix: str = "", relative: str = "") -> When:
    if day > today:
        return When(problem=f"Ngày {day:%d/%m/%Y} ở tương lai. Sự việc xảy ra ngày nào?")
    if day.year < today.year - 5:
        return When(problem=f"Ngày {day:%d/%m/%Y} đã quá xa. Bạn kiểm tra lại ngày xảy ra sự việc.")
    return When(day, _show(prefix, day, relative))


def parse_when(text: str, today: dt.date) -> When | None:
    """The date the text names, a `When` with a problem if impossible/future, None if unreadable."""
    folded = fold(text)
    # A part of the day only right before a day ("tối qua", "sáng thứ 2"): "tôi" (I) folds to "toi" too.
    part = next(
        (label for word, label in _PARTS.items() if re.search(rf"\b{word} (nay|qua|hom|bua|thu|ngay|chu|cn|t\d|\d)", folded)),
        "",
    )
    prefix = f"{part} " if part else ""
    numeric = _NUMERIC.search(text)
    if numeric:
        day_n, month_n, year_text = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
        year = int(year_text) + (2000 if year_text and len(year_text) == 2 else 0) if year_text else today.year
        try:
            day = dt.date(year, month_n, day_n)
        except ValueError:
            return When(problem=f"Không có ngày {numeric.group(0).strip()}. Bạn gõ lại theo dạng ngày/tháng, ví dụ 15/11.")
        return _checked(day, today, prefix)
    # "qua"/"nay" only after a day word: folded "quá" is "qua" too ("lâu quá").
    if re.search(r"\b(hom|bua|sang|trua|chieu|toi|dem) nay\b", folded):
        return _checked(today, today, prefix, "Hôm nay")
    if re.search(r"\b(hom kia|bua kia)\b", folded):
        return _checked(today - dt.timedelta(days=2), today, prefix, "Hôm kia")
    if re.search(r"\b(hom|bua|sang|trua|chieu|toi|dem) qua\b", folded):
        return _checked(today - dt.timedelta(days=1), today, prefix, "Hôm qua")
    weekday = _WEEKDAY_RE.search(folded)
    if weekday:
        target = _WEEKDAYS[weekday.group(1)]
        this_week = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=target)
        if re.search(r"\btuan (truoc|roi)\b", folded):
            return _checked(this_week - dt.timedelta(days=7), today, prefix)
        if re.search(r"\btuan nay\b", folded):
            return _checked(this_week, today, prefix)
        # "thứ 3" alone: the most recent one (today if it is that day)
        day = this_week if this_week <= today else this_week - dt.timedelta(days=7)
        return _checked(day, today, prefix)
    only_day = _DAY_ONLY.search(folded)
    if only_day:
        try:
            day = today.replace(day=int(only_day.group(1)))
        except ValueError:
            return When(problem=f"Tháng này không có ngày {only_day.group(1)}. Bạn gõ ngày/tháng, ví dụ 15/11.")
        if day > today:
            month_start = today.replace(day=1) - dt.timedelta(days=1)
            try:
                day = month_start.replace(day=int(only_day.group(1)))
            except ValueError:
                return When(problem="Bạn gõ đủ ngày/tháng giúp tôi, ví dụ 15/11.")
        return _checked(day, today, prefix)
    return None


# -- phone numbers -------------------------------------------------------------------------------

# A run of digits with the separators people put in phone numbers, possibly broken by a letter
# typed for a digit ("09o1234567"): the whole run is taken so the mistake is caught, not cut.
_PHONE_RUN = re.compile(r"\+?\(?\d(?:[\s.\-()]?(?:\d|[OoIl](?=\d))){6,}")


@dataclass(frozen=True)
class Contact:
    """A name and a phone number read from one message, or why it was refused."""

    name: str | None = None
    phone: str | None = None
    problem: str | None = None


def normalise_phone(raw: str) -> str | None:
    """"0901 234 567", "+84 901234567", "84901234567" -> "0901234567"; None if not a valid number.

    Mobile numbers have 10 digits; landlines (02x) have 11 since 2017, and are accepted too.
    """
    compact = re.sub(r"[\s.\-()]", "", raw)
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    elif compact.startswith("84") and len(compact) in (11, 12):
        compact = "0" + compact[2:]
    if not compact.isdigit() or not compact.startswith("0"):
        return None
    if len(compact) == 10 and compact[1] in "35789":
        return compact
    if len(compact) == 11 and compact[1] == "2":
        return compact
    return None


def parse_contact(text: str) -> Contact:
    """Name and phone from "Nguyễn Văn A, 0901234567" (either order)."""
    runs = list(_PHONE_RUN.finditer(text))
    if not runs:
        return Contact(problem="Tôi chưa thấy số điện thoại. Bạn gõ họ tên và số điện thoại, ví dụ: Nguyễn Văn A, 0901234567.")
    run = max(runs, key=lambda m: len(m.group(0)))
    phone = normalise_phone(run.group(0))
    if phone is None:
        return Contact(
            problem=f"Số điện thoại “{run.group(0).strip()}” chưa đúng. Số di động Việt Nam có 10 chữ số, "
            "bắt đầu bằng 0 (ví dụ 0901234567) hoặc +84."
        )
    name = " ".join((text[: run.start()] + " " + text[run.end() :]).replace(",", " ").split()).strip(" ,;:-")
    if not any(ch.isalpha() for ch in name):
        return Contact(problem="Bạn gõ thêm họ tên bên cạnh số điện thoại, ví dụ: Nguyễn Văn A, 0901234567.")
    return Contact(name=name[:100], phone=phone)

"""Operators' commands: look at complaints, export them, register ward groups.

Identity rule here as everywhere: a citizen's name and contact are shown (`show CODE`) only when
they consented; the channel user id (the Telegram account) is never shown, not even with consent
(history and audit lines name "người phản ánh"). An export leaves the building (spreadsheets,
e-mail), so it carries no identity and no free text at all: only what the statistics need
(Law 91/2025/QH15, Luật Tố cáo Article 47).

Filters run in SQL (no cap applied before filtering); `list` pages explicitly. Statuses are
shown in Vietnamese and times in the deployment's local time with the zone marked. CSV is
UTF-8 with a byte-order mark, so Excel and LibreOffice both open it with the diacritics intact.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import Loaded
from bot.categories import CATEGORY_LABELS
from bot.complaints.routing import unit_name
from bot.complaints.store import Complaint, Store, parse_time
from bot.complaints.texts import OPEN_STATUSES, STAFF_STATUS_LABELS
from bot.config import Config
from bot.textnorm import fold

PER_PAGE = 50
# Columns of `complaints export --csv`: no free text, no identity (`show CODE` has the rest).
EXPORT_FIELDS = (
    "code",
    "ward_code",
    "ward",
    "route",
    "unit",
    "category",
    "category_label",
    "status",
    "status_label",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "rating",
    "reopened",
    "sensitive",
    "consent",
)
ANONYMOUS_AUTHOR = "người phản ánh (ẩn danh)"
CONSENTING_AUTHOR = "người phản ánh (đã đồng ý cung cấp danh tính)"


class UsageError(ValueError):
    """A filter the operator typed that matches nothing we know; the message says what would."""


# -- filters -------------------------------------------------------------------------------------


def statuses_for(text: str | None) -> tuple[str, ...] | None:
    """Status keys for `--status`: a key ("new"), "open" (every open status), or the Vietnamese
    label ("chờ tiếp nhận", "da tiep nhan"); None for no filter."""
    if text is None or not text.strip():
        return None
    key = fold(text).replace(" ", "_")
    if key in STAFF_STATUS_LABELS:
        return (key,)
    if key in ("open", "mo", "dang_mo"):
        return OPEN_STATUSES
    by_label = {fold(label).replace(" ", "_"): status for status, label in STAFF_STATUS_LABELS.items()}
    if key in by_label:
        return (by_label[key],)
    known = ", ".join(f"{status} ({label})" for status, label in STAFF_STATUS_LABELS.items())
    raise UsageError(f"Không có trạng thái “{text}”. Dùng một trong: {known}; hoặc open (mọi phản ánh đang mở).")


def ward_for(config: Config, text: str | None) -> str | None:
    """Ward code for `--ward`: an official code, or a name as a citizen would type it."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.isdigit():
        ward = config.ward(text.zfill(5))
        if ward is None:
            raise UsageError(f"Không có phường/xã mã {text} trong {config.city}.")
        return ward.code
    from bot.wards import match_ward  # the name index is built only when a name is given

    found = match_ward(config, text, lambda typed, city: None)
    if found.ward is not None:
        return found.ward.code
    if found.candidates:
        listed = "; ".join(f"{w.code} ({w.name})" for w in found.candidates)
        raise UsageError(f"“{text}” có thể là nhiều phường/xã: {listed}. Dùng mã để chọn một.")
    raise UsageError(f"Không tìm thấy phường/xã “{text}” trong {config.city}. Dùng tên hoặc mã 5 chữ số.")


def _where(statuses: tuple[str, ...] | None, ward: str | None) -> tuple[str, list[object]]:
    clauses, params = [], []
    if statuses:
        clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    if ward:
        clauses.append("ward_code = ?")
        params.append(ward)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count_cases(store: Store, statuses: tuple[str, ...] | None, ward: str | None) -> int:
    where, params = _where(statuses, ward)
    return store.db.execute(f"SELECT COUNT(*) FROM complaints{where}", params).fetchone()[0]


def query_cases(
    store: Store, statuses: tuple[str, ...] | None, ward: str | None, limit: int | None = None, offset: int = 0
) -> Iterator[Complaint]:
    """Cases matching the filters, newest first, filtered in SQL."""
    where, params = _where(statuses, ward)
    sql = f"SELECT * FROM complaints{where} ORDER BY created_at DESC, code"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    for row in store.db.query(sql, params):
        yield Complaint.from_row(row)


# -- presentation --------------------------------------------------------------------------------


def local_time(config: Config, moment: dt.datetime | None, *, iso: bool = False) -> str:
    """"20/11/2026 10:00 UTC+07:00" (or ISO 8601 with the offset, for CSV); "" for none."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(config.timezone))
    if iso:
        return local.isoformat(timespec="seconds")
    offset = local.strftime("%z")
    return f"{local:%d/%m/%Y %H:%M} UTC{offset[:3]}:{offset[3:]}"


def _row(config: Config, case: Complaint) -> dict[str, object]:
    ward = config.ward(case.ward_code)
    return {
        "code": case.code,
        "ward_code": case.ward_code,
        "ward": ward.name if ward else "",
        "route": case.route,
        "unit": unit_name(config, case.route),
        "category": case.category,
        "category_label": CATEGORY_LABELS.get(case.category, case.category),
        "status": case.status,
        "status_label": STAFF_STATUS_LABELS.get(case.status, case.status),
        "created_at": local_time(config, case.created_at, iso=True),
        "acknowledged_at": local_time(config, case.acknowledged_at, iso=True),
        "resolved_at": local_time(config, case.resolved_at, iso=True),
        "rating": case.rating if case.rating is not None else "",
        "reopened": case.reopened,
        "sensitive": int(case.sensitive),
        "occurred": case.occurred,
        "description": case.description,
        "official": case.official or "",
        "dossier": case.dossier or "",
        "consent": int(case.consent),
        "contact_name": case.contact_name if case.consent else "",
        "contact": case.contact if case.consent else "",
    }


def actor_label(case: Complaint, actor: str) -> str:
    """Who acted; the author's channel id is never printed (their name, with consent, is in the header)."""
    if actor == case.user:
        return CONSENTING_AUTHOR if case.consent else ANONYMOUS_AUTHOR
    return actor


def _mask(case: Complaint, text: str | None) -> str:
    if not text:
        return ""
    return text.replace(case.user, CONSENTING_AUTHOR if case.consent else ANONYMOUS_AUTHOR)


def write_csv(config: Config, cases: Iterator[Complaint], out: io.BufferedIOBase | io.RawIOBase) -> int:
    """Write cases as CSV, UTF-8 with BOM and CRLF rows (what Excel expects); returns the count."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)  # type: ignore[arg-type]
    writer = csv.DictWriter(text, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    count = 0
    for case in cases:
        row = _row(config, case)
        writer.writerow({key: row[key] for key in EXPORT_FIELDS})
        count += 1
    text.flush()
    text.detach()
    return count


# -- commands ------------------------------------------------------------------------------------


def complaints_command(loaded: Loaded, store: Store, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """`python -m bot complaints list [--status S] [--ward W] [--page N]|show CODE|export --csv`."""
    out = out or sys.stdout
    config = loaded.config
    try:
        statuses = statuses_for(getattr(args, "status", None))
        ward = ward_for(config, getattr(args, "ward", None))
    except UsageError as problem:
        print(problem, file=sys.stderr)
        return 2
    if args.action == "list":
        return _list(config, store, statuses, ward, args, out)
    if args.action == "show":
        return _show(config, store, args.code, out)
    output: Path | None = getattr(args, "output", None)
    cases = query_cases(store, statuses, ward)
    if output is not None:
        with output.open("wb") as handle:
            count = write_csv(config, cases, handle)
        print(f"Đã xuất {count} phản ánh vào {output}.", file=sys.stderr)
        return 0
    out.flush()
    write_csv(config, cases, getattr(out, "buffer", None) or sys.stdout.buffer)
    return 0


def _list(
    config: Config, store: Store, statuses: tuple[str, ...] | None, ward: str | None, args: argparse.Namespace, out: TextIO
) -> int:
    per_page = max(1, int(getattr(args, "per_page", None) or PER_PAGE))
    page = max(1, int(getattr(args, "page", None) or 1))
    total = count_cases(store, statuses, ward)
    pages = max(1, -(-total // per_page))
    if page > pages:
        print(f"Chỉ có {pages} trang ({total} phản ánh khớp bộ lọc).", file=sys.stderr)
        return 2
    for case in query_cases(store, statuses, ward, per_page, (page - 1) * per_page):
        label = CATEGORY_LABELS.get(case.category, case.category)
        ward_case = config.ward(case.ward_code)
        print(
            f"{case.code}  {local_time(config, case.created_at)}  {ward_case.name if ward_case else case.ward_code}  "
            f"{STAFF_STATUS_LABELS.get(case.status, case.status)}  {label}  → {unit_name(config, case.route)}",
            file=out,
        )
    first = (page - 1) * per_page + 1 if total else 0
    last = min(page * per_page, total)
    summary = f"Trang {page}/{pages}: phản ánh {first}–{last} trong {total} phản ánh khớp bộ lọc."
    if page < pages:
        summary += f" Trang sau: --page {page + 1}"
    if total == 0:
        summary = "Không có phản ánh nào khớp bộ lọc."
    print(summary, file=out)
    return 0


def _show(config: Config, store: Store, code_text: str, out: TextIO) -> int:
    case = store.get(code_text.strip().upper())
    if case is None:
        print(f"Không tìm thấy phản ánh {code_text}.", file=sys.stderr)
        return 1
    for key, value in _row(config, case).items():
        print(f"{key:16} {value}", file=out)
    print("\nDiễn biến:", file=out)
    for step in store.history(case.code):
        when = local_time(config, parse_time(step["at"]))
        status = STAFF_STATUS_LABELS.get(step["status"], step["status"])
        print(f"  {when}  {status:24} {actor_label(case, step['actor'])}  {_mask(case, step['note'])}", file=out)
    print("\nNhật ký:", file=out)
    for entry in store.audit_log(case.code):
        when = local_time(config, parse_time(entry["at"]))
        detail = _mask(case, entry["detail"])
        print(f"  {when}  {entry['action']:15} {actor_label(case, entry['actor'])}  {detail}", file=out)
    return 0


def groups_command(loaded: Loaded, store: Store, args: argparse.Namespace) -> int:
    """`python -m bot groups code UNIT|list` (UNIT: a ward's code or name, or a supervisor id)."""
    config = loaded.config
    if args.action == "list":
        for route, chat_id in sorted(store.registered_groups().items()):
            print(f"{route:24} {chat_id}  {unit_name(config, route)}")
        return 0
    unit = args.unit.strip()
    if config.supervisor(unit) is not None:
        route = f"supervisor:{unit}"
    else:
        try:
            route = f"ward:{ward_for(config, unit)}"
        except UsageError as problem:
            print(f"Không có đơn vị {unit} trong config.yaml. {problem}", file=sys.stderr)
            return 1
    code = store.new_registration_code(route)
    print(f"Mã đăng ký cho {unit_name(config, route)}: {code}")
    print(f"Thêm trợ lý vào nhóm Telegram của đơn vị, rồi gõ trong nhóm: /dangky {code}  (hiệu lực 48 giờ, dùng 1 lần)")
    return 0

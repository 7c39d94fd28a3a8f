"""Operators' commands: look at complaints, export them, register ward groups.

Identity rule here as everywhere: a citizen's name and contact are shown (`show CODE`) only when
they consented; the channel user id (the Telegram account) is never shown. An export leaves the
building (spreadsheets, e-mail), so it carries no identity and no free text at all: only what the
statistics need (Law 91/2025/QH15, Luật Tố cáo Article 47).
"""

from __future__ import annotations

import argparse
import csv
import sys

from bot.app import Loaded
from bot.categories import CATEGORY_LABELS
from bot.complaints.routing import unit_name
from bot.complaints.store import Complaint, Store
from bot.complaints.texts import STATUS_LABELS

# Columns of `complaints export --csv`: no free text, no identity (`show CODE` has the rest).
EXPORT_FIELDS = (
    "code",
    "ward_code",
    "ward",
    "route",
    "unit",
    "category",
    "status",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "rating",
    "reopened",
    "sensitive",
    "consent",
)


def _row(loaded: Loaded, case: Complaint) -> dict[str, object]:
    ward = loaded.config.ward(case.ward_code)
    return {
        "code": case.code,
        "ward_code": case.ward_code,
        "ward": ward.name if ward else "",
        "route": case.route,
        "unit": unit_name(loaded.config, case.route),
        "category": case.category,
        "status": case.status,
        "created_at": case.created_at.isoformat(),
        "acknowledged_at": case.acknowledged_at.isoformat() if case.acknowledged_at else "",
        "resolved_at": case.resolved_at.isoformat() if case.resolved_at else "",
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


def complaints_command(loaded: Loaded, store: Store, args: argparse.Namespace) -> int:
    """`python -m bot complaints list|show CODE|export --csv`."""
    if args.action == "list":
        cases = store.list(status=args.status)
        if args.ward:
            cases = [c for c in cases if c.ward_code == args.ward]
        for case in cases:
            label = CATEGORY_LABELS.get(case.category, case.category)
            print(
                f"{case.code}  {case.created_at:%Y-%m-%d %H:%M}  {case.ward_code}  {case.status:15} "
                f"{label}  → {unit_name(loaded.config, case.route)}"
            )
        print(f"{len(cases)} phản ánh.")
        return 0
    if args.action == "show":
        case = store.get(args.code.strip().upper())
        if case is None:
            print(f"Không tìm thấy phản ánh {args.code}.", file=sys.stderr)
            return 1
        for key, value in _row(loaded, case).items():
            print(f"{key:16} {value}")
        print(f"{'trạng thái':16} {STATUS_LABELS.get(case.status, case.status)}")
        print("\nDiễn biến:")
        def who(actor: str) -> str:  # the citizen's channel id is never shown, even to operators
            return "người dân" if actor == case.user else actor

        for step in store.history(case.code):
            print(f"  {step['at']}  {step['status']:15} {who(step['actor'])}  {step['note'] or ''}")
        print("\nNhật ký:")
        for entry in store.audit_log(case.code):
            print(f"  {entry['at']}  {entry['action']:15} {who(entry['actor'])}  {entry['detail'] or ''}")
        return 0
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for case in store.list(limit=10_000_000):
        row = _row(loaded, case)
        writer.writerow({key: row[key] for key in EXPORT_FIELDS})
    return 0


def groups_command(loaded: Loaded, store: Store, args: argparse.Namespace) -> int:
    """`python -m bot groups code UNIT|list`."""
    if args.action == "list":
        for route, chat_id in sorted(store.registered_groups().items()):
            print(f"{route:24} {chat_id}  {unit_name(loaded.config, route)}")
        return 0
    unit = args.unit.strip()
    route = f"ward:{unit}" if unit.isdigit() else f"supervisor:{unit}"
    if unit_name(loaded.config, route) == route.split(":", 1)[1]:
        print(f"Không có đơn vị {unit} trong config.yaml.", file=sys.stderr)
        return 1
    code = store.new_registration_code(route)
    print(f"Mã đăng ký cho {unit_name(loaded.config, route)}: {code}")
    print(f"Thêm trợ lý vào nhóm Telegram của đơn vị, rồi gõ trong nhóm: /dangky {code}  (hiệu lực 48 giờ, dùng 1 lần)")
    return 0

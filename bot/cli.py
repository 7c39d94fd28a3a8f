"""Command line: `python -m bot [start|chat|run|ask|catalogue|check|eval|...]`.

With no command the assistant starts: on Telegram when TELEGRAM_BOT_TOKEN is set, otherwise as a
terminal chat on the bundled knowledge.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.app import check, default_config_path, load, make_assistant, open_store
from bot.complaints.store import Store, StoreUnavailable
from bot.config import telegram_token
from bot.conversation import Incoming
from bot.privacy.keys import DataKeyError
from bot.replies import to_plain
from bot.understanding import understand
from bot.yamlsource import InvalidKnowledge


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Trợ lý Một cửa")
    parser.add_argument("--config", type=Path, default=None, help="config file (default: ./config.yaml)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("start", help="Telegram bot if TELEGRAM_BOT_TOKEN is set, else terminal chat (default)")
    sub.add_parser("chat", help="chat in the terminal on the bundled knowledge")
    sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    ask = sub.add_parser("ask", help="print the reply to one question")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="read questions from stdin, print JSON lines")
    catalogue = sub.add_parser("catalogue", help="print the procedure catalogue")
    catalogue.add_argument("--json", action="store_true", required=True)
    sub.add_parser("check", help="validate knowledge/ and config.yaml")
    doctor = sub.add_parser("doctor", help="operators: is this deployment ready? OK/WARN/FAIL with what to do")
    doctor.add_argument("--offline", action="store_true", help="skip the checks that ask Telegram")
    doctor.add_argument("--all", dest="show_all", action="store_true", help="name every ward, not a summary")
    complaints = sub.add_parser("complaints", help="operators: list, show or export complaints")
    complaints_sub = complaints.add_subparsers(dest="action", required=True)
    listing = complaints_sub.add_parser("list", help="newest first, one page at a time")
    listing.add_argument("--status", help="new, acknowledged, ... or open (every open status); Vietnamese labels too")
    listing.add_argument("--ward", help="a ward's code or name")
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--per-page", dest="per_page", type=int, default=50)
    show = complaints_sub.add_parser("show", help="one case with its history and audit log")
    show.add_argument("code")
    export = complaints_sub.add_parser("export", help="cases as CSV, UTF-8 with BOM (identity only with consent)")
    export.add_argument("--csv", action="store_true", required=True)
    export.add_argument("--status")
    export.add_argument("--ward")
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    groups = sub.add_parser("groups", help="operators: register a ward's Telegram group")
    groups_sub = groups.add_subparsers(dest="action", required=True)
    code = groups_sub.add_parser("code", help="a one-time code to type in the group: /dangky CODE")
    code.add_argument("unit", help="ward code or name (e.g. 26743, Bến Thành) or supervisor id (e.g. so-noi-vu)")
    groups_sub.add_parser("list", help="groups registered so far")
    report = sub.add_parser("report", help="accountability report of a period: HTML page and PNG chart")
    report.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="default: see report.publish_months")
    report.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="default: today")
    report.add_argument("--ward", help="one ward's code: a printable one-page A4 report (default: every ward)")
    report.add_argument("--out", type=Path, help="output folder (default: reports/ beside the config)")
    report.add_argument("--pdf", action="store_true", help="also print a PDF with headless Chromium")
    publish = sub.add_parser("publish", help="write the public site (index of wards, one page per ward)")
    publish.add_argument("dir", type=Path, nargs="?", help="output folder (default: report.publish_dir)")
    backup = sub.add_parser("backup", help="copy the database now (safe while the bot runs)")
    backup.add_argument("path", nargs="?", type=Path, help="file or folder (default: backup.dir of the config)")
    restore = sub.add_parser("restore", help="replace the database with a backup that passes the integrity check")
    restore.add_argument("path", type=Path)
    rotate = sub.add_parser("rotate-key", help="re-encrypt personal data under a new data key (stop the bot first)")
    rotate.add_argument("--out", type=Path, help="where to write the new key when MOTCUA_DATA_KEY is used")
    gaps = sub.add_parser("gaps", help="maintainers: questions the assistant declined or was unsure of, grouped")
    gaps.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="only questions from this day on")
    gaps.add_argument("--limit", type=int, default=15, help="groups to print (default 15)")
    evaluate = sub.add_parser("eval", help="accuracy on a labelled question file, beside a BM25 baseline")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--errors", action="store_true", help="list the questions answered wrongly")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    try:
        return _main(argv)
    except StoreUnavailable as exc:
        print(f"Không khởi động được: {exc}", file=sys.stderr)
        return 3


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    config_path = args.config or default_config_path()
    command = args.command or "start"
    if command == "check":
        return _check(config_path)
    if command == "doctor":
        from bot.doctor import doctor_command

        return doctor_command(config_path, offline=args.offline, show_all=args.show_all)
    try:
        loaded = load(config_path)
    except InvalidKnowledge as exc:
        print("Không khởi động được: dữ liệu hoặc cấu hình không hợp lệ.", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    if command == "start":
        command = "run" if telegram_token() else "chat"
    try:
        return _dispatch(loaded, command, args)
    except DataKeyError as exc:
        print(f"Không mở được dữ liệu: {exc}", file=sys.stderr)
        return 2


def _dispatch(loaded, command: str, args: argparse.Namespace) -> int:
    if command == "chat":
        from handlers.terminal import TERMINAL_USER, chat

        chat(make_assistant(loaded, open_store(loaded), demo_staff=frozenset({TERMINAL_USER})))
        return 0
    if command == "run":
        from handlers.telegram_app import run

        return run(loaded)
    if command == "ask":
        return _ask(loaded, args.question, args.json)
    if command == "catalogue":
        entries = [p.model_dump(mode="json") for p in loaded.knowledge.procedures.values()]
        json.dump(entries, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if command == "complaints":
        from bot.operators import complaints_command

        return complaints_command(loaded, open_store(loaded), args)
    if command == "groups":
        from bot.operators import groups_command

        return groups_command(loaded, open_store(loaded), args)
    if command == "report":
        from bot.report import report_command

        return report_command(loaded, args)
    if command == "publish":
        from bot.publish import publish_command

        return publish_command(loaded, args)
    if command == "backup":
        from bot.maintenance import backup_command

        return backup_command(loaded, args.path)
    if command == "restore":
        from bot.maintenance import restore_command

        return restore_command(loaded, args.path)

    if command == "gaps":
        import datetime as dt

        from bot.config import resolve
        from bot.gaps import gap_log_beside, gaps_command

        config = loaded.config
        log = gap_log_beside(
            resolve(loaded.config_path, config.database), dt.timedelta(days=config.gaps.retention_days)
        )
        print(gaps_command(log, loaded.knowledge, config.gaps.low_score, args.since, args.limit))
        log.close()
        return 0
    if command == "eval":
        from bot.evaluation import run_evaluation

        return run_evaluation(loaded.knowledge, args.file, show_errors=args.errors)
    if command == "rotate-key":
        from bot.privacy.rotation import rotate_key

        return rotate_key(loaded, args.out)
    return 1


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _check(config_path: Path) -> int:
    loaded, problems = check(config_path)
    if loaded is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    knowledge = loaded.knowledge
    print(
        f"OK: {config_path}: {len(loaded.config.wards)} wards; "
        f"{len(knowledge.procedures)} procedures, {len(knowledge.commitments)} commitments."
    )
    return 0


def _ask(loaded, question: str | None, as_json: bool) -> int:
    if as_json:
        questions = [question] if question else (line.rstrip("\r\n") for line in sys.stdin)
        for q in questions:
            if not q.strip():
                continue
            result = understand(loaded.knowledge, q)
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        return 0
    if not question:
        print('Cần một câu hỏi, ví dụ: python -m bot ask "làm căn cước ở đâu"', file=sys.stderr)
        return 2
    assistant = make_assistant(loaded, Store(":memory:"))  # asking never touches the deployment's data
    for reply in assistant.handle(Incoming("cli:ask", text=question)):
        print(to_plain(reply.text))
        for n, button in enumerate(reply.all_buttons(), start=1):
            print(f"  [{n}] {button.label}")
    return 0

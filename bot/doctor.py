"""`python -m bot doctor`: is this deployment ready to serve citizens?

Every line is OK, WARN or FAIL with what to do. WARN means it runs but something is missing that an
operator should fix soon; FAIL means citizens or wards would be let down, and the exit code is 1.
The doctor only reads: the database is opened read-only (it is never created or migrated here), and
the Bot API is asked only getMe, getChat and getWebhookInfo. With `--offline` (or when Telegram
cannot be reached) the token, clock and group checks against Telegram are skipped with a note.

A province has ~170 wards, so wards in the same state are summarised on one line with a few
names; `--all` names every one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import re
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from bot.app import Loaded, check
from bot.complaints.routing import chat_for, route_falls_back
from bot.complaints.store import MIGRATIONS, parse_time
from bot.config import Config, resolve

Level = Literal["OK", "WARN", "FAIL"]
TELEGRAM_API = "https://api.telegram.org/bot"
NAMES_SHOWN = 5  # names listed per summary line before "… và N phường/xã khác"
CLOCK_WARN = dt.timedelta(seconds=60)
BACKUP_MAX_AGE = dt.timedelta(hours=26)  # a daily backup, with some slack
OUTBOX_STUCK = dt.timedelta(hours=1)
WEBHOOK_PORTS = {443, 80, 88, 8443}  # the only ports Telegram delivers webhooks to
SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's rule for secret_token
REGISTER_TODO = "python -m bot groups code MÃ_ĐƠN_VỊ, rồi gõ /dangky MÃ trong nhóm Telegram của đơn vị"


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    level: Level
    topic: str
    text: str
    todo: str | None = None

    def render(self) -> str:
        line = f"{self.level:<4}  {self.topic}: {self.text}"
        return f"{line}\n      → {self.todo}" if self.todo else line


class Offline(Exception):
    """Telegram (or the configured Bot API server) could not be reached at all."""


@dataclass
class BotApi:
    """Just enough of the Bot API for read-only checks, keeping the server's clock from each answer."""

    base_url: str
    token: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=5.0))
    server_time: dt.datetime | None = None

    def call(self, method: str, **params: Any) -> tuple[Any, str | None]:
        """(result, None) on success, (None, Telegram's description) when refused; raise Offline."""
        try:
            response = self.client.post(f"{self.base_url}{self.token}/{method}", json=params)
        except httpx.TransportError as exc:
            raise Offline(str(exc) or type(exc).__name__) from exc
        date = response.headers.get("date")
        if date:
            self.server_time = email.utils.parsedate_to_datetime(date)
        try:
            body = response.json()
        except ValueError:
            return None, f"HTTP {response.status_code}"
        if response.status_code == 200 and body.get("ok"):
            return body.get("result"), None
        return None, str(body.get("description") or f"HTTP {response.status_code}")


def names(items: Iterable[str], show_all: bool = False, noun: str = "phường/xã") -> str:
    """'A, B, C' or 'A, B, C, D, E … và 12 phường/xã khác'."""
    items = list(items)
    if show_all or len(items) <= NAMES_SHOWN + 1:
        return ", ".join(items)
    return f"{', '.join(items[:NAMES_SHOWN])} … và {len(items) - NAMES_SHOWN} {noun} khác (xem hết: --all)"


def age_text(age: dt.timedelta) -> str:
    """'3 phút', '5 giờ', '2 ngày'."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} phút"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} giờ"
    return f"{seconds // 86400} ngày"


# -- knowledge and config -------------------------------------------------------------------------


def check_loaded(config_path: Path) -> tuple[Loaded | None, list[Finding]]:
    """Config and knowledge as every entry point loads them."""
    loaded, problems = check(config_path)
    if loaded is None:
        shown = "; ".join(str(p) for p in problems[:5]) + (f" (và {len(problems) - 5} lỗi khác)" if len(problems) > 5 else "")
        return None, [
            Finding("FAIL", "Cấu hình và dữ liệu", f"{len(problems)} lỗi: {shown}", "python -m bot check để xem từng lỗi, sửa rồi chạy lại")
        ]
    k = loaded.knowledge
    return loaded, [
        Finding(
            "OK",
            "Cấu hình và dữ liệu",
            f"{config_path}: {len(loaded.config.wards)} phường/xã, {len(k.procedures)} thủ tục, {len(k.commitments)} cam kết",
        )
    ]


# -- Telegram -------------------------------------------------------------------------------------


def check_token(api: BotApi | None) -> tuple[bool, list[Finding]]:
    """Token present and accepted (getMe). Returns whether later online checks may run."""
    if api is None:
        return False, [
            Finding(
                "FAIL",
                "Token Telegram",
                "chưa có TELEGRAM_BOT_TOKEN trong biến môi trường",
                "lấy token từ @BotFather, ghi TELEGRAM_BOT_TOKEN=… vào /etc/motcua/motcua.env (máy chủ: chạy sudo motcua doctor) hoặc đặt biến môi trường",
            )
        ]
    try:
        me, error = api.call("getMe")
    except Offline as exc:
        return False, [
            Finding(
                "WARN",
                "Token Telegram",
                f"không kết nối được {api.base_url} ({exc}): chưa kiểm tra token, đồng hồ và các nhóm",
                "kiểm tra mạng hoặc proxy của máy chủ rồi chạy lại doctor",
            )
        ]
    if error is not None:
        return False, [
            Finding("FAIL", "Token Telegram", f"Telegram từ chối token ({error})", "kiểm tra lại token với @BotFather (/mybots → API Token)")
        ]
    return True, [Finding("OK", "Token Telegram", f"được chấp nhận: @{me.get('username')} (id {me.get('id')})")]


def check_offline_note() -> list[Finding]:
    return [Finding("WARN", "Token Telegram", "bỏ qua (--offline): chưa kiểm tra token, đồng hồ và các nhóm với Telegram")]


# -- wards and supervisory units ------------------------------------------------------------------


def _group(config: Config, route_key: str, registered: dict[str, int]) -> int | None:
    return registered.get(route_key) or _configured_chat(config, route_key)


def _configured_chat(config: Config, route_key: str) -> int | None:
    kind, _, ident = route_key.partition(":")
    unit = config.ward(ident) if kind == "ward" else config.supervisor(ident)
    return unit.chat_id if unit else None


def check_wards(config: Config, registered: dict[str, int], show_all: bool = False) -> list[Finding]:
    """Which wards have their own group and staff, which fall back to their supervisor, which reach nobody."""
    own, fallback, nowhere, no_staff = [], defaultdict(list), defaultdict(list), []
    for ward in config.wards:
        key = f"ward:{ward.code}"
        if not route_falls_back(config, key, registered):
            own.append(ward.name)
            if not ward.staff_ids:
                no_staff.append(ward.name)
        elif chat_for(config, key, registered) is not None:
            fallback[ward.supervisor].append(ward.name)
        else:
            nowhere[ward.supervisor].append(ward.name)
    total = len(config.wards)
    findings = []
    if own:
        findings.append(Finding("OK", "Nhóm phường/xã", f"{len(own)}/{total} có nhóm Telegram riêng: {names(own, show_all)}"))
    for sup_id, wards in fallback.items():
        sup = config.supervisor(sup_id)
        findings.append(
            Finding(
                "WARN",
                "Nhóm phường/xã",
                f"{len(wards)}/{total} chưa có nhóm, phản ánh chuyển về {sup.name if sup else sup_id}: {names(wards, show_all)}",
                REGISTER_TODO,
            )
        )
    for sup_id, wards in nowhere.items():
        sup = config.supervisor(sup_id)
        findings.append(
            Finding(
                "FAIL",
                "Nhóm phường/xã",
                f"{len(wards)}/{total} chưa có nhóm và đơn vị cấp trên ({sup.name if sup else sup_id}) cũng chưa có: "
                f"phản ánh sẽ nằm chờ, không ai nhận: {names(wards, show_all)}",
                REGISTER_TODO + " (trước hết cho đơn vị cấp trên)",
            )
        )
    if no_staff:
        findings.append(
            Finding(
                "WARN",
                "Cán bộ xử lý",
                f"{len(no_staff)} phường/xã có nhóm nhưng chưa khai báo cán bộ (mọi thành viên nhóm đều thao tác được): {names(no_staff, show_all)}",
                "ghi id Telegram của cán bộ vào wards[].staff_ids trong config.yaml",
            )
        )
    elif own:
        findings.append(Finding("OK", "Cán bộ xử lý", f"mọi phường/xã có nhóm đều đã khai báo cán bộ ({len(own)})"))
    return findings


def check_supervisors(config: Config, registered: dict[str, int], api: BotApi | None) -> list[Finding]:
    """Every supervisory unit that wards rely on has a group, and (online) the bot can reach it."""
    users = defaultdict(int)
    for ward in config.wards:
        users[ward.supervisor] += 1
    findings = []
    for sup in config.supervisors:
        key = f"supervisor:{sup.id}"
        chat = _group(config, key, registered)
        if not users[sup.id]:
            continue  # no ward depends on it
        if chat is None:
            findings.append(
                Finding(
                    "FAIL",
                    "Đơn vị cấp trên",
                    f"{sup.name} chưa có nhóm Telegram: phản ánh nhạy cảm và quá hạn của {users[sup.id]} phường/xã không có nơi nhận",
                    REGISTER_TODO.replace("MÃ_ĐƠN_VỊ", sup.id),
                )
            )
            continue
        if api is None:
            findings.append(Finding("OK", "Đơn vị cấp trên", f"{sup.name}: có nhóm {chat} (chưa kiểm tra với Telegram)"))
            continue
        try:
            info, error = api.call("getChat", chat_id=chat)
        except Offline:
            info, error = None, "mất kết nối"
        if error is not None:
            findings.append(
                Finding(
                    "FAIL",
                    "Đơn vị cấp trên",
                    f"{sup.name}: không gửi được tới nhóm {chat} ({error})",
                    "thêm trợ lý vào lại nhóm, hoặc đăng ký nhóm mới: " + REGISTER_TODO.replace("MÃ_ĐƠN_VỊ", sup.id),
                )
            )
        else:
            title = (info or {}).get("title") or chat
            findings.append(Finding("OK", "Đơn vị cấp trên", f"{sup.name}: nhóm «{title}» liên lạc được"))
    return findings


# -- database and backups -------------------------------------------------------------------------


def read_database(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Schema version, registered groups and stuck outbox rows, read without writing anything."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return None, str(exc)
    try:
        version = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
        groups: dict[str, int] = {}
        if version:
            groups = dict(conn.execute("SELECT route, chat_id FROM groups").fetchall())
        pending = conn.execute("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL").fetchone() if version else (0, None)
        return {"version": version, "groups": groups, "pending": pending[0], "oldest_pending": pending[1]}, None
    except sqlite3.Error as exc:
        return None, str(exc)
    finally:
        conn.close()


def _writable_dir(path: Path) -> Path:
    """The nearest existing folder at or above `path` (where the database would be created)."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_database(config_path: Path, config: Config, now: dt.datetime) -> tuple[dict[str, int], list[Finding]]:
    """Database writable (by this user), migrations current, outbox moving; returns registered groups."""
    path = resolve(config_path, config.database)
    folder = _writable_dir(path.parent)
    findings: list[Finding] = []
    if os.geteuid() == 0 and path.exists() and path.stat().st_uid != 0:
        findings.append(
            Finding(
                "WARN",
                "Cơ sở dữ liệu",
                "doctor đang chạy bằng root nên quyền ghi luôn có; dịch vụ chạy bằng người dùng khác",
                "chạy doctor bằng người dùng của dịch vụ: sudo -u motcua …",
            )
        )
    if not path.exists():
        if os.access(folder, os.W_OK):
            findings.append(Finding("WARN", "Cơ sở dữ liệu", f"chưa có {path}: sẽ được tạo khi trợ lý chạy lần đầu"))
        else:
            findings.append(Finding("FAIL", "Cơ sở dữ liệu", f"không tạo được {path}: không có quyền ghi {folder}", f"chown cho người dùng của dịch vụ: {folder}"))
        return {}, findings
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        # SQLite's WAL needs to create files beside the database too.
        findings.append(
            Finding("FAIL", "Cơ sở dữ liệu", f"không có quyền ghi {path} hoặc thư mục chứa nó", f"chown -R NGƯỜI_DÙNG_DỊCH_VỤ {path.parent}; chmod 700 {path.parent}")
        )
    state, error = read_database(path)
    if state is None:
        findings.append(Finding("FAIL", "Cơ sở dữ liệu", f"không đọc được {path} ({error})", "kiểm tra tệp; khôi phục từ bản sao lưu nếu tệp hỏng"))
        return {}, findings
    free = shutil.disk_usage(path.parent).free
    latest = len(MIGRATIONS)
    if state["version"] > latest:
        findings.append(
            Finding("FAIL", "Cơ sở dữ liệu", f"phiên bản {state['version']} mới hơn mã nguồn (biết tới {latest})", "cập nhật mã nguồn lên bản đã dùng với cơ sở dữ liệu này")
        )
    elif state["version"] < latest:
        findings.append(
            Finding("WARN", "Cơ sở dữ liệu", f"phiên bản {state['version']}/{latest}: sẽ tự nâng cấp khi trợ lý khởi động", "sao lưu trước khi khởi động lại với bản mới")
        )
    elif not any(f.level == "FAIL" for f in findings):
        findings.append(Finding("OK", "Cơ sở dữ liệu", f"{path}: ghi được, phiên bản {latest} (mới nhất), còn trống {free // 2**20} MB"))
    if free < 200 * 2**20:
        findings.append(Finding("WARN", "Cơ sở dữ liệu", f"ổ đĩa chỉ còn {free // 2**20} MB", "giải phóng dung lượng"))
    if state["oldest_pending"]:
        age = now - parse_time(state["oldest_pending"])
        if age > OUTBOX_STUCK:
            findings.append(
                Finding(
                    "WARN",
                    "Hàng chờ gửi",
                    f"{state['pending']} tin chưa gửi được, cũ nhất {age_text(age)}",
                    "xem lỗi: trợ lý có trong nhóm không, nhóm đã đăng ký chưa (python -m bot groups list)",
                )
            )
    return state["groups"], findings


def check_backups(config_path: Path, config: Config, now: dt.datetime) -> list[Finding]:
    """Age of the newest file in the backup folder."""
    folder = resolve(config_path, config.backup.dir)
    files = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    if not files:
        return [Finding("WARN", "Sao lưu", f"chưa có bản sao lưu nào trong {folder}", "bật sao lưu hằng ngày (README, mục Vận hành → Sao lưu)")]
    newest = max(files, key=lambda p: p.stat().st_mtime)
    age = now - dt.datetime.fromtimestamp(newest.stat().st_mtime, dt.UTC)
    if age > BACKUP_MAX_AGE:
        return [Finding("WARN", "Sao lưu", f"bản mới nhất {newest.name} đã cũ {age_text(age)}", "kiểm tra lịch sao lưu hằng ngày (systemctl list-timers)")]
    return [Finding("OK", "Sao lưu", f"bản mới nhất {newest.name}, {age_text(age)} trước; {len(files)} bản trong {folder}")]


# -- time -----------------------------------------------------------------------------------------


def check_time(config: Config, now: dt.datetime, server_time: dt.datetime | None) -> list[Finding]:
    """The deployment's time zone exists here, and the clock agrees with Telegram's."""
    try:
        zone = ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [Finding("FAIL", "Múi giờ", f"không có múi giờ {config.timezone!r} trên máy này", "sửa timezone trong config.yaml (Asia/Ho_Chi_Minh) hoặc apt-get install tzdata")]
    local = now.astimezone(zone)
    findings = [Finding("OK", "Múi giờ", f"{config.timezone}: bây giờ là {local:%H:%M %d/%m/%Y} (UTC{local:%z})")]
    if server_time is None:
        findings.append(Finding("WARN", "Đồng hồ", "chưa so được với giờ của Telegram (không kết nối)", "bật đồng bộ giờ: timedatectl set-ntp true"))
        return findings
    skew = now - server_time
    if abs(skew) > CLOCK_WARN:
        findings.append(
            Finding("WARN", "Đồng hồ", f"lệch {int(skew.total_seconds())} giây so với Telegram: thời hạn xử lý sẽ tính sai", "bật đồng bộ giờ: timedatectl set-ntp true")
        )
    else:
        findings.append(Finding("OK", "Đồng hồ", f"khớp giờ Telegram (lệch {abs(int(skew.total_seconds()))} giây)"))
    return findings


# -- webhook --------------------------------------------------------------------------------------


def check_webhook(config: Config, secret: str | None, api: BotApi | None) -> list[Finding]:
    """In webhook mode: a public HTTPS URL on a port Telegram delivers to, and a valid secret token."""
    settings = config.telegram
    if settings.mode != "webhook":
        return [Finding("OK", "Chế độ", "long polling (không cần địa chỉ công khai)")]
    findings = []
    url = httpx.URL(settings.webhook_url or "")
    port = url.port or (443 if url.scheme == "https" else 80)
    if url.scheme != "https" or port not in WEBHOOK_PORTS:
        findings.append(
            Finding(
                "FAIL",
                "Webhook",
                f"{settings.webhook_url}: Telegram chỉ gửi tới https trên cổng 443, 80, 88 hoặc 8443",
                "đặt telegram.webhook_url là địa chỉ https công khai của reverse proxy",
            )
        )
    else:
        findings.append(Finding("OK", "Webhook", f"{settings.webhook_url} → lắng nghe {settings.webhook_listen}:{settings.webhook_port}"))
    if not secret:
        findings.append(Finding("FAIL", "Webhook", "thiếu TELEGRAM_WEBHOOK_SECRET: trợ lý không khởi động", "thêm vào tệp môi trường: TELEGRAM_WEBHOOK_SECRET=$(openssl rand -hex 32)"))
    elif not SECRET_SHAPE.match(secret):
        findings.append(Finding("FAIL", "Webhook", "TELEGRAM_WEBHOOK_SECRET chỉ được gồm A-Z, a-z, 0-9, _ và -, tối đa 256 ký tự", "tạo lại: openssl rand -hex 32"))
    elif len(secret) < 16:
        findings.append(Finding("WARN", "Webhook", "TELEGRAM_WEBHOOK_SECRET quá ngắn (dưới 16 ký tự)", "tạo lại: openssl rand -hex 32"))
    else:
        findings.append(Finding("OK", "Webhook", "có TELEGRAM_WEBHOOK_SECRET"))
    if api is not None:
        try:
            info, error = api.call("getWebhookInfo")
        except Offline:
            info, error = None, "mất kết nối"
        if error is None and info:
            if info.get("last_error_message"):
                findings.append(
                    Finding("WARN", "Webhook", f"Telegram báo lỗi gần nhất: {info['last_error_message']}", "kiểm tra reverse proxy, chứng chỉ và cổng lắng nghe")
                )
            elif info.get("url") and info["url"] != settings.webhook_url:
                findings.append(Finding("WARN", "Webhook", f"Telegram đang gửi tới {info['url']}", "khởi động lại trợ lý để đăng ký địa chỉ mới"))
    return findings


# -- the whole report -----------------------------------------------------------------------------


def diagnose(
    config_path: Path,
    *,
    offline: bool = False,
    show_all: bool = False,
    env: dict[str, str] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    http: httpx.Client | None = None,
) -> list[Finding]:
    """Run every check; findings in report order."""
    env = dict(os.environ) if env is None else env
    loaded, findings = check_loaded(config_path)
    if loaded is None:
        return findings
    config = loaded.config
    token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None
    base = env.get("TELEGRAM_BASE_URL") or config.telegram.base_url or TELEGRAM_API
    api = (BotApi(base, token, http) if http else BotApi(base, token)) if token else None
    if offline:
        findings += check_offline_note() if token else check_token(None)[1]
        online = False
    else:
        online, token_findings = check_token(api)
        findings += token_findings
    live = api if online else None
    registered, db_findings = check_database(config_path, config, clock())
    findings += check_wards(config, registered, show_all)
    findings += check_supervisors(config, registered, live)
    findings += db_findings
    findings += check_backups(config_path, config, clock())
    findings += check_time(config, clock(), api.server_time if live else None)
    findings += check_webhook(config, env.get("TELEGRAM_WEBHOOK_SECRET"), live)
    return findings


def doctor_command(config_path: Path, offline: bool = False, show_all: bool = False) -> int:
    """`python -m bot doctor`: print the report; exit 1 on any FAIL."""
    findings = diagnose(config_path, offline=offline, show_all=show_all)
    for finding in findings:
        print(finding.render())
    counts = {level: sum(f.level == level for f in findings) for level in ("OK", "WARN", "FAIL")}
    verdict = "CHƯA SẴN SÀNG" if counts["FAIL"] else "sẵn sàng"
    print(f"\n{counts['OK']} OK, {counts['WARN']} WARN, {counts['FAIL']} FAIL: {verdict}.")
    return 1 if counts["FAIL"] else 0

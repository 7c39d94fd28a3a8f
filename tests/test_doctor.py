"""`python -m bot doctor` on temporary deployments, with Telegram replaced by an httpx mock.

The same report against the Bot API emulator is in tests/e2e/test_doctor_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.adminunits import province_wards
from bot.cli import main
from bot.complaints.store import MIGRATIONS, Store
from bot.config import load_config
from bot.doctor import Finding, check_wards, diagnose

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
TOKEN = "123456:TEST"


def write_deployment(folder: Path, **telegram: Any) -> Path:
    """The shipped config, its data in `folder`, every ward and supervisor with a group and staff."""
    folder.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["knowledge_dir"] = str(ROOT / "knowledge")
    config["database"] = str(folder / "data" / "motcua.sqlite3")
    config["backup"] = {"dir": str(folder / "backups")}
    # Every ward of the province is served; `wards:` overrides give each its own group and staff.
    official = province_wards(config["city_code"])
    config["wards"] = [{"code": w.code, "chat_id": -1000 - n, "staff_ids": [500 + n]} for n, w in enumerate(official)]
    for n, supervisor in enumerate(config["supervisors"]):
        supervisor["chat_id"] = -9000 - n
    config["telegram"] = {**config.get("telegram", {}), **telegram}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def ready(folder: Path, **telegram: Any) -> Path:
    """A deployment that has run: database migrated, a fresh backup."""
    path = write_deployment(folder, **telegram)
    Store(folder / "data" / "motcua.sqlite3").close()
    (folder / "backups").mkdir()
    (folder / "backups" / "motcua-20261202.sqlite3").write_bytes(b"backup")
    return path


def telegram(skew: dt.timedelta = dt.timedelta(0), token_ok: bool = True, webhook: dict | None = None) -> httpx.Client:
    """A fake Bot API: getMe, getChat for any group, getWebhookInfo; its clock `skew` off ours."""

    def answer(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        date = email.utils.format_datetime(dt.datetime.now(dt.UTC) + skew, usegmt=True)
        if not token_ok:
            return httpx.Response(401, json={"ok": False, "error_code": 401, "description": "Unauthorized"}, headers={"date": date})
        result: Any = {
            "getMe": {"id": 123456, "is_bot": True, "first_name": "Trợ lý", "username": "MotCuaBot"},
            "getChat": {"id": json.loads(request.content or b"{}").get("chat_id"), "type": "supergroup", "title": "Nhóm"},
            "getWebhookInfo": webhook or {"url": "", "pending_update_count": 0},
        }[method]
        return httpx.Response(200, json={"ok": True, "result": result}, headers={"date": date})

    return httpx.Client(transport=httpx.MockTransport(answer))


def levels(findings: list[Finding], topic: str) -> list[str]:
    return [f.level for f in findings if f.topic == topic]


def by_topic(findings: list[Finding], topic: str) -> str:
    return "\n".join(f.render() for f in findings if f.topic == topic)


def test_ready_deployment_has_no_fail(tmp_path: Path) -> None:
    findings = diagnose(ready(tmp_path), env={"TELEGRAM_BOT_TOKEN": TOKEN}, http=telegram())
    assert [f for f in findings if f.level != "OK"] == [], "\n".join(f.render() for f in findings)
    assert "@MotCuaBot" in by_topic(findings, "Token Telegram")
    assert "168/168 có nhóm Telegram riêng" in by_topic(findings, "Nhóm phường/xã")
    assert "phiên bản" in by_topic(findings, "Cơ sở dữ liệu")
    assert "khớp giờ Telegram" in by_topic(findings, "Đồng hồ")


def test_fresh_deployment_explains_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["knowledge_dir"] = str(ROOT / "knowledge")
    config["database"] = str(tmp_path / "data" / "motcua.sqlite3")
    config["backup"] = {"dir": str(tmp_path / "backups")}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    os.environ.pop("TELEGRAM_BOT_TOKEN", None)
    try:
        code = main(["--config", str(path), "doctor", "--offline"])
    finally:
        os.environ.clear()
        os.environ.update(env)
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  Token Telegram: chưa có TELEGRAM_BOT_TOKEN" in out
    assert "@BotFather" in out
    # No group anywhere: the cases would wait with nobody to receive them.
    assert "FAIL  Nhóm phường/xã: 168/168 chưa có nhóm" in out
    assert "/dangky" in out
    assert "FAIL  Đơn vị cấp trên: Sở Nội vụ" in out
    assert "WARN  Cơ sở dữ liệu: chưa có" in out
    assert "WARN  Sao lưu: chưa có bản sao lưu" in out
    assert out.rstrip().endswith("CHƯA SẴN SÀNG.")
    assert not (tmp_path / "data").exists(), "the doctor must not create the database"


def test_invalid_config_is_one_fail_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_deployment(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("supervisor: so-noi-vu", "supervisor: khong-co", 1), encoding="utf-8")
    assert main(["--config", str(path), "doctor", "--offline"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  Cấu hình và dữ liệu: 1 lỗi" in out
    assert "khong-co" in out and "python -m bot check" in out


def test_refused_token_and_skewed_clock(tmp_path: Path) -> None:
    path = ready(tmp_path)
    refused = diagnose(path, env={"TELEGRAM_BOT_TOKEN": TOKEN}, http=telegram(token_ok=False))
    assert levels(refused, "Token Telegram") == ["FAIL"]
    assert "Unauthorized" in by_topic(refused, "Token Telegram")
    skewed = diagnose(path, env={"TELEGRAM_BOT_TOKEN": TOKEN}, http=telegram(skew=dt.timedelta(minutes=5)))
    assert levels(skewed, "Đồng hồ") == ["WARN"]
    assert "timedatectl set-ntp true" in by_topic(skewed, "Đồng hồ")


def test_offline_is_a_clear_note_not_a_failure(tmp_path: Path) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    findings = diagnose(
        ready(tmp_path), env={"TELEGRAM_BOT_TOKEN": TOKEN}, http=httpx.Client(transport=httpx.MockTransport(unreachable))
    )
    assert levels(findings, "Token Telegram") == ["WARN"]
    assert "chưa kiểm tra token" in by_topic(findings, "Token Telegram")
    assert not [f for f in findings if f.level == "FAIL"]


def test_database_migrations_and_backup_age(tmp_path: Path) -> None:
    path = ready(tmp_path)
    db = tmp_path / "data" / "motcua.sqlite3"
    old = (NOW - dt.timedelta(days=3)).timestamp()
    os.utime(tmp_path / "backups" / "motcua-20261202.sqlite3", (old, old))
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", [len(MIGRATIONS)])
    findings = diagnose(path, offline=True, env={"TELEGRAM_BOT_TOKEN": TOKEN}, clock=lambda: NOW)
    assert levels(findings, "Sao lưu") == ["WARN"] and "3 ngày" in by_topic(findings, "Sao lưu")
    assert levels(findings, "Cơ sở dữ liệu") == ["WARN"] and "tự nâng cấp" in by_topic(findings, "Cơ sở dữ liệu")
    assert levels(findings, "Hàng chờ gửi") == []
    with sqlite3.connect(db) as conn:
        stuck = (NOW - dt.timedelta(hours=2)).isoformat()
        conn.execute(
            "INSERT INTO outbox (created_at, target, purpose, payload, next_attempt_at) VALUES (?, 'ward:26743', 'forward', '{}', ?)",
            [stuck, stuck],
        )
    findings = diagnose(path, offline=True, env={"TELEGRAM_BOT_TOKEN": TOKEN}, clock=lambda: NOW)
    assert levels(findings, "Hàng chờ gửi") == ["WARN"] and "1 tin chưa gửi được, cũ nhất 2 giờ" in by_topic(findings, "Hàng chờ gửi")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'x'), (999, 'x')", [len(MIGRATIONS)])
    findings = diagnose(path, offline=True, env={"TELEGRAM_BOT_TOKEN": TOKEN}, clock=lambda: NOW)
    assert levels(findings, "Cơ sở dữ liệu") == ["FAIL"] and "mới hơn mã nguồn" in by_topic(findings, "Cơ sở dữ liệu")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_database_fails(tmp_path: Path) -> None:
    path = ready(tmp_path)
    (tmp_path / "data").chmod(0o500)
    try:
        findings = diagnose(path, offline=True, env={"TELEGRAM_BOT_TOKEN": TOKEN})
    finally:
        (tmp_path / "data").chmod(0o700)
    assert "FAIL" in levels(findings, "Cơ sở dữ liệu")


def test_webhook_needs_https_and_a_secret(tmp_path: Path) -> None:
    path = ready(tmp_path, mode="webhook", webhook_url="http://bot.phuong.example/tg")
    findings = diagnose(path, offline=True, env={"TELEGRAM_BOT_TOKEN": TOKEN})
    assert levels(findings, "Webhook") == ["FAIL", "FAIL"]
    assert "https" in by_topic(findings, "Webhook") and "TELEGRAM_WEBHOOK_SECRET" in by_topic(findings, "Webhook")
    path = ready(tmp_path / "b", mode="webhook", webhook_url="https://bot.phuong.example/tg")
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "a" * 32}
    hook = {"url": "https://bot.phuong.example/tg", "last_error_message": "Connection timed out"}
    findings = diagnose(path, env=env, http=telegram(webhook=hook))
    assert levels(findings, "Webhook") == ["OK", "OK", "WARN"]
    assert "Connection timed out" in by_topic(findings, "Webhook")


def test_a_province_is_summarised_not_listed(tmp_path: Path) -> None:
    config, _ = load_config(write_deployment(tmp_path))
    assert config is not None
    template = config.wards[0]
    wards = [
        template.model_copy(
            update={"code": f"{27000 + n}", "name": f"Phường Số {n}", "chat_id": -n if n < 10 else None, "staff_ids": []}
        )
        for n in range(1, 169)
    ]
    province = config.model_copy(update={"wards": wards})
    findings = check_wards(province, registered={"ward:27100": -555})
    report = "\n".join(f.render() for f in findings)
    assert len(report.splitlines()) <= 8, report
    assert "10/168 có nhóm Telegram riêng" in report
    assert "158/168 chưa có nhóm, phản ánh chuyển về Sở Nội vụ" in report
    assert "… và 153 phường/xã khác" in report
    assert "10 phường/xã có nhóm nhưng chưa khai báo cán bộ" in report
    every = "\n".join(f.render() for f in check_wards(province, registered={"ward:27100": -555}, show_all=True))
    assert all(f"Phường Số {n}," in every or f"Phường Số {n}\n" in every or every.endswith(f"Phường Số {n}") for n in range(1, 169))

"""`python -m bot doctor` as an operator runs it, against the Bot API emulator and a temporary deployment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from harness import Emulator

from bot.complaints.store import Store

ROOT = Path(__file__).resolve().parents[2]
STAFF = 501


def deployment(folder: Path, groups: dict[str, int]) -> Path:
    """The shipped config with its data in `folder`; `groups` maps supervisor ids to chat ids."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["knowledge_dir"] = str(ROOT / "knowledge")
    config["database"] = str(folder / "motcua.sqlite3")
    config["backup"] = {"dir": str(folder / "backups")}
    for supervisor in config["supervisors"]:
        supervisor["chat_id"] = groups.get(supervisor["id"])
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def doctor(emulator: Emulator, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "TELEGRAM_BASE_URL": emulator.base_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "doctor"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip


async def test_doctor_against_the_emulator(emulator: Emulator, tmp_path: Path) -> None:
    supervisor_group, ward_group = -1009009009, -1001001001
    config = deployment(tmp_path, {"so-noi-vu": supervisor_group, "thanh-tra": -1008008008})
    # One ward registered its group the way operators do; the supervisor's group has the bot in it.
    store = Store(tmp_path / "motcua.sqlite3")
    store.use_registration_code(store.new_registration_code("ward:26743"), ward_group, "tg:501")
    store.close()
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "motcua-1.sqlite3").write_bytes(b"x")
    await emulator.send_message(supervisor_group, STAFF, "Chào trợ lý")

    result = doctor(emulator, config)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "OK    Token Telegram: được chấp nhận: @MotCuaTestBot" in out
    assert "1/168 có nhóm Telegram riêng: Phường Bến Thành" in out
    assert "WARN  Nhóm phường/xã: 167/168 chưa có nhóm, phản ánh chuyển về Sở Nội vụ" in out
    assert "OK    Đơn vị cấp trên: Sở Nội vụ Thành phố Hồ Chí Minh: nhóm «Group -1009009009» liên lạc được" in out
    assert "OK    Đồng hồ: khớp giờ Telegram" in out
    assert "0 FAIL: sẵn sàng." in out

    # The bot is not in the group configured for the supervisor: Telegram says "chat not found".
    other = deployment(tmp_path, {"so-noi-vu": -1007007007})
    result = doctor(emulator, other)
    assert result.returncode == 1
    assert "FAIL  Đơn vị cấp trên: Sở Nội vụ Thành phố Hồ Chí Minh: không gửi được tới nhóm -1007007007" in result.stdout
    assert "chat not found" in result.stdout

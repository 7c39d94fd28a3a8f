"""deploy/: the systemd unit is valid (systemd-analyze verify where available) and keeps its promises."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNIT = DEPLOY / "motcua.service"
VENV_PYTHON = "/opt/motcua/.venv/bin/python"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(UNIT, encoding="utf-8")
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart exists; point it at this interpreter instead of the server's venv.
    rendered = tmp_path / "motcua.service"
    rendered.write_text(UNIT.read_text(encoding="utf-8").replace(VENV_PYTHON, sys.executable), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(rendered)], capture_output=True, text=True, timeout=60)
    # Unknown keys and bad values are only warnings (exit 0): any line about our unit is a failure.
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "motcua" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


def test_unit_runs_unprivileged_restarts_and_reads_the_token_from_a_file() -> None:
    service = unit()["Service"]
    assert service["User"] == "motcua" and service["User"] != "root"
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/motcua/motcua.env"
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if line.startswith("Environment=") and "TELEGRAM" in line]
    assert service["ExecStart"] == f"{VENV_PYTHON} -m bot run"
    assert service["StateDirectoryMode"] == "0700" and service["UMask"] == "0077"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"


def test_env_example_has_no_secret_filled_in() -> None:
    values = dict(
        line.split("=", 1) for line in (DEPLOY / "motcua.env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )  # fmt: skip
    assert values == {"TELEGRAM_BOT_TOKEN": "", "TELEGRAM_WEBHOOK_SECRET": "", "MOTCUA_DATA_KEY": ""}


def test_operator_wrapper_is_valid_shell() -> None:
    assert subprocess.run(["sh", "-n", str(DEPLOY / "motcua")], capture_output=True).returncode == 0

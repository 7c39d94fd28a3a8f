"""README commands 1 and 2 install into a project-local venv, even where the system Python refuses
global installs (PEP 668), and leave that system Python untouched.

This runs the real install (`scripts/install`, shared by `scripts/start` and `scripts/test`) with
Debian's /usr/bin/python3 into a temporary venv, so it takes as long as a pip install from the
machine's package cache (about 40 s here); it is skipped where there is no externally managed
system Python to prove it against.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")

_MARKER = "import os, sysconfig; print(os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"


def _externally_managed(python: Path) -> bool:
    if not python.is_file():
        return False
    result = subprocess.run([str(python), "-c", _MARKER], capture_output=True, text=True, timeout=30)
    return result.stdout.strip() == "True"


def _imports_telegram(python: Path) -> bool:
    return subprocess.run([str(python), "-c", "import telegram"], capture_output=True, timeout=30).returncode == 0


pytestmark = pytest.mark.skipif(
    not _externally_managed(SYSTEM_PYTHON), reason="no externally managed (PEP 668) /usr/bin/python3 on this machine"
)


def _run(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_both_commands_install_into_a_venv_with_the_system_python(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "MOTCUA_CONFIG"}},
        "PYTHON": str(SYSTEM_PYTHON),
        "MOTCUA_VENV": str(venv),
        "TELEGRAM_BOT_TOKEN": "",
    }
    telegram_before = _imports_telegram(SYSTEM_PYTHON)

    # The old command 1 is what PEP 668 refuses; the new one must not depend on it.
    refused = _run([str(SYSTEM_PYTHON), "-m", "pip", "install", "--dry-run", "-e", "."], env)
    if "No module named pip" not in refused.stderr:
        assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr

    # Command 1: install, then the assistant runs (here one question, so it ends by itself).
    started = _run(["bash", "scripts/start", "ask", "làm căn cước ở đâu"], env)
    assert started.returncode == 0, started.stderr
    assert "căn cước" in started.stdout.lower()
    base = subprocess.run(
        [str(venv / "bin/python"), "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True
    )
    assert base.stdout.strip() == "/usr", "the venv must be built on the system Python"

    # Command 2's install part: the test tools land in the same venv.
    tested = _run(["bash", "scripts/install", "--test"], env)
    assert tested.returncode == 0, tested.stderr
    for tool in (["pytest", "--version"], ["ruff", "--version"]):
        assert subprocess.run([str(venv / "bin/python"), "-m", *tool], capture_output=True).returncode == 0

    # Re-running either is safe and, with nothing changed, does no install work at all.
    began = time.monotonic()
    again = _run(["bash", "scripts/install", "--test"], env)
    assert again.returncode == 0 and again.stdout == ""
    assert _run(["bash", "scripts/install"], env).stdout == ""
    assert time.monotonic() - began < 10

    # The system Python is as it was.
    assert _imports_telegram(SYSTEM_PYTHON) == telegram_before


def test_missing_python_is_explained(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": str(tmp_path / "no-such-python"), "MOTCUA_VENV": str(tmp_path / "venv")}
    result = _run(["bash", "scripts/install"], env, timeout=30)
    assert result.returncode == 1
    assert "Python 3.11" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_missing_venv_module_says_which_package_to_install(tmp_path: Path) -> None:
    # Debian's python3 without python3-venv: `import ensurepip` fails. Simulated by a wrapper.
    fake = tmp_path / "python3"
    fake.write_text(
        '#!/bin/sh\ncase "$*" in *ensurepip*) echo "No module named ensurepip" >&2; exit 1;; esac\n'
        f'exec {SYSTEM_PYTHON} "$@"\n'
    )
    fake.chmod(0o755)
    env = {**os.environ, "PYTHON": str(fake), "MOTCUA_VENV": str(tmp_path / "venv")}
    result = _run(["bash", "scripts/install"], env, timeout=30)
    assert result.returncode == 1
    assert "apt-get install python3-venv" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_a_folder_that_is_not_a_venv_is_never_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "keep.txt").write_text("important")
    result = _run(["bash", "scripts/install"], {**os.environ, "MOTCUA_VENV": str(folder)}, timeout=30)
    assert result.returncode == 1
    assert "không phải môi trường ảo" in result.stderr
    assert (folder / "keep.txt").read_text() == "important"

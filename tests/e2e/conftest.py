"""Fixtures for the end-to-end tests: a Telegram Bot API emulator per test.

A machine without Node.js cannot run these tests at all, so they are skipped there; a machine with
Node.js but without the emulator's npm packages is a broken setup, so that fails loudly instead of
silently skipping the whole end-to-end suite.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # so tests import `harness` and `echo_bot`

from harness import EMULATOR_DIR, Emulator, node_executable, npm_deps_installed


def _require_emulator() -> None:
    if node_executable() is None:
        pytest.skip("end-to-end tests need Node.js (`node` not found on PATH) to run the Telegram emulator")
    if not npm_deps_installed():
        pytest.fail(
            f"the Telegram emulator's npm packages are not installed in {EMULATOR_DIR}: run `bash scripts/test` "
            "(it runs `npm ci` there)",
            pytrace=False,
        )


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A fresh emulator on a free port with its own bot token; stopped (and its HTTP client closed) afterwards."""
    _require_emulator()
    emu = Emulator()
    emu.start()
    try:
        yield emu
    finally:
        await emu.aclose()
        emu.stop()

"""Shared fixtures: the shipped knowledge loaded once, and throw-away copies of it to break."""

from __future__ import annotations

import inspect
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from complaint_helpers import Clock

from bot.app import Loaded, load, make_assistant
from bot.conversation import Assistant
from bot.knowledge import Knowledge

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yaml"


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    """The shipped config and knowledge, loaded (and validated) once per test session."""
    return load(CONFIG)


@pytest.fixture(scope="session")
def knowledge(loaded: Loaded) -> Knowledge:
    return loaded.knowledge


@pytest.fixture
def clock() -> Clock:
    """A fixed, steppable clock for the complaint tests (deadlines, retention, reminders)."""
    return Clock()


@pytest.fixture
def assistant(loaded: Loaded) -> Assistant:
    """The conversation core on the shipped knowledge, with an in-memory database if it needs one."""
    if "store" in inspect.signature(make_assistant).parameters:
        from bot.complaints.store import Store

        return make_assistant(loaded, Store(":memory:"))
    return make_assistant(loaded)


@dataclass
class Deployment:
    """A copy of config.yaml and knowledge/ in a temporary folder, free to be broken."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def procedures(self) -> Path:
        return self.root / "knowledge" / "procedures"

    def lines(self, path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").split("\n")

    def write_lines(self, path: Path, lines: list[str]) -> None:
        path.write_text("\n".join(lines), encoding="utf-8")

    @staticmethod
    def line_of(lines: list[str], prefix: str, start: int = 0) -> int:
        """1-based number of the first line at or after `start` (0-based) beginning with `prefix`."""
        return next(n for n in range(start, len(lines)) if lines[n].startswith(prefix)) + 1


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    """The shipped knowledge and config copied under `tmp_path` (the config names knowledge/ relatively)."""
    root = tmp_path / "deploy"
    root.mkdir()
    shutil.copy(CONFIG, root / "config.yaml")
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    return Deployment(root)

"""Start-up: read the config, load and check the knowledge, wire the core together.

Both adapters (Telegram and terminal) and the CLI start here, so every entry point refuses
invalid knowledge with the same message.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from bot.complaints.storage.health import RESTORE_HINT
from bot.complaints.store import Store, StoreUnavailable
from bot.config import Config, load_config, resolve
from bot.conversation import Assistant, KnowledgeHolder
from bot.gaps import GapLog, gap_log_beside
from bot.knowledge import Knowledge, check_knowledge
from bot.privacy.cipher import FieldCipher
from bot.privacy.keys import DataKeyError, finish_rotation, load_key, pending_key
from bot.yamlsource import InvalidKnowledge, Problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_config_path() -> Path:
    """`$MOTCUA_CONFIG`, else `./config.yaml`, else the config shipped beside the package."""
    env = os.environ.get("MOTCUA_CONFIG")
    if env:
        return Path(env)
    local = Path("config.yaml")
    return local if local.exists() else PROJECT_ROOT / "config.yaml"


def cache_dir(config_path: Path, config: Config) -> Path:
    """Where the built knowledge is cached: `$MOTCUA_CACHE_DIR`, systemd's `$CACHE_DIRECTORY`, else
    `$XDG_CACHE_HOME/motcua` (`~/.cache/motcua`). Never inside the deployment: loading (or `check`,
    `doctor`) must not create folders there. Entries are keyed by content, so deployments can share it.
    """
    for name in ("MOTCUA_CACHE_DIR", "CACHE_DIRECTORY"):
        if os.environ.get(name):
            return Path(os.environ[name].split(":")[0])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "motcua"


@dataclass(frozen=True)
class Loaded:
    """Everything start-up produced."""

    config_path: Path
    config: Config
    knowledge: Knowledge


def check(config_path: Path) -> tuple[Loaded | None, list[Problem]]:
    """Validate config and knowledge; return what loaded and every problem found."""
    config, problems = load_config(config_path)
    if config is None:
        return None, problems
    knowledge, problems = check_knowledge(resolve(config_path, config.knowledge_dir), cache_dir(config_path, config))
    if knowledge is None:
        return None, problems
    return Loaded(config_path, config, knowledge), []


def load(config_path: Path) -> Loaded:
    """Like `check`, but raise `InvalidKnowledge` on any problem."""
    loaded, problems = check(config_path)
    if loaded is None:
        raise InvalidKnowledge(problems)
    return loaded


def reload_knowledge(loaded: Loaded, holder: KnowledgeHolder) -> list[Problem]:
    """Re-read the knowledge from disk; swap it in only if valid, else keep the old one in service."""
    knowledge, problems = check_knowledge(
        resolve(loaded.config_path, loaded.config.knowledge_dir), cache_dir(loaded.config_path, loaded.config)
    )
    if knowledge is not None:
        holder.swap(knowledge)
    return problems


def open_store(loaded: Loaded) -> Store:
    """The deployment's database (created and migrated on first use), sealed with its data key and
    checked with `PRAGMA quick_check`.

    The key comes from MOTCUA_DATA_KEY or the key file beside the config (bot.privacy.keys); a
    rotation interrupted after the database was re-encrypted is finished here. Raises
    `StoreUnavailable` with a message for the operator when the database is locked, read-only,
    corrupt or its folder cannot be created, and `DataKeyError` when the key is not the database's.
    """
    path = resolve(loaded.config_path, loaded.config.database)
    key = load_key(loaded.config_path, path.parent, backup_dir=resolve(loaded.config_path, loaded.config.backup.dir))
    try:
        store = Store(path, cipher=FieldCipher(key))
    except DataKeyError:
        pending = pending_key(loaded.config_path)
        if pending is None or key.source == "env":
            raise
        store = Store(path, cipher=FieldCipher(pending))
        finish_rotation(loaded.config_path)
    problems = store.integrity_problems()
    if problems:
        store.close()
        raise StoreUnavailable(f"Cơ sở dữ liệu {path} bị hỏng ({'; '.join(problems)}). {RESTORE_HINT}")
    return store


def make_assistant(loaded: Loaded, store: Store, demo_staff: frozenset[str] = frozenset()) -> Assistant:
    """The conversation core over the loaded knowledge, able to reload it in place."""
    holder = KnowledgeHolder(loaded.knowledge)
    return Assistant(
        holder,
        loaded.config,
        store,
        reload=lambda: reload_knowledge(loaded, holder),
        demo_staff=demo_staff,
        gaps=open_gaps(loaded, store),
    )


def open_gaps(loaded: Loaded, store: Store) -> GapLog:
    """The log of unanswered questions, beside the store's database file (in memory when the store is)."""
    _, _, database = store.db.execute("PRAGMA database_list").fetchone()
    return gap_log_beside(database or ":memory:", dt.timedelta(days=loaded.config.gaps.retention_days))

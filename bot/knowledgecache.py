"""A disk cache of the built `Knowledge`, keyed by a hash of the knowledge files and the code.

Parsing, validating and indexing 5,000 procedures takes seconds; unpickling the result takes a
fraction of that. The key covers every file under the knowledge directory and the source of the
`bot` package, so an edited entry or a changed index format gives a new key and a rebuild. A missing,
stale, truncated or unreadable cache is ignored (the knowledge is built from the files as usual);
failing to write one is ignored too. Only valid knowledge is ever cached, so `check` still reports
every problem of an invalid catalogue.

The cache is a pickle: it must live in a directory only the deployment writes (beside its
database), never in a place other users can write to.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

KEEP = 4  # cached versions kept in the folder
FORMAT = 1  # bump when the cached value's layout changes in a way the source hash would not show
_PACKAGE = Path(__file__).resolve().parent


def knowledge_key(directory: Path) -> str:
    """A hex digest of every file under `directory` (paths and bytes) and of the `bot` package's code."""
    digest = hashlib.sha256(f"{FORMAT}:{sys.version_info[:2]}".encode())
    for root, label in ((directory, "k"), (_PACKAGE, "c")):
        pattern = "*.py" if label == "c" else "*"
        for path in sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{label}:{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # deleted meanwhile by another process sharing the folder
        return 0.0


def cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"knowledge-{key[:32]}.pickle"


def read_cached(cache_dir: Path, key: str) -> Any | None:
    """The value cached under `key`, or None when there is none or it cannot be read."""
    path = cache_path(cache_dir, key)
    # The collector would scan the growing heap again and again while a million objects are
    # unpickled; pausing it halves the load time of a large catalogue.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as fh:
            stored_key, value = pickle.load(fh)
    except Exception:  # a corrupt or foreign cache file only means "rebuild"
        return None
    finally:
        if was_enabled:
            gc.enable()
    return value if stored_key == key else None


def write_cached(cache_dir: Path, key: str, value: Any) -> bool:
    """Store `value` under `key` atomically and drop older entries; False when it could not be written."""
    path = cache_path(cache_dir, key)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".knowledge-", dir=cache_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        # Keep a few entries (other deployments or versions may share the folder), newest first.
        entries = sorted(cache_dir.glob("knowledge-*.pickle"), key=_mtime, reverse=True)
        for old in entries[KEEP:]:
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        return False
    return True

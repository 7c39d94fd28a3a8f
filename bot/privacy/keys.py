"""The data key: where it comes from, how it is created, and what is derived from it.

One 32-byte secret (urlsafe base64, the format of `Fernet.generate_key()`) protects the database.
Two independent sub-keys are derived from it with HKDF: one encrypts fields (Fernet: AES-128-CBC
with HMAC-SHA256, from the `cryptography` library), the other keys the hashes used to find a
citizen's rows without storing their Telegram id. The secret never lives in the database: it comes
from `MOTCUA_DATA_KEY` or from a key file next to the config (mode 0600), created on first run and
refused inside the data directory, so a copy of the data folder or of its backups reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

KEY_ENV = "MOTCUA_DATA_KEY"
KEY_FILE_NAME = "motcua-data.key"


class DataKeyError(Exception):
    """The data key is missing, malformed, misplaced or not the one the database was sealed with."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"motcua:" + purpose).derive(secret)


@dataclass(frozen=True)
class DataKey:
    """A data key and the sub-keys derived from it."""

    secret: bytes = field(repr=False)
    source: str = "memory"  # "env", a file path, or "memory" (an ephemeral key)

    @classmethod
    def parse(cls, text: str, source: str) -> DataKey:
        """A key written as urlsafe base64 of 32 bytes."""
        try:
            secret = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
            raise DataKeyError(f"the data key from {source} is not urlsafe base64") from exc
        if len(secret) != 32:
            raise DataKeyError(f"the data key from {source} must be 32 bytes, got {len(secret)}")
        return cls(secret, source)

    @classmethod
    def generate(cls, source: str = "memory") -> DataKey:
        return cls(base64.urlsafe_b64decode(Fernet.generate_key()), source)

    def text(self) -> str:
        """The key as it is written in a key file or in MOTCUA_DATA_KEY."""
        return base64.urlsafe_b64encode(self.secret).decode("ascii")

    def fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(_derive(self.secret, b"fields:v1")))

    def hash_key(self) -> bytes:
        return _derive(self.secret, b"lookup:v1")

    def key_id(self) -> str:
        """A public fingerprint of the key, stored in the database to detect a wrong key."""
        return hmac.new(_derive(self.secret, b"key-id:v1"), b"motcua", hashlib.sha256).hexdigest()[:16]


def key_file_path(config_path: Path) -> Path:
    """Where the key file lives: beside the config."""
    return config_path.resolve().parent / KEY_FILE_NAME


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def load_key(
    config_path: Path,
    data_dir: Path,
    env: dict[str, str] | None = None,
    *,
    create: bool = True,
    backup_dir: Path | None = None,
) -> DataKey:
    """`MOTCUA_DATA_KEY`, else the key file beside the config (created with mode 0600 if missing).

    Refuses a key file inside the data directory or the backup directory: a copy of either would
    carry the key together with the data it protects.
    """
    env = os.environ if env is None else env
    text = env.get(KEY_ENV, "").strip()
    if text:
        return DataKey.parse(text, "env")
    path = key_file_path(config_path)
    for folder in (data_dir, backup_dir):
        if folder is not None and _inside(path, folder):
            raise DataKeyError(
                f"the key file {path} would sit inside {folder}, with the data or its backups; "
                f"set {KEY_ENV} or keep the database and backups in folders of their own"
            )
    if not path.exists():
        if not create:
            raise DataKeyError(f"no data key: set {KEY_ENV} or provide {path}")
        key = DataKey.generate(str(path))
        try:
            write_key_file(path, key)
        except OSError as exc:
            raise DataKeyError(f"cannot create the key file {path} ({exc.strerror}); set {KEY_ENV} instead") from exc
        log.warning("created a new data key file %s (back it up apart from the data)", path)
        return key
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Readable by others: tighten rather than refuse, and say so.
        os.chmod(path, 0o600)
        log.warning("data key file %s had mode %o; set to 600", path, mode)
    return DataKey.parse(path.read_text(encoding="ascii"), str(path))


def write_key_file(path: Path, key: DataKey) -> None:
    """Write a key file atomically with mode 0600 (never readable by others, even briefly)."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.text() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def pending_key_path(config_path: Path) -> Path:
    """Where `rotate-key` writes the new key before the database is re-encrypted with it."""
    path = key_file_path(config_path)
    return path.with_name(path.name + ".new")


def pending_key(config_path: Path) -> DataKey | None:
    """The new key of a rotation that was interrupted before the key file was replaced."""
    path = pending_key_path(config_path)
    return DataKey.parse(path.read_text(encoding="ascii"), str(path)) if path.exists() else None


def finish_rotation(config_path: Path) -> None:
    """Make the pending key the key file (atomic rename)."""
    os.replace(pending_key_path(config_path), key_file_path(config_path))

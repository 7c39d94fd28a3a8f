"""`python -m bot rotate-key`: re-encrypt the database under a new data key.

Stop the bot first (a running bot would keep writing with the old key). With a key file, the new
key is written beside it as `motcua-data.key.new` (mode 0600), the database is re-encrypted in one
transaction, then the new file replaces the old one; if the process dies in between, the next start
finds the pending key matches the database and finishes the rename. With MOTCUA_DATA_KEY, the new
key is written to the file given with `--out` and the operator puts it in the environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.app import Loaded
from bot.complaints.store import Store
from bot.config import resolve
from bot.privacy import codec
from bot.privacy.cipher import FieldCipher
from bot.privacy.keys import (
    KEY_ENV,
    DataKey,
    DataKeyError,
    finish_rotation,
    key_file_path,
    load_key,
    pending_key_path,
    write_key_file,
)


def rotate_key(loaded: Loaded, out: Path | None, env: dict[str, str] | None = None) -> int:
    """Re-encrypt every sealed value and re-hash every lookup key with a fresh key; exit code."""
    env = os.environ if env is None else env
    path = resolve(loaded.config_path, loaded.config.database)
    from_env = bool(env.get(KEY_ENV, "").strip())
    if from_env and out is None:
        print(f"{KEY_ENV} is set: give --out FILE for the new key, then put it in {KEY_ENV}.", file=sys.stderr)
        return 2
    try:
        backups = resolve(loaded.config_path, loaded.config.backup.dir)
        old = load_key(loaded.config_path, path.parent, env, create=False, backup_dir=backups)
        store = Store(path, cipher=FieldCipher(old))
    except DataKeyError as exc:
        print(f"Không xoay được khóa: {exc}", file=sys.stderr)
        return 2
    new = DataKey.generate()
    target = out if from_env else pending_key_path(loaded.config_path)
    assert target is not None
    write_key_file(target, new)
    new_cipher = FieldCipher(new)
    counts = codec.reseal(store, store.cipher, new_cipher)
    store.close()
    reopened = Store(path, cipher=new_cipher)  # the audit entry is sealed with the new key, like everything
    reopened.record("operator", "rotate_key", None, f"key_id={new_cipher.key_id}")
    reopened.close()
    if not from_env:
        finish_rotation(loaded.config_path)
    rows = sum(counts.values())
    print(f"Đã mã hóa lại {rows} dòng bằng khóa mới (mã khóa {new_cipher.key_id}).")
    if from_env:
        print(f"Khóa mới ở {target}: đặt nó vào {KEY_ENV} trước khi khởi động lại, rồi xóa tệp này.")
    else:
        print(f"Khóa mới đã thay {key_file_path(loaded.config_path)}. Sao lưu khóa này tách khỏi dữ liệu.")
    print("Bản sao lưu cũ chỉ mở được bằng khóa cũ: giữ khóa cũ cùng chúng, hoặc hủy cả hai.")
    return 0

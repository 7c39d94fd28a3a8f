"""bot/privacy: the data key and its file, field encryption and keyed hashes, redaction."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from bot.privacy import keys as keys_module
from bot.privacy.cipher import PREFIX, FieldCipher, PlainCipher
from bot.privacy.keys import KEY_ENV, DataKey, DataKeyError, key_file_path, load_key
from bot.privacy.redact import MASKS, redact

ROOT = Path(__file__).resolve().parent.parent


# -- the key -----------------------------------------------------------------------------------------


def test_key_file_is_created_beside_the_config_with_mode_0600_and_reused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("x", encoding="utf-8")
    first = load_key(config, tmp_path / "data", env={})
    path = key_file_path(config)
    assert path.parent == tmp_path and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_key(config, tmp_path / "data", env={})
    assert again.secret == first.secret and again.key_id() == first.key_id()


def test_environment_key_wins_over_the_file(tmp_path: Path) -> None:
    key = DataKey.generate()
    loaded = load_key(tmp_path / "config.yaml", tmp_path / "data", env={KEY_ENV: key.text()})
    assert loaded.secret == key.secret and loaded.source == "env"
    assert not key_file_path(tmp_path / "config.yaml").exists()


def test_key_file_inside_the_data_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataKeyError, match="with the data or its backups"):
        load_key(tmp_path / "config.yaml", tmp_path, env={})


def test_malformed_environment_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataKeyError):
        load_key(tmp_path / "config.yaml", tmp_path / "data", env={KEY_ENV: "not a key"})
    with pytest.raises(DataKeyError, match="32 bytes"):
        load_key(tmp_path / "config.yaml", tmp_path / "data", env={KEY_ENV: "YWJj"})


def test_a_key_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    load_key(config, tmp_path / "data", env={})
    os.chmod(key_file_path(config), 0o644)
    load_key(config, tmp_path / "data", env={})
    assert stat.S_IMODE(key_file_path(config).stat().st_mode) == 0o600


# -- the cipher ---------------------------------------------------------------------------------------


def test_sealed_fields_hide_the_text_and_open_back() -> None:
    cipher = FieldCipher(DataKey.generate())
    sealed = cipher.seal("Nguyễn Thị Lan, 0901234567")
    assert sealed.startswith(PREFIX) and "0901234567" not in sealed and "Lan" not in sealed
    assert cipher.open(sealed) == "Nguyễn Thị Lan, 0901234567"
    assert cipher.seal(None) is None and cipher.open(None) is None
    assert cipher.open("written before encryption") == "written before encryption"
    assert cipher.seal(sealed) == sealed  # sealing twice is harmless


def test_author_key_is_keyed_stable_and_not_the_id() -> None:
    key = DataKey.generate()
    cipher, same, other = FieldCipher(key), FieldCipher(DataKey(key.secret)), FieldCipher(DataKey.generate())
    assert cipher.author_key("tg:1001") == same.author_key("tg:1001")
    assert cipher.author_key("tg:1001") != other.author_key("tg:1001")
    assert "1001" not in cipher.author_key("tg:1001")
    assert cipher.author_key("tg:1001") != cipher.author_key("tg:1002")


def test_a_wrong_key_cannot_open_and_says_so() -> None:
    sealed = FieldCipher(DataKey.generate()).seal("bí mật")
    with pytest.raises(DataKeyError):
        FieldCipher(DataKey.generate()).open(sealed)


def test_older_keys_open_during_rotation() -> None:
    old, new = DataKey.generate(), DataKey.generate()
    sealed = FieldCipher(old).seal("nội dung")
    assert FieldCipher(new, old).open(sealed) == "nội dung"


def test_plain_cipher_changes_nothing() -> None:
    plain = PlainCipher()
    assert plain.seal("x") == "x" and plain.author_key("tg:1") == "tg:1" and plain.key_id is None


# -- redaction ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tôi là Nguyễn Thị Lan, sđt 0901 234 567.", f"Tôi là {MASKS['name']}, sđt {MASKS['phone']}."),
        ("toi la nguyen van an o phuong 2", f"toi la {MASKS['name']} o phuong 2"),
        ("email lan.nt@gmail.com nhé", f"email {MASKS['email']} nhé"),
        ("CCCD 079187001234 bị giữ", f"CCCD {MASKS['id']} bị giữ"),
        ("số cmnd 023456789", f"số cmnd {MASKS['id']}"),
        ("gọi +84 903 111 222", f"gọi {MASKS['phone']}"),
        ("máy bàn 028 3829 1234", f"máy bàn {MASKS['phone']}"),
        ("Họ và tên: Đặng Quốc Việt.", f"Họ và tên: {MASKS['name']}."),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Cán bộ tên Hùng ở quầy 5 đòi 1.500.000 đồng.",  # an official's name stays: the ward needs it
        "Ngày 12/11/2026 lúc 8:30, hồ sơ 000.00.19.H29-241120-0007.",
        "Tôi là người dân phường Bến Thành.",
        "tôi là giáo viên, gọi tổng đài 1022 không được.",
        "Tôi là chủ hộ kinh doanh.",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not redact(text).changed


def test_labelled_set_meets_the_targets() -> None:
    """The same measure as benchmarks/redaction_eval.py, on both labelled files together."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("redaction_eval", ROOT / "benchmarks" / "redaction_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    texts = [text for path in module.DEFAULT_FILES for text in module.load(path)]
    assert len(texts) >= 50
    scores = module.evaluate(texts)
    assert scores.items >= 30
    assert scores.left_rate <= 0.02
    assert scores.masked_rate <= 0.02


def test_key_file_inside_the_backup_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataKeyError, match="backups"):
        load_key(tmp_path / "config.yaml", tmp_path / "data", env={}, backup_dir=tmp_path)


def test_an_unwritable_config_folder_asks_for_the_environment_key(tmp_path: Path, monkeypatch) -> None:
    def refuse(path: Path, key: DataKey) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(keys_module, "write_key_file", refuse)  # e.g. /etc under systemd's ProtectSystem
    with pytest.raises(DataKeyError, match=KEY_ENV):
        load_key(tmp_path / "config.yaml", tmp_path / "data", env={})

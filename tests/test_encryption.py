"""Encryption at rest: a copy of the database alone reveals no complainant; keys and rotation."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from complaint_helpers import (
    CITIZEN,
    STAFF,
    TEST_KEY,
    WARD_CHAT,
    Clock,
    Person,
    build,
    file_complaint,
    fill_intake,
    with_channels,
)

from bot.app import load, make_assistant, open_store
from bot.cli import main
from bot.complaints.store import Store
from bot.privacy import codec
from bot.privacy.cipher import FieldCipher, PlainCipher
from bot.privacy.keys import KEY_ENV, DataKey, DataKeyError, key_file_path, pending_key_path, write_key_file

NAME, PHONE = "Trần Thị Mai", "0901234567"
DESCRIPTION = "Cán bộ Hùng quầy 4 hẹn tôi 3 lần, ngồi uống cà phê chưa xong hồ sơ"
SECRETS = (NAME, PHONE, "Hùng quầy 4", "hẹn tôi 3 lần", "uống cà phê", "1001", "Xin lỗi chị Mai", "giấy hẹn số 77")


def raw_bytes(db: Path) -> bytes:
    """Everything on disk for the database: the file, its WAL and shared memory."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def full_cycle(assistant) -> str:
    citizen = Person(assistant)
    ward = Person(assistant, user=STAFF, name="Cán bộ", chat=WARD_CHAT)
    code = file_complaint(citizen, description=DESCRIPTION, contact=f"{NAME}, {PHONE}")
    ward.press(f"w:info:{code}")
    ward.say("Xin lỗi chị Mai, chị gửi giúp giấy hẹn")
    citizen.press(f"c:answer:{code}")
    citizen.say("Tôi gửi giấy hẹn số 77")
    fill_intake(citizen, description=DESCRIPTION + " lần hai")  # a saved draft
    return code


def test_a_copy_of_the_database_reveals_no_complainant(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock(), with_channels(loaded.config))
    code = full_cycle(assistant)
    assistant.store.close()
    data = raw_bytes(tmp_path / "db.sqlite3")
    assert code.encode() in data  # the file is really the database
    for secret in SECRETS:
        assert secret.encode() not in data, secret
    # Read back with the key, everything is there.
    store = Store(tmp_path / "db.sqlite3", cipher=FieldCipher(TEST_KEY))
    case = store.get(code)
    assert case.contact_name == NAME and case.description == DESCRIPTION and case.user == CITIZEN
    assert [c.code for c in store.list(user=CITIZEN)] == [code]
    assert store.load_session(CITIZEN)[0]["draft"]["description"].endswith("lần hai")


def test_the_wrong_key_or_no_key_is_refused(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock())
    file_complaint(Person(assistant))
    assistant.store.close()
    with pytest.raises(DataKeyError, match="not the one"):
        Store(tmp_path / "db.sqlite3", cipher=FieldCipher(DataKey.generate()))
    with pytest.raises(DataKeyError, match="encrypted"):
        Store(tmp_path / "db.sqlite3")


def test_a_database_written_before_encryption_is_encrypted_in_place(loaded, tmp_path: Path) -> None:
    clock = Clock()
    plain = Store(tmp_path / "db.sqlite3", clock=clock)
    assistant = make_assistant(loaded, plain)
    assistant.clock = clock
    code = file_complaint(Person(assistant), description=DESCRIPTION, contact=f"{NAME}, {PHONE}")
    fill_intake(Person(assistant))
    plain.close()
    assert PHONE.encode() in raw_bytes(tmp_path / "db.sqlite3")

    sealed = Store(tmp_path / "db.sqlite3", clock=clock, cipher=FieldCipher(TEST_KEY))
    assert sealed.get(code).contact_name == NAME
    assert [c.code for c in sealed.list(user=CITIZEN)] == [code]
    assert sealed.load_session(CITIZEN)[0] is not None
    sealed.db.execute("VACUUM")  # old plaintext pages are gone from the file too
    sealed.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sealed.close()
    assert PHONE.encode() not in raw_bytes(tmp_path / "db.sqlite3")


def test_duplicates_and_daily_limits_still_work_on_hashes(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock())
    citizen = Person(assistant)
    text = "Cán bộ quầy 4 không hướng dẫn, bảo tôi tự đọc bảng niêm yết"
    first = file_complaint(citizen, description=text)
    fill_intake(citizen, description=text)
    again = citizen.press("i:submit")
    assert first in again[0].text and "không tạo thêm" in again[0].text


# -- the deployment: key file, rotation -------------------------------------------------------------


@pytest.fixture
def no_env_key(monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


def deployment_cycle(config_path: Path) -> tuple[object, str]:
    loaded = load(config_path)
    store = open_store(loaded)
    assistant = make_assistant(loaded, store)
    code = file_complaint(Person(assistant), description=DESCRIPTION, contact=f"{NAME}, {PHONE}")
    fill_intake(Person(assistant))
    store.close()
    return loaded, code


def test_first_run_creates_the_key_file_beside_the_config(deployment, no_env_key) -> None:
    _loaded, _code = deployment_cycle(deployment.config)
    key_file = key_file_path(deployment.config)
    assert key_file.parent == deployment.root and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    data_dir = deployment.root / "data"
    assert not any(p.name.endswith(".key") for p in data_dir.iterdir())
    assert PHONE.encode() not in raw_bytes(data_dir / "motcua.sqlite3")


def test_rotate_key_reencrypts_everything_and_keeps_lookups(deployment, no_env_key, capsys) -> None:
    loaded, code = deployment_cycle(deployment.config)
    key_file = key_file_path(deployment.config)
    old_key = DataKey.parse(key_file.read_text(), "old")
    assert main(["--config", str(deployment.config), "rotate-key"]) == 0
    assert "Đã mã hóa lại" in capsys.readouterr().out
    new_key = DataKey.parse(key_file.read_text(), "new")
    assert new_key.secret != old_key.secret and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not pending_key_path(deployment.config).exists()
    db = deployment.root / "data" / "motcua.sqlite3"
    with pytest.raises(DataKeyError):
        Store(db, cipher=FieldCipher(old_key))
    store = open_store(loaded)
    case = store.get(code)
    assert case.contact_name == NAME and case.description == DESCRIPTION
    assert [c.code for c in store.list(user=CITIZEN)] == [code]
    assert store.load_session(CITIZEN)[0]["flow"] == "intake"
    assert NAME in store.outbox(code)[0].reply.text
    assert ("operator", "rotate_key") in [(r["actor"], r["action"]) for r in store.audit_log()]


def test_an_interrupted_rotation_is_finished_at_the_next_start(deployment, no_env_key) -> None:
    loaded, code = deployment_cycle(deployment.config)
    key_file = key_file_path(deployment.config)
    old = DataKey.parse(key_file.read_text(), "old")
    new = DataKey.generate()
    write_key_file(pending_key_path(deployment.config), new)
    store = Store(deployment.root / "data" / "motcua.sqlite3", cipher=FieldCipher(old))
    codec.reseal(store, store.cipher, FieldCipher(new))
    store.close()  # the process dies before replacing the key file

    store = open_store(loaded)
    assert store.get(code).contact_name == NAME
    assert DataKey.parse(key_file.read_text(), "k").secret == new.secret
    assert not pending_key_path(deployment.config).exists()


def test_environment_key_rotation_needs_an_output_file(deployment, monkeypatch, tmp_path: Path, capsys) -> None:
    key = DataKey.generate()
    monkeypatch.setenv(KEY_ENV, key.text())
    deployment_cycle(deployment.config)
    assert not key_file_path(deployment.config).exists()
    assert main(["--config", str(deployment.config), "rotate-key"]) == 2
    out = tmp_path / "new.key"
    assert main(["--config", str(deployment.config), "rotate-key", "--out", str(out)]) == 0
    assert main(["--config", str(deployment.config), "complaints", "list"]) == 2  # old key: refused, clearly
    assert "Không mở được dữ liệu" in capsys.readouterr().err
    monkeypatch.setenv(KEY_ENV, out.read_text().strip())
    assert main(["--config", str(deployment.config), "complaints", "list"]) == 0


def test_plain_cipher_is_only_for_throwaway_databases() -> None:
    store = Store(":memory:")
    assert isinstance(store.cipher, PlainCipher) and codec.stored_key_id(store) is None


def test_sqlite_sees_only_ciphertext_in_sealed_columns(loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock(), with_channels(loaded.config))
    full_cycle(assistant)
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    for table, columns in codec.SEALED.items():
        for column in columns:
            for (value,) in conn.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"):
                assert value == "" or value.startswith("enc1:"), (table, column, value)
    for (author,) in conn.execute("SELECT author FROM complaints"):
        assert author.startswith("h:") and "1001" not in author

"""The callback codec: every button's data is built and parsed in one place, forged data is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from complaint_helpers import STAFF, WARD_CHAT, Clock, Person, build, file_complaint, with_channels

from bot import callbacks as cb
from bot.app import Loaded

CODE = "K7MA-Q9X3"


@pytest.mark.parametrize(
    ("data", "prefix", "args"),
    [
        ("p:ho-tich.khai-tu", "p", ("ho-tich.khai-tu",)),
        ("a:legal_basis:ho-tich.khai-tu", "a", ("legal_basis", "ho-tich.khai-tu")),
        ("m:phananh:tre-hen", "m", ("phananh", "tre-hen")),
        ("k:ward:26743", "k", ("ward", "26743")),
        ("i:skip", "i", ("skip",)),
        (f"w:to:{CODE}:supervisor:so-noi-vu", "w", ("to", CODE, "supervisor", "so-noi-vu")),
        (f"c:withdraw:{CODE}", "c", ("withdraw", CODE)),
        (f"r:{CODE}:0", "r", (CODE, "0")),
    ],
)
def test_the_registered_forms_parse(data: str, prefix: str, args: tuple[str, ...]) -> None:
    assert cb.parse(data) == cb.Callback(prefix, args)
    assert cb.build(prefix, *args) == data


@pytest.mark.parametrize(
    "data",
    [
        f"r:{CODE}:²",  # superscript two passes str.isdigit()
        f"r:{CODE}:٣",  # Arabic-Indic digit
        f"r:{CODE}:6",
        f"r:{CODE}:",
        f"r:{CODE}:5:5",
        "r:K7MA-Q9X0:5",  # 0 is not in the code alphabet
        "k:ward:２６７４３",  # full-width digits
        "i:skip\n",
        "i:",
        "i",
        "zz:1",  # unknown prefix
        "p:" + "a" * 63,  # over 64 bytes
        "p:hộ-tịch",
        "",
        None,
        f"w:to:{CODE}:elsewhere:x",
        "m:phananh:../../etc",
    ],
)
def test_forged_or_malformed_data_is_refused(data: str | None) -> None:
    assert cb.parse(data) is None


def test_build_refuses_what_parse_would_refuse() -> None:
    with pytest.raises(ValueError, match="invalid callback data"):
        cb.build("r", CODE, "7")
    with pytest.raises(ValueError):
        cb.build("nope", "x")


def test_registering_a_prefix_twice_differently_is_an_error() -> None:
    cb.register("p", cb.SLUG)  # the same declaration again is harmless
    with pytest.raises(ValueError, match="already registered"):
        cb.register("p", cb.DIGITS)
    with pytest.raises(ValueError):
        cb.register("P!", cb.DIGITS)


def test_a_forged_button_is_answered_as_expired_and_logged(loaded: Loaded, tmp_path: Path, caplog) -> None:
    assistant = build(loaded, tmp_path, Clock())
    citizen = Person(assistant)
    code = file_complaint(citizen)
    with caplog.at_level(logging.WARNING, logger="bot.conversation"):
        for data in (f"r:{code}:²", "zz:1", "p:" + "x" * 80, "w:ack:ÀÀÀÀ-ÀÀÀÀ"):
            [reply] = citizen.press(data)
            assert reply.text.startswith("Nút này đã hết hạn"), data
    assert sum("refused callback data" in r.getMessage() for r in caplog.records) == 4
    assert assistant.store.get(code).rating is None


def test_every_button_the_assistant_shows_parses(loaded: Loaded, tmp_path: Path) -> None:
    assistant = build(loaded, tmp_path, Clock(), with_channels(loaded.config))
    citizen = Person(assistant)
    staff = Person(assistant, user=STAFF, name=None, chat=WARD_CHAT)
    citizen.say("/start")
    citizen.press("m:thutuc")
    for data in [b.data for b in citizen.log[-1].all_buttons()][:3]:
        citizen.press(data)
    citizen.say("khai tu online")
    citizen.say("/camket")
    citizen.press("k:ward:26743")
    code = file_complaint(citizen)
    citizen.say(f"/tracuu {code}")
    staff.press(f"w:ack:{code}")
    staff.press(f"w:notours:{code}")
    staff.say("Không thuộc phường")
    seen = [b.data for person in (citizen, staff) for reply in person.log for b in reply.all_buttons()]
    assert len(seen) > 40
    assert [data for data in seen if cb.parse(data) is None] == []

"""`python -m bot check` and start-up refusal on invalid knowledge or config."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.cli import main

if TYPE_CHECKING:
    from conftest import Deployment

CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"

PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.+)$")


def _problems(stderr: str) -> list[tuple[str, int, str]]:
    """The `file:line: message` lines of an error report."""
    found = []
    for line in stderr.splitlines():
        match = PROBLEM_LINE.match(line)
        if match:
            found.append((match["file"], int(match["line"]), match["message"]))
    return found


def test_shipped_knowledge_and_config_pass(capsys, loaded) -> None:
    assert main(["--config", str(CONFIG), "check"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(f"OK: {CONFIG}:")
    assert f"{len(loaded.config.wards)} wards" in out
    assert f"{len(loaded.knowledge.procedures)} procedures" in out
    assert f"{len(loaded.knowledge.commitments)} commitments" in out


# Each breaker edits the copy and returns (file, acceptable line numbers, words the message must hold).
Breaker = Callable[..., tuple[Path, set[int], list[str]]]


def yaml_syntax_error(d: Deployment) -> tuple[Path, set[int], list[str]]:
    path = d.procedures / "xe.yaml"
    lines = d.lines(path)
    n = d.line_of(lines, "  fees:")
    lines[n - 1] = "  fees: lệ phí: theo quy định"  # a second ": " in a plain scalar
    d.write_lines(path, lines)
    return path, {n}, ["YAML syntax error"]


def missing_required_field(d: Deployment) -> tuple[Path, set[int], list[str]]:
    path = d.procedures / "xe.yaml"
    lines = d.lines(path)
    entry = d.line_of(lines, "- id: xe.dang-ky")
    fees = d.line_of(lines, "  fees:", entry - 1)  # this entry's only: the file holds other entries
    d.write_lines(path, lines[: fees - 1] + lines[fees:])
    return path, {entry}, ["fees", "required"]


def duplicate_id(d: Deployment) -> tuple[Path, set[int], list[str]]:
    path = d.procedures / "ho-chieu.yaml"
    lines = d.lines(path)
    first = d.line_of(lines, "- id: ho-chieu.cap")
    entry = [line for line in lines[first - 1 :] if line.strip()]
    while lines and not lines[-1].strip():
        lines.pop()
    duplicate_at = len(lines) + 2
    d.write_lines(path, [*lines, "", *entry, ""])
    return path, {duplicate_at}, ["duplicate id", "ho-chieu.cap", f"{path}:{first}"]


def district_agency(d: Deployment) -> tuple[Path, set[int], list[str]]:
    path = d.procedures / "xay-dung.yaml"
    lines = d.lines(path)
    entry = d.line_of(lines, "- id: xay-dung.giay-phep-nha-o")
    agency = d.line_of(lines, "  agency:", entry - 1)
    lines[agency - 1] = "  agency: UBND cấp huyện nơi có nhà"
    d.write_lines(path, lines)
    # The entry's line or, better, the agency's own line.
    return path, {entry, agency}, ["xay-dung.giay-phep-nha-o", "district"]


def overlong_id(d: Deployment) -> tuple[Path, set[int], list[str]]:
    path = d.procedures / "xe.yaml"
    lines = d.lines(path)
    entry = d.line_of(lines, "- id: xe.dang-ky")
    long_id = "xe.dang-ky-xe-mo-to-xe-gan-may-lan-dau-va-sang-ten"  # 50 characters
    lines[entry - 1] = f"- id: {long_id}"
    d.write_lines(path, lines)
    return path, {entry}, [long_id, "50 characters", "at most 40"]


def off_topic_naming_an_entry(d: Deployment) -> tuple[Path, set[int], list[str]]:
    # "học phí" was an off-topic cue until school-fee exemption became an entry; left in, it
    # declined the questions that entry answers.
    path = d.root / "knowledge" / "lexicon.yaml"
    lines = d.lines(path)
    n = d.line_of(lines, "off_topic:")
    d.write_lines(path, [*lines[:n], "  - học phí", *lines[n:]])
    return path, {n + 1}, ["off_topic", "hoc phi", "giao-duc.mien-hoc-phi"]


BREAKERS: dict[str, Breaker] = {
    "yaml-syntax": yaml_syntax_error,
    "missing-field": missing_required_field,
    "duplicate-id": duplicate_id,
    "district-agency": district_agency,
    "overlong-id": overlong_id,
    "off-topic-names-an-entry": off_topic_naming_an_entry,
}


@pytest.mark.parametrize("name", list(BREAKERS))
def test_broken_knowledge_is_reported_and_refused(capsys, deployment: Deployment, name: str) -> None:
    path, lines, words = BREAKERS[name](deployment)

    assert main(["--config", str(deployment.config), "check"]) != 0
    out, err = capsys.readouterr()
    assert "OK" not in out
    problems = _problems(err)
    assert problems, err
    # Only the file we broke is blamed, at the right line, with a message that says what is wrong.
    assert {file for file, _, _ in problems} == {str(path)}, err
    matching = [(line, message) for _, line, message in problems if all(w in message for w in words)]
    assert matching, err
    assert {line for line, _ in matching} <= lines, (err, lines)
    assert f"{len(problems)} problem(s) found." in err

    # Every entry point refuses to start on the same knowledge, with the same messages.
    assert main(["--config", str(deployment.config), "ask", "làm căn cước ở đâu"]) == 2
    out, refused = capsys.readouterr()
    assert out == ""
    assert "Không khởi động được" in refused
    assert _problems(refused) == problems


def _override_wards(d: Deployment, *entry: str) -> int:
    """Replace the shipped `wards: []` with the given override lines; returns the first line's number."""
    lines = d.lines(d.config)
    wards = d.line_of(lines, "wards:")
    lines[wards - 1 : wards] = ["wards:", *entry]
    d.write_lines(d.config, lines)
    return wards + 1


def _break_ward_supervisor(d: Deployment) -> tuple[int, int]:
    ward = _override_wards(d, '  - code: "26740"', "    supervisor: khong-ton-tai")
    return ward, ward + 1


def test_ward_with_unknown_supervisor_is_reported_and_refused(capsys, deployment: Deployment) -> None:
    _break_ward_supervisor(deployment)
    assert main(["--config", str(deployment.config), "check"]) != 0
    _, err = capsys.readouterr()
    problems = _problems(err)
    assert len(problems) == 1, err
    file, line, message = problems[0]
    assert file == str(deployment.config)
    assert line >= 1
    assert "khong-ton-tai" in message and "26740" in message

    assert main(["--config", str(deployment.config), "ask", "x"]) == 2
    out, refused = capsys.readouterr()
    assert out == ""
    assert _problems(refused) == problems


def test_ward_with_unknown_supervisor_points_at_the_ward(capsys, deployment: Deployment) -> None:
    ward, supervisor = _break_ward_supervisor(deployment)
    assert main(["--config", str(deployment.config), "check"]) != 0
    ((_, line, message),) = _problems(capsys.readouterr().err)
    assert line in {ward, supervisor}
    assert not message.startswith(":")


def test_missing_config_file_is_reported(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "khong-co.yaml"
    assert main(["--config", str(missing), "check"]) != 0
    err = capsys.readouterr().err
    assert str(missing) in err and "cannot read file" in err


def test_a_ward_code_outside_the_province_is_reported(capsys, deployment: Deployment) -> None:
    line = _override_wards(deployment, '  - code: "00070"', "    chat_id: -100123")  # Phường Hoàn Kiếm, Hà Nội
    assert main(["--config", str(deployment.config), "check"]) != 0
    ((_, at, message),) = _problems(capsys.readouterr().err)
    assert at == line
    assert "00070" in message and "official list" in message


def test_an_unknown_province_code_is_reported(capsys, deployment: Deployment) -> None:
    lines = deployment.lines(deployment.config)
    at = deployment.line_of(lines, "city_code:")
    lines[at - 1] = 'city_code: "99"'
    deployment.write_lines(deployment.config, lines)
    assert main(["--config", str(deployment.config), "check"]) != 0
    err = capsys.readouterr().err
    assert any(line == at and "99" in message for _, line, message in _problems(err)), err


def test_every_ward_of_the_province_is_served_with_defaults(loaded) -> None:
    config = loaded.config
    assert len(config.wards) == 168
    ward = config.ward("26968")
    assert ward is not None and ward.name == "Phường Tân Sơn Nhất"
    assert ward.supervisor == "so-noi-vu" and ward.hotline == config.hotline and ward.chat_id is None
    assert "niêm yết trên trang thông tin" in ward.desk_address and "Tân Sơn Nhất" in ward.desk_address
    assert "7:30" in ward.desk_hours
    assert config.ward("00070") is None


def test_switching_province_is_one_line(capsys, deployment: Deployment) -> None:
    lines = deployment.lines(deployment.config)
    for key, value in (("city_code:", 'city_code: "01"'), ("city:", "city: Thành phố Hà Nội")):
        lines[deployment.line_of(lines, key) - 1] = value
    deployment.write_lines(deployment.config, lines)
    assert main(["--config", str(deployment.config), "check"]) == 0, capsys.readouterr().err
    assert "126 wards" in capsys.readouterr().out

    from bot.config import load_config
    from bot.wards import match_ward

    config, problems = load_config(deployment.config)
    assert config is not None and not problems
    assert config.ward("00070").name == "Phường Hoàn Kiếm"
    assert match_ward(config, "hoan kiem", lambda text, city: None).ward.code == "00070"
    assert config.ward("26743") is None  # Bến Thành is not served by a Hà Nội deployment


def test_an_invalid_override_points_at_its_line(capsys, deployment: Deployment) -> None:
    first = _override_wards(
        deployment, '  - code: "26743"', "    chat_id: -100123", '  - code: "26968"', "    chat_id: nhom-phuong"
    )
    assert main(["--config", str(deployment.config), "check"]) != 0
    ((_, line, message),) = _problems(capsys.readouterr().err)
    assert line == first + 3 and "chat_id" in message


def test_overrides_keep_the_official_name_and_fill_the_rest(deployment: Deployment) -> None:
    _override_wards(
        deployment, '  - code: "26743"', "    name: P. Bến Thành (Q1 cũ)", "    chat_id: -100123", "    staff_ids: [7]"
    )
    from bot.config import load_config

    config, problems = load_config(deployment.config)
    assert config is not None, problems
    ward = config.ward("26743")
    assert ward.name == "Phường Bến Thành" and "P. Bến Thành (Q1 cũ)" in ward.aliases
    assert (ward.chat_id, ward.staff_ids, ward.supervisor) == (-100123, [7], "so-noi-vu")
    assert len(config.wards) == 168

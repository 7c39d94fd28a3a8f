"""The command line (`python -m bot ...`) and the terminal chat."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import bot.cli
from bot.cli import main
from bot.conversation import Incoming
from bot.replies import to_plain
from handlers.terminal import chat

CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"

CONTRACT_KEYS = {"question", "kind", "procedure_id", "aspect", "candidates", "commitment_ids", "referral", "suggestions"}
CATALOGUE_KEYS = {
    "id", "name", "field", "aliases", "agency", "documents", "processing_time", "fees", "legal_basis", "online",
    "notes", "source", "updated",
}  # fmt: skip
REQUIRED_IDS = (
    "ho-tich.khai-sinh",
    "ho-tich.ket-hon",
    "ho-tich.ket-hon-nuoc-ngoai",
    "ho-tich.khai-tu",
    "ho-tich.xac-nhan-tinh-trang-hon-nhan",
    "ho-tich.trich-luc",
    "ho-tich.thay-doi-cai-chinh",
    "ho-tich.nhan-cha-me-con",
    "ho-tich.giam-ho",
    "ho-tich.khai-sinh-lai",
    "ho-tich.nuoi-con-nuoi",
    "lien-thong.khai-sinh",
    "lien-thong.khai-tu",
    "chung-thuc.ban-sao",
    "chung-thuc.chu-ky",
    "chung-thuc.hop-dong",
    "chung-thuc.di-chuc",
    "chung-thuc.phan-chia-di-san",
    "cu-tru.thuong-tru",
    "cu-tru.tam-tru",
    "cu-tru.luu-tru",
    "cu-tru.tam-vang",
    "cu-tru.tach-ho",
    "cu-tru.xoa-thuong-tru",
    "cu-tru.xac-nhan",
    "can-cuoc.cap",
    "can-cuoc.dinh-danh-dien-tu",
    "xe.dang-ky",
    "kinh-doanh.ho-kinh-doanh",
    "kinh-doanh.thay-doi-ho-kinh-doanh",
    "kinh-doanh.tam-ngung-cham-dut",
    "xay-dung.giay-phep-nha-o",
    "dat-dai.cap-gcn-lan-dau",
    "dat-dai.bien-dong",
    "dat-dai.cap-doi-cap-lai",
    "dat-dai.chuyen-muc-dich",
    "dat-dai.hoa-giai-tranh-chap",
    "bao-tro.tro-cap-hang-thang",
    "bao-tro.huu-tri-xa-hoi",
    "bao-tro.mai-tang-phi",
    "bao-tro.xac-nhan-khuyet-tat",
    "bao-tro.ho-ngheo",
    "ly-lich-tu-phap.cap",
    "ho-chieu.cap",
)


@pytest.fixture
def cached_load(monkeypatch, loaded):
    """`main` on the shipped config without re-reading it (loading itself is covered by test_check)."""

    def load(path: Path):
        assert Path(path) == CONFIG
        return loaded

    monkeypatch.setattr(bot.cli, "load", load)


def test_required_id_list_is_complete() -> None:
    assert len(REQUIRED_IDS) == len(set(REQUIRED_IDS)) == 44


def test_ask_prints_a_vietnamese_answer(capsys) -> None:
    # The one test that goes through real start-up from the config file.
    assert main(["--config", str(CONFIG), "ask", "đăng ký tạm trú cần chuẩn bị giấy tờ gì"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("Đăng ký tạm trú")
    assert "Giấy tờ cần chuẩn bị:" in out
    # A short first answer: the legal basis behind a button, one source line with the check date.
    assert "⚖️ Căn cứ pháp lý" in out and "· kiểm tra " in out
    assert "<b>" not in out and "&amp;" not in out  # rendered as plain text
    assert "  [1] " in out  # buttons as numbered choices


def test_ask_out_of_scope_declines_with_the_hotline(capsys, cached_load, loaded) -> None:
    assert main(["--config", str(CONFIG), "ask", "giá vàng hôm nay bao nhiêu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp")
    assert loaded.config.hotline in out


def test_ask_without_question_is_an_error(capsys, cached_load) -> None:
    assert main(["--config", str(CONFIG), "ask"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Cần một câu hỏi" in err


def test_ask_json_reads_questions_from_stdin(capsys, monkeypatch, cached_load) -> None:
    questions = ["lam cccd o dau", "giá vàng hôm nay", "cán bộ đòi tiền mới làm", "trễ hẹn có được xin lỗi không"]
    stdin = "\n".join([questions[0], "", questions[1], "   ", questions[2], questions[3]]) + "\n\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["--config", str(CONFIG), "ask", "--json"]) == 0
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in records] == questions
    for record in records:
        assert set(record) == CONTRACT_KEYS
        assert len(record["candidates"]) <= 5
    assert [r["kind"] for r in records] == ["procedure", "none", "complaint", "commitment"]
    assert (records[0]["procedure_id"], records[0]["aspect"]) == ("can-cuoc.cap", "where")
    assert records[3]["commitment_ids"]
    assert "cán bộ đòi tiền mới làm" in out  # JSON keeps Vietnamese readable (ensure_ascii=False)


def test_ask_json_reports_a_referral(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("ly hôn đơn phương nộp đơn ở đâu\n"))
    assert main(["--config", str(CONFIG), "ask", "--json"]) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (record["kind"], record["referral"]) == ("referral", "toa-an")


def test_ask_json_with_a_question_argument(capsys, monkeypatch, cached_load) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("this must not be read\n"))
    assert main(["--config", str(CONFIG), "ask", "--json", "làm hộ chiếu mất bao lâu"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert (record["question"], record["procedure_id"], record["aspect"]) == (
        "làm hộ chiếu mất bao lâu",
        "ho-chieu.cap",
        "time",
    )


def test_catalogue_json_lists_every_required_procedure(capsys, cached_load, loaded) -> None:
    assert main(["--config", str(CONFIG), "catalogue", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert isinstance(entries, list)
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids))
    assert set(REQUIRED_IDS) <= set(ids), sorted(set(REQUIRED_IDS) - set(ids))
    assert set(ids) == set(loaded.knowledge.procedures)
    for entry in entries:
        assert set(entry) >= CATALOGUE_KEYS, (entry["id"], CATALOGUE_KEYS - set(entry))
        assert entry["name"] and entry["agency"] and entry["documents"] and entry["legal_basis"]
        assert len(entry["aliases"]) >= 3
        assert set(entry["online"]) >= {"channels", "fully_online"}
        assert len(entry["updated"]) == 10 and entry["updated"][4] == "-"  # ISO date


def test_catalogue_needs_json_flag(capsys, cached_load) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(CONFIG), "catalogue"])
    assert exc.value.code == 2


def test_chat_numbers_buttons_and_a_number_presses_one(assistant, knowledge) -> None:
    question = "lam cccd o dau"
    (answer,) = assistant.handle(Incoming("terminal:local", text=question))
    first = answer.all_buttons()[0]
    (pressed,) = assistant.handle(Incoming("terminal:local", button=first.data))
    assert first.data == "a:documents:can-cuoc.cap"

    out = io.StringIO()
    chat(assistant, lines=[question, "1", "/thoat", "làm hộ chiếu ở đâu"], out=out)
    shown = out.getvalue()
    # The welcome, the answer with numbered buttons, then the part the first button opens.
    assert shown.index("Xin chào!") < shown.index(to_plain(answer.text)) < shown.index(to_plain(pressed.text))
    for n, button in enumerate(answer.all_buttons(), start=1):
        assert f"  [{n}] {button.label}\n" in shown
    after = shown[shown.index(to_plain(pressed.text)) :]
    assert after.index("Giấy tờ cần chuẩn bị:") < after.index("Nguồn:")
    assert "<b>" not in shown
    # /thoat ends the chat: the last question is never answered.
    assert knowledge.procedures["ho-chieu.cap"].name not in shown


def test_chat_number_after_ambiguous_question_picks_the_first_choice(assistant, knowledge) -> None:
    out = io.StringIO()
    chat(assistant, lines=["chứng thực", "1"], out=out)
    shown = out.getvalue()
    assert "Bạn hỏi về thủ tục nào dưới đây?" in shown
    choices = shown[shown.index("Bạn hỏi về thủ tục nào dưới đây?") :]
    first_label = choices.split("  [1] ", 1)[1].split("\n", 1)[0]
    proc = next(p for p in knowledge.procedures.values() if p.name[:60] == first_label)
    after = choices[choices.index("  [1] ") :]
    assert f"\n{proc.name}\n" in after


def test_chat_number_out_of_range_is_read_as_text(assistant) -> None:
    out = io.StringIO()
    chat(assistant, lines=["99"], out=out)
    assert "Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp" in out.getvalue()

"""Reading citizens' questions: the phrase index (bot.matcher) and the decision (bot.understanding)."""

from __future__ import annotations

import json
import unicodedata

import pytest

from bot.lexicon import ASPECTS
from bot.matcher import features, is_syllable
from bot.textnorm import fold
from bot.understanding import detect_aspect, understand

CONTRACT_KEYS = {"question", "kind", "procedure_id", "aspect", "candidates", "commitment_ids", "referral", "suggestions"}


# --- the phrase index -------------------------------------------------------------------------


def test_syllable_shape() -> None:
    for word in ("thuong", "nghieng", "khai", "sinh", "giay", "quy", "o", "2025"):
        assert is_syllable(word), word
    for typo in ("thuowng", "khaisinh", "cccd", "asdfgh", "ttru"):
        assert not is_syllable(typo), typo


def test_features_carry_word_order() -> None:
    assert features(["khai", "sinh"]) == {"khai", "sinh", "khai_sinh"}
    assert features(["sinh", "khai"]) != features(["khai", "sinh"])
    assert features([]) == set()


def test_repair_fixes_typos_and_run_together_words(knowledge) -> None:
    index = knowledge.procedure_index
    assert index.repair(["thuowng", "tru"]) == ["thuong", "tru"]
    assert index.repair(["khaisinh"]) == ["khai", "sinh"]
    # Valid syllables are never "corrected", even when not in the catalogue.
    assert index.repair(["nhung", "gi"]) == ["nhung", "gi"]
    # Hopeless input is left alone rather than forced onto a catalogue word.
    assert index.repair(["qwxzrtp"]) == ["qwxzrtp"]


def test_search_is_ranked_bounded_and_scored_in_unit_interval(knowledge) -> None:
    results = knowledge.procedure_index.search("đăng ký tạm trú cho người thuê trọ", limit=4)
    assert 1 <= len(results) <= 4
    assert results[0].id == "cu-tru.tam-tru"
    scores = [c.score for c in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert knowledge.procedure_index.search("zzzz qqqq") == []


# --- questions reach the right procedure ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "procedure_id", "aspect"),
    [
        # No diacritics, chat spelling, abbreviations.
        ("lam giay khai sinh cho chau can gi", "ho-tich.khai-sinh", "documents"),
        ("con toi moi sinh, lam giay khai sinh can mang theo gi", "ho-tich.khai-sinh", "documents"),
        ("lam cccd o dau", "can-cuoc.cap", "where"),
        ("lam can cuoc cho con 10 tuoi lam o dau", "can-cuoc.cap", "where"),
        ("dky tam tru cho nguoi thue tro", "cu-tru.tam-tru", None),
        ("dk ket hon voi nguoi han quoc", "ho-tich.ket-hon-nuoc-ngoai", None),
        ("xin giay xac nhan doc than de cuoi", "ho-tich.xac-nhan-tinh-trang-hon-nhan", None),
        ("sao y bang dai hoc", "chung-thuc.ban-sao", None),
        ("dang ky xe may moi mua", "xe.dang-ky", None),
        # "sổ hồng" is what citizens call the land certificate.
        ("lam so hong lan dau can nhung gi", "dat-dai.cap-gcn-lan-dau", "documents"),
        ("sổ hồng bị mất thì xin cấp lại thế nào", "dat-dai.cap-doi-cap-lai", None),
        ("sang tên sổ hồng cho con", "dat-dai.bien-dong", None),
        # Typos and run-together words.
        ("dang ky thuowng tru can giay to gi", "cu-tru.thuong-tru", "documents"),
        ("khaisinh cho be", "ho-tich.khai-sinh", None),
        # The old household book is now permanent residence.
        ("nhập hộ khẩu cho vợ", "cu-tru.thuong-tru", None),
    ],
)
def test_questions_reach_the_right_procedure(knowledge, question: str, procedure_id: str, aspect) -> None:
    result = understand(knowledge, question)
    assert (result.kind, result.procedure_id, result.aspect) == ("procedure", procedure_id, aspect)
    assert result.candidates[0].id == procedure_id


def test_so_hong_is_an_alias_of_so_do(knowledge) -> None:
    lex = knowledge.lexicon
    assert lex.expand(fold("sổ hồng")) == lex.expand(fold("sổ đỏ")) == lex.expand(fold("bìa hồng"))
    for wording in ("sổ hồng", "sổ đỏ", "bìa hồng", "so hong"):
        result = understand(knowledge, f"xin cấp {wording} lần đầu cần những giấy tờ gì")
        assert result.procedure_id == "dat-dai.cap-gcn-lan-dau", wording
        assert result.aspect == "documents"


def test_spelling_and_normalisation_do_not_change_the_reading(knowledge) -> None:
    base = understand(knowledge, "Đăng ký kết hôn hết bao nhiêu tiền?")
    assert (base.kind, base.procedure_id, base.aspect) == ("procedure", "ho-tich.ket-hon", "fees")
    for variant in (
        unicodedata.normalize("NFD", "Đăng ký kết hôn hết bao nhiêu tiền?"),
        "ĐĂNG KÍ KẾT HÔN HẾT BAO NHIÊU TIỀN",
        "dang ki ket hon het bao nhieu tien",
        "dk ket hon het bn tien",
    ):
        result = understand(knowledge, variant)
        assert (result.kind, result.procedure_id, result.aspect) == ("procedure", "ho-tich.ket-hon", "fees"), variant
        assert [c.id for c in result.candidates] == [c.id for c in base.candidates], variant


def test_long_message_is_read_by_its_last_sentence(knowledge) -> None:
    story = (
        "Chào phường. Nhà em vừa có thêm cháu trai, bố cháu đang đi công tác xa! "
        "Em là bà nội, em muốn đi khai sinh cho cháu thì em nộp ở đâu?"
    )
    result = understand(knowledge, story)
    assert (result.kind, result.procedure_id, result.aspect) == ("procedure", "ho-tich.khai-sinh", "where")


# --- aspects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "procedure_id", "aspect"),
    [
        ("đăng ký tạm trú cần chuẩn bị những gì", "cu-tru.tam-tru", "documents"),
        ("làm hộ chiếu tốn bao nhiêu tiền", "ho-chieu.cap", "fees"),
        ("xin phiếu lý lịch tư pháp mấy ngày thì có", "ly-lich-tu-phap.cap", "time"),
        ("khai tử cho bà nội thì nộp ở đâu", "ho-tich.khai-tu", "where"),
        ("đăng ký thường trú qua mạng được không", "cu-tru.thuong-tru", "online"),
        ("chứng thực chữ ký căn cứ theo văn bản nào", "chung-thuc.chu-ky", "legal_basis"),
    ],
)
def test_each_aspect_is_detected(knowledge, question: str, procedure_id: str, aspect: str) -> None:
    result = understand(knowledge, question)
    assert (result.kind, result.procedure_id, result.aspect) == ("procedure", procedure_id, aspect)


def test_aspect_cues_cover_all_six_aspects(knowledge) -> None:
    assert set(knowledge.lexicon.aspects) == set(ASPECTS)
    assert len(ASPECTS) == 6


def test_the_cue_that_ends_last_wins(knowledge) -> None:
    # "hồ sơ" (documents) comes first, "ở đâu" (where) ends the question.
    assert detect_aspect(knowledge, fold("hồ sơ khai sinh nộp ở đâu")) == "where"
    assert detect_aspect(knowledge, fold("nộp ở đâu và cần hồ sơ gồm những gì")) == "documents"
    assert detect_aspect(knowledge, fold("khai sinh cho con")) is None


# --- out of scope, complaints, commitments ----------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "giá vàng hôm nay",
        "tỷ số bóng đá tối qua",
        "thời tiết Sài Gòn ngày mai",
        "asdfgh",
        "qwertyuiop zxcv",
        "🙂🙂🙂",
        "???",
    ],
)
def test_out_of_scope_is_declined(knowledge, message: str) -> None:
    result = understand(knowledge, message)
    assert result.kind == "none"
    assert result.procedure_id is None and result.aspect is None and result.choices == ()


@pytest.mark.parametrize(
    "message",
    [
        "cán bộ đòi tiền mới làm",
        "chị cán bộ ở quầy vòi tiền cà phê mới chịu nhận hồ sơ",
        "anh cán bộ một cửa quát nạt mẹ tôi",
        "nhân viên phường hách dịch, tôi muốn phản ánh",
    ],
)
def test_misconduct_is_a_complaint(knowledge, message: str) -> None:
    result = understand(knowledge, message)
    assert result.kind == "complaint"
    assert result.procedure_id is None


@pytest.mark.parametrize(
    "message",
    [
        "trễ hẹn có được xin lỗi không",
        "hồ sơ bị trễ hẹn thì phường có phải gửi thư xin lỗi không",
        "nộp hồ sơ xong có được phát giấy biên nhận không",
    ],
)
def test_commitment_questions_name_commitments(knowledge, message: str) -> None:
    result = understand(knowledge, message)
    assert result.kind == "commitment"
    assert result.procedure_id is None
    assert result.commitment_ids
    assert set(result.commitment_ids) <= set(knowledge.commitments)


def test_apology_commitment_is_found_for_late_results(knowledge) -> None:
    result = understand(knowledge, "hồ sơ bị trễ hẹn thì phường có phải gửi thư xin lỗi không")
    assert result.commitment_ids[0] == "quoc-gia.phieu-xin-loi"


# --- the JSON contract ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "lam cccd o dau",
        "chứng thực",
        "giá vàng hôm nay",
        "cán bộ đòi tiền mới làm",
        "trễ hẹn có được xin lỗi không",
        "🙂",
    ],
)
def test_as_json_contract(knowledge, message: str) -> None:
    result = understand(knowledge, message)
    data = json.loads(json.dumps(result.as_json(), ensure_ascii=False))
    assert set(data) == CONTRACT_KEYS
    assert data["question"] == message
    assert data["kind"] in {"procedure", "ambiguous", "complaint", "commitment", "none"}
    assert data["kind"] == result.kind
    assert data["procedure_id"] == result.procedure_id
    assert data["aspect"] in (None, *ASPECTS)
    assert isinstance(data["candidates"], list) and len(data["candidates"]) <= 5
    for candidate in data["candidates"]:
        assert set(candidate) == {"id", "score"}
        assert candidate["id"] in knowledge.procedures
        assert isinstance(candidate["score"], float) and 0.0 <= candidate["score"] <= 1.0
    # Best first as the assistant ranks them: the whole message may order two close entries
    # against their phrase scores (bot.context), so scores need not fall.
    assert [c["id"] for c in data["candidates"]] == [c.id for c in result.candidates[:5]]
    assert isinstance(data["commitment_ids"], list)
    assert all(cid in knowledge.commitments for cid in data["commitment_ids"])
    if data["kind"] == "procedure":
        assert data["procedure_id"] == data["candidates"][0]["id"]


def test_as_json_for_a_procedure_question(knowledge) -> None:
    data = understand(knowledge, "lam cccd o dau").as_json()
    assert data["kind"] == "procedure"
    assert data["procedure_id"] == "can-cuoc.cap"
    assert data["aspect"] == "where"
    assert data["candidates"][0]["id"] == "can-cuoc.cap"
    assert data["commitment_ids"] == []


def test_as_json_for_emoji_has_no_candidates(knowledge) -> None:
    data = understand(knowledge, "😀😀").as_json()
    assert data == {
        "question": "😀😀",
        "kind": "none",
        "procedure_id": None,
        "aspect": None,
        "candidates": [],
        "commitment_ids": [],
        "referral": None,
        "suggestions": [],
    }


def test_ambiguous_question_offers_close_choices(knowledge) -> None:
    result = understand(knowledge, "chứng thực")
    assert result.kind == "ambiguous"
    assert 2 <= len(result.choices) <= 3
    assert all(choice.startswith("chung-thuc.") for choice in result.choices)
    assert result.procedure_id == result.choices[0] == result.candidates[0].id


@pytest.mark.parametrize(
    ("question", "procedure_id"),
    [
        ("Tôi muốn đăng ký kết hôn với anh người Hàn Quốc thì cần gì?", "ho-tich.ket-hon-nuoc-ngoai"),
        ("làm giám hộ cho cháu quốc tịch Úc ở đâu", "ho-tich.giam-ho-nuoc-ngoai"),
        ("Giấy tờ do Nhật Bản cấp muốn sao y chứng thực ở phường được không", "chung-thuc.ban-sao-giay-to-nuoc-ngoai"),
        # Without the qualifier the general entry keeps the question.
        ("đăng ký kết hôn cần giấy tờ gì", "ho-tich.ket-hon"),
        ("làm người giám hộ cho cháu mồ côi ở đâu", "ho-tich.giam-ho"),
    ],
)
def test_a_stated_qualifier_names_the_specialised_entry(knowledge, question: str, procedure_id: str) -> None:
    got = understand(knowledge, question)
    assert got.kind == "procedure"
    assert got.procedure_id == procedure_id


def test_a_clear_lead_is_answered_just_under_the_threshold(knowledge) -> None:
    """A best match a little under ACCEPT_SCORE, far ahead of every other entry, is still answered."""
    from bot.matcher import Candidate
    from bot.understanding import ACCEPT_SCORE, _accepted

    lead = [Candidate("a", ACCEPT_SCORE - 0.02), Candidate("b", ACCEPT_SCORE - 0.2)]
    close = [Candidate("a", ACCEPT_SCORE - 0.02), Candidate("b", ACCEPT_SCORE - 0.05)]
    assert _accepted(lead)
    assert not _accepted(close)
    assert not _accepted([Candidate("a", 0.3)])


def test_intent_model_is_not_swamped_by_the_catalogue_size(knowledge) -> None:
    """Tripling the catalogue's examples leaves a complaint's and a chit-chat's posteriors in place."""
    from bot.intents import IntentModel

    own = [("complaint", "cán bộ hẹn mãi không trả hồ sơ lại còn quát"), ("none", "giá vàng hôm nay")]
    procedures = [
        ("procedure", phrase) for proc in knowledge.procedures.values() for phrase in (proc.name, *proc.aliases)
    ]
    hand_written = [
        ("complaint", "cán bộ đòi tiền mới nhận hồ sơ"),
        ("complaint", "nhân viên một cửa thái độ hách dịch"),
        ("none", "thời tiết ngày mai thế nào"),
        ("none", "đội bóng nào vô địch"),
        ("commitment", "trả kết quả trễ hẹn có được xin lỗi không"),
        ("commitment", "phường cam kết trả kết quả đúng hẹn"),
    ]
    small = IntentModel.train(knowledge.lexicon, hand_written + procedures[:150])
    large = IntentModel.train(knowledge.lexicon, hand_written + procedures * 3)
    for kind, text in own:
        assert abs(small.posterior(text)[kind] - large.posterior(text)[kind]) < 0.1


# --- declined, with entries to pick from ------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "near"),
    [
        # Both ask about a procedure in words no alias has; the right entry came near.
        ("dat khai hoang khong co giay to gi co lam so duoc khong", "dat-dai.cap-gcn-lan-dau"),
    ],
)
def test_a_near_miss_is_declined_with_entries_to_pick(knowledge, message: str, near: str) -> None:
    result = understand(knowledge, message)
    assert result.kind == "none" and result.procedure_id is None
    assert near in result.suggestions
    assert len(result.suggestions) <= 3


@pytest.mark.parametrize("message", ["giá vàng hôm nay", "quán cà phê nào gần phường mở cửa sớm", "asdfgh", "chào bạn", "Xin chào"])
def test_chit_chat_gets_no_suggestions(knowledge, message: str) -> None:
    assert understand(knowledge, message).suggestions == ()


def test_suggestions_are_buttons_beside_the_honest_decline(assistant) -> None:
    from bot.conversation import Incoming

    (reply,) = assistant.handle(Incoming("t", text="dat khai hoang khong co giay to gi co lam so duoc khong"))
    assert reply.text.startswith("Tôi chưa chắc bạn hỏi về thủ tục nào")
    assert "không dám trả lời đoán" in reply.text
    data = [b.data for row in reply.buttons for b in row]
    assert any(d.endswith(":dat-dai.cap-gcn-lan-dau") for d in data)
    assert "m:thutuc" in data and "m:start" in data
    (answer,) = assistant.handle(Incoming("t", button=next(d for d in data if d.endswith(":dat-dai.cap-gcn-lan-dau"))))
    assert "Đăng ký, cấp Giấy chứng nhận" in answer.text or "giấy chứng nhận" in answer.text.lower()


def test_a_pair_typed_in_other_tones_names_nothing(knowledge) -> None:
    index = knowledge.procedure_index
    told = index.search("Toàn bộ hồ sơ chúng tôi đã kê khai từ năm 2022, vậy giờ có phải kê khai lại không?")
    assert all(c.id != "ho-tich.khai-tu" for c in told[:1])
    # The same words typed without diacritics could be either: nothing is ruled out.
    plain = index.search("toan bo ho so chung toi da ke khai tu nam 2022")
    assert "khai_tu" not in index._mistoned_pairs("toan bo ho so chung toi da ke khai tu nam 2022")
    assert plain  # still searched as before
    # Written with the catalogue's tones, the pair counts, whatever the vowel marks ("hàng"/"hằng").
    assert index._mistoned_pairs("mẹ tôi mất, đăng ký khai tử ở đâu") == set()
    assert index._mistoned_pairs("trợ cấp xã hội hàng tháng cho người già") == set()

"""The whole-text ranking (bot.context) that orders the phrase index's candidates."""

from __future__ import annotations

from bot.context import ContextIndex, rerank
from bot.matcher import Candidate
from bot.understanding import understand


def test_the_best_entry_scores_one_and_unrelated_text_scores_nothing(knowledge) -> None:
    scores = knowledge.context_index.scores(knowledge.procedure_index, "giấy chứng sinh của bệnh viện")
    assert max(scores.values()) == 1.0
    assert all(0 < s <= 1 for s in scores.values())
    assert knowledge.context_index.scores(knowledge.procedure_index, "qwertyuiop") == {}


def test_whole_text_reads_words_as_the_phrase_index_does(knowledge) -> None:
    # Typed without diacritics, abbreviated or with diacritics: the same ranking.
    index = knowledge.procedure_index
    plain = knowledge.context_index.scores(index, "lam giay khai sinh cho con")
    marked = knowledge.context_index.scores(index, "làm giấy khai sinh cho con")
    assert plain == marked
    assert max(plain, key=plain.get) == max(marked, key=marked.get)


def test_rerank_reorders_but_never_adds_or_rescores() -> None:
    named = [Candidate("a", 0.70), Candidate("b", 0.66), Candidate("c", 0.40)]
    ordered = rerank(named, {"b": 1.0, "a": 0.2, "z": 0.9})
    assert [c.id for c in ordered] == ["b", "a", "c"]
    assert {c.id: c.score for c in ordered} == {"a": 0.70, "b": 0.66, "c": 0.40}
    assert rerank(named, {}) == named


def test_context_index_builds_from_any_entries(knowledge) -> None:
    small = ContextIndex.build(
        [("x", ["đăng ký khai sinh", "giấy chứng sinh"]), ("y", ["đăng ký kết hôn", "giấy xác nhận tình trạng hôn nhân"])],
        knowledge.procedure_index,
    )
    scores = small.scores(knowledge.procedure_index, "bệnh viện cấp giấy chứng sinh rồi")
    assert scores["x"] == 1.0 and scores.get("y", 0.0) < 0.5


def test_a_story_is_ordered_by_the_circumstances_it_tells(knowledge) -> None:
    # Real messages (real/tune): the phrase index alone put "khai sinh" first for the first and
    # declined the second; what the whole story tells puts the entry it is about first.
    story = (
        "Lúc con sinh ra vì chưa cưới nên giấy khai sinh của bé không có tên cha. Một thời gian sau hai "
        "vợ chồng đăng ký kết hôn và giờ muốn bổ sung thông tin cha cho con. Viết thế nào để UBND chấp nhận?"
    )
    assert understand(knowledge, story).procedure_id == "ho-tich.nhan-cha-me-con"
    told = "Con rể đã ly hôn và dọn đi lâu rồi, chủ hộ có đề nghị xóa thường trú cho nó được không?"
    assert (understand(knowledge, told).kind, understand(knowledge, told).procedure_id) == ("procedure", "cu-tru.xoa-thuong-tru")


def test_a_long_story_that_points_past_the_named_entry_offers_both(knowledge) -> None:
    # Real message (real/fresh3): its words name the start-of-works notice best, while the story (a
    # house in the countryside: is a permit needed?) is about the permit. Rather than answer the
    # notice, both are offered, the named one first.
    story = (
        "Xin chào Luật Khai Nguyên, sắp tới tôi có ý định xây dựng một căn nhà thuộc khu vực nông thôn của "
        "Hà Nội, vậy việc tô xây dựng nhà ở nông thôn có cần xin phép không? Và nếu có thì thủ tục như thế "
        "nào?"
    )
    got = understand(knowledge, story)
    assert got.kind == "ambiguous"
    assert set(got.choices) == {"xay-dung.thong-bao-khoi-cong", "xay-dung.giay-phep-nha-o"}


def test_a_short_question_is_answered_by_its_name_whatever_the_bodies_say(knowledge) -> None:
    # Every entry's body speaks of fees and online filing: in a short question that is noise.
    for question in ("dk khai sinh cho con có mất phí ko ad", "dang ky ho kinh doanh mat bao lau"):
        assert understand(knowledge, question).kind == "procedure"


def test_close_names_are_told_apart_by_what_the_whole_message_says(knowledge) -> None:
    # Real message (real/fresh): "xóa thế chấp sổ đỏ" names the discharge and the mortgage itself
    # within the ambiguity margin, but the discharge entry's whole text fits the message far better,
    # so the citizen gets its answer without a choice to make.
    question = "Chào LVN Group, LVN Group có thể cho tôi biết về việc xóa thế chấp sổ đỏ mất bao lâu?"
    got = understand(knowledge, question)
    assert (got.kind, got.procedure_id, got.aspect) == ("procedure", "dat-dai.xoa-the-chap", "time")


def test_close_names_the_whole_message_cannot_tell_apart_stay_a_choice(knowledge) -> None:
    # Real message (real/fresh2): removing and registering a temporary residence read alike in
    # their whole texts too, so the citizen picks.
    question = "Tôi muốn hỏi về cách xóa đăng ký tạm trú hiện nay có những cách nào? Tôi có thể thực hiện trực tuyến được không?"
    got = understand(knowledge, question)
    assert got.kind == "ambiguous"
    assert got.choices[:2] == ("cu-tru.xoa-tam-tru", "cu-tru.tam-tru")


def test_a_story_that_favours_the_rival_decisively_offers_it_first(knowledge) -> None:
    # Real message (real/fresh2): "giấy khai sinh" names birth registration best, but the story (a
    # lost certificate to be made again) is re-registration's, by far, so that choice comes first.
    story = (
        "Mẹ tôi bị mất giấy khai sinh nhưng không biết phải tiến hành thủ tục xin cấp lại như thế nào. "
        "Rất mong các chuyên viên tư vấn giúp tôi quy trình làm lại giấy khai sinh cho mẹ tôi."
    )
    got = understand(knowledge, story)
    assert got.kind == "ambiguous"
    assert got.choices == ("ho-tich.khai-sinh-lai", "ho-tich.khai-sinh")
    assert got.procedure_id == "ho-tich.khai-sinh-lai"


def test_a_few_words_are_too_little_for_the_whole_text_to_decide(knowledge) -> None:
    got = understand(knowledge, "khai tu online")
    assert got.kind == "ambiguous"
    assert {"lien-thong.khai-tu", "ho-tich.khai-tu"} <= set(got.choices)

"""Turn catalogue entries into answers that fit one phone screen.

The first answer to a question is short: the situation the citizen told (if the entry knows it),
a direct answer to the question's form (Có/Không, the figure, the time), the asked part in whole
sentences, at most three key lines (where, how long, how much), one short source line and the
complaint offer. Every other part is one button away and is shown alone, in full, never cut inside
a sentence. Legal citations live only behind the legal-basis button.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from bot import callbacks as cb
from bot.catalogue import Procedure, Situation
from bot.glossary import Glossary
from bot.question_form import Form, asks_about_money, asks_if_free
from bot.replies import MESSAGE_LIMIT, Button, esc
from bot.textnorm import fold

ASPECT_LABELS = {
    "documents": "Giấy tờ cần chuẩn bị",
    "fees": "Lệ phí",
    "time": "Thời gian giải quyết",
    "where": "Nơi nộp hồ sơ",
    "online": "Nộp trực tuyến",
    "legal_basis": "Căn cứ pháp lý",
}
ASPECT_BUTTONS = {
    "documents": "📄 Giấy tờ",
    "fees": "💰 Lệ phí",
    "time": "⏱ Thời gian",
    "where": "📍 Nơi nộp",
    "online": "🌐 Trực tuyến",
    "legal_basis": "⚖️ Căn cứ pháp lý",
}
ORDER = ("documents", "time", "fees", "where", "online", "legal_basis")
KEY_PARTS = ("where", "time", "fees")
KEY_ICONS = {"where": "📍", "time": "⏱", "fees": "💰"}
FIRST_LIMIT = 900  # characters of a first answer: one phone screen
KEY_CHARS = 90  # a key line is a glance, not a paragraph
COMPLAINT_BUTTON = "📣 Phản ánh"
COMPLAINT_LINE = "Gặp khó khăn khi làm thủ tục này? Bấm <b>📣 Phản ánh</b>."
# Opens the line saying a first answer left items of the asked part out ("… còn 3 mục nữa").
MORE_MARKER = "<i>… còn "
CHANNEL_NAMES = {
    "DVCQG": "Cổng Dịch vụ công quốc gia",
    "VNeID": "ứng dụng VNeID",
    "Cổng DVC tỉnh": "Cổng Dịch vụ công của tỉnh, thành phố",
}

# A legal citation: a numbered act ("Nghị định 123/2015/NĐ-CP", "TT 73/2024/TT-BTC"), a named law
# with its year, or an article. Used to keep citations out of every part but the legal basis.
_ACT = r"(?:Luật|Bộ luật|Nghị định|Nghị quyết|Thông tư|Quyết định|Chỉ thị|Công văn|TT|NĐ|QĐ|NQ)"
_NUMBER = r"\d[\d.]*/\d{4}(?:/[A-ZĐ0-9-]+)?"
_CITED = re.compile(rf"{_ACT}\s+(?:số\s+)?{_NUMBER}|\d[\d.]*/\d{{4}}/[A-ZĐ]|Luật [^,;.()]*?\d{{4}}|Điều \d+")
_CITING_PAREN = re.compile(r"\s*\([^()]*\)")
_INLINE = re.compile(rf"\s*(?:theo|tại|của|do|bởi)\s+{_ACT}\s+(?:số\s+)?{_NUMBER}(?:\s+(?:sửa đổi|bổ sung)[^,;.()]*)?")
_BARE = re.compile(rf"\s*{_ACT}\s+(?:số\s+)?{_NUMBER}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ0-9\"“(])")
_MONEY = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+)(\s*đồng(?:/[^\W\d]+)?)")
_FEE_WORD = re.compile(r"^(?:Lệ phí|Phí)\s+(?=\d)")
_FREE_START = re.compile(r"^(miễn|không thu|không mất|không phải nộp)", re.I)


def strip_citations(text: str) -> str:
    """The text without legal citations: parentheses that cite are dropped, inline ones too."""

    def paren(match: re.Match[str]) -> str:
        return "" if _CITED.search(match.group(0)) else match.group(0)

    text = _CITING_PAREN.sub(paren, text)
    # "Lệ phí theo Thông tư 28/2026/TT-BTC; mức..." still has to say that a rule sets it.
    text = _INLINE.sub(lambda m: " theo quy định" if m.group(0).strip().startswith("theo") else "", text)
    text = _BARE.sub("", text)
    text = re.sub(r"\s+([,;.:])", r"\1", text)
    text = re.sub(r"([,;:])(?=[.;,])", "", text)
    return " ".join(text.split()).strip(" ;,")


def split_sentences(text: str) -> list[str]:
    """Sentences of a catalogue field (they end with . ! ? and the next one starts with a capital)."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _short(text: str, limit: int = KEY_CHARS) -> str:
    """A key line: the first sentence, else its first clause, else without asides; cut last."""
    first = split_sentences(strip_citations(text))[0] if text.strip() else ""
    if len(first) > limit:
        clause = first.split("; ")[0]
        # A clause cut inside "( ... ; ... )" would leave the bracket open: drop the asides instead.
        first = clause if clause.count("(") == clause.count(")") else _CITING_PAREN.sub("", first)
    if len(first) > limit:
        first = _CITING_PAREN.sub("", first)
    if len(first) > limit:
        cut = first[: limit - 1].rsplit(" ", 1)[0]
        first = cut.rstrip(",;:") + "…"
    return first.rstrip(".;:,") + ("" if first.endswith("…") else ".")


# -- the parts, as lists of plain-text items ----------------------------------------------------------


def online_text(proc: Procedure) -> str:
    """How to file without the desk, in plain words (post is not online)."""
    online = proc.online
    names = [CHANNEL_NAMES.get(c, c) for c in online.channels]
    where = " hoặc ".join(names)
    if not names:
        text = "Chưa nộp trực tuyến được; nộp trực tiếp tại nơi tiếp nhận."
    elif online.fully_online:
        text = f"Có: nộp và nhận kết quả hoàn toàn trực tuyến trên {where}."
    else:
        text = f"Có, một phần: nộp hồ sơ trực tuyến trên {where}; một số bước vẫn phải làm trực tiếp."
    if online.by_post:
        text += " Cũng có thể gửi hồ sơ qua bưu chính."
    return f"{text} {online.note}" if online.note else text


def part_items(proc: Procedure, aspect: str) -> list[str]:
    """The part `aspect` of `proc` as whole items (plain text): list entries or sentences."""
    if aspect == "documents":
        return [strip_citations(d) for d in proc.documents]
    if aspect == "legal_basis":
        return list(proc.legal_basis)
    text = {
        "time": proc.processing_time,
        "fees": proc.fees,
        "where": proc.agency,
        "online": online_text(proc),
    }[aspect]
    sentences = split_sentences(strip_citations(text))
    if sentences and not sentences[-1].endswith((".", "!", "?", "…", ")", "”", '"')):
        sentences[-1] += "."  # a field written as a phrase still reads as a finished sentence
    return sentences


def _item_lines(aspect: str, items: list[str]) -> list[str]:
    if aspect in ("documents", "legal_basis"):
        return [f"• {esc(item)}" for item in items]
    return [esc(" ".join(items))] if items else []


def _notes_line(proc: Procedure) -> str | None:
    return f"💡 <b>Lưu ý:</b> {esc(strip_citations(proc.notes))}" if proc.notes else None


# Said under every entry not fully checked (`verified: partial`), so the citizen knows how sure it is.
PARTIAL_NOTE = "Một số thông tin chưa đối chiếu được đầy đủ; xem bảng niêm yết hoặc hỏi bộ phận một cửa trước khi nộp."


def _partial(proc: Procedure) -> list[str]:
    return [f"<i>{PARTIAL_NOTE}</i>"] if proc.verified == "partial" else []


def source_line(proc: Procedure) -> str:
    """One short line: where the facts come from and when they were checked."""
    url = re.search(r"https?://[^\s;,)]+", proc.source)
    origin = urlparse(url.group(0)).netloc.removeprefix("www.") if url else proc.source.split(";")[0].strip()
    if len(origin) > 50:
        origin = origin[:49].rsplit(" ", 1)[0] + "…"
    code = f", thủ tục {proc.code}" if proc.code else ""
    return f"<i>Nguồn: {esc(origin)}{esc(code)} · kiểm tra {proc.updated:%d/%m/%Y}</i>"


# -- situations and direct answers --------------------------------------------------------------------


MAX_GAP = 3  # words a citizen may put inside a situation phrase ("giấy khai sinh của con bị sai")


def _told(phrase: list[str], words: list[str]) -> bool:
    """Whether `phrase` occurs in `words` in order, with at most `MAX_GAP` extra words inside."""
    for start, word in enumerate(words):
        if word != phrase[0]:
            continue
        position, gap = start, 0
        for wanted in phrase[1:]:
            nxt = next((i for i in range(position + 1, len(words)) if words[i] == wanted), None)
            if nxt is None:
                break
            gap += nxt - position - 1
            position = nxt
        else:
            if gap <= MAX_GAP:
                return True
    return False


@dataclass(frozen=True)
class SituationCues:
    """A procedure's situation phrases as words, with the words of its name and aliases: what
    `find_situation` compares a message with, read once per catalogue rather than per message."""

    entry_words: frozenset[str]
    phrases: tuple[tuple[Situation, tuple[str, ...]], ...]


def _words_of(text: str, expand: Callable[[str], str] | None) -> list[str]:
    folded = fold(text)
    return (expand(folded) if expand else folded).split()


def situation_cues(proc: Procedure, expand: Callable[[str], str] | None = None) -> SituationCues:
    """`proc`'s situation phrases read as `find_situation` reads them (with `expand`, the lexicon's)."""
    entry_words = frozenset(w for phrase in (proc.name, *proc.aliases) for w in _words_of(phrase, expand))
    phrases = tuple((s, tuple(_words_of(phrase, expand))) for s in proc.situations for phrase in s.phrases)
    return SituationCues(entry_words, phrases)


def find_situation(
    proc: Procedure, question: str, expand: Callable[[str], str] | None = None, cues: SituationCues | None = None
) -> Situation | None:
    """The situation of `proc` the message tells, by its phrases (diacritics and case ignored).

    The procedure is already chosen here, so a phrase also counts when only its own words (those
    not in the entry's name and aliases, at least two) are told: "làm căn cước cho mẹ 85 tuổi nằm
    một chỗ" tells "nằm một chỗ làm căn cước" in another order. `expand` (the lexicon's) reads
    abbreviations and synonyms on both sides: "gks" tells a phrase that says "giấy khai sinh".
    `cues`, when given, is `situation_cues(proc, expand)` read beforehand.
    """
    cues = cues or situation_cues(proc, expand)
    words = _words_of(question, expand)
    entry_words = cues.entry_words
    best: tuple[int, Situation] | None = None
    for situation, phrase_words in cues.phrases:
        key = list(phrase_words)
        own = [w for w in key if w not in entry_words]
        # "xin giấy … để kết hôn" is told as well by "bắt nộp giấy … để kết hôn": a long phrase
        # counts without its opening verb.
        told = (
            _told(key, words)
            or (len(key) >= 5 and _told(key[1:], words))
            or (len(own) >= 2 and _told(own, words))
        )
        if key and told and (best is None or len(key) > best[0]):
            best = (len(key), situation)
    return best[1] if best else None


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _reduced(match: re.Match[str], kept_percent: int) -> str:
    return _money(int(match.group(1).replace(".", "")) * kept_percent // 100) + match.group(2)


def _reduction_active(proc: Procedure, today: dt.date | None) -> bool:
    reduction = proc.fee_reduction
    return reduction is not None and (today is None or today <= reduction.until)


def fee_lead(proc: Procedure, today: dt.date | None) -> tuple[str, set[int]]:
    """How much: the figure first (computed when a reduction applies, with until when).

    Returns the lead (HTML) and the indexes of the fee sentences it already says.
    """
    sentences = part_items(proc, "fees")
    reduction = proc.fee_reduction
    if _reduction_active(proc, today) and reduction is not None and reduction.who is None:
        for index, sentence in enumerate(sentences):
            clause = sentence.split("; ")[0]
            amounts = _MONEY.findall(clause)
            if not amounts:
                continue
            reduced = _MONEY.sub(lambda m, k=100 - reduction.percent: _reduced(m, k), clause).rstrip(".")
            normal = ", ".join(a[0] for a in amounts)
            lead = (
                f"<b>{esc(reduced)}</b> (đã giảm {reduction.percent}%, áp dụng đến hết "
                f"{reduction.until:%d/%m/%Y}; mức thường: {esc(normal)} đồng)."
            )
            return lead, {index}
    lead, used = "", set()
    for index, sentence in enumerate(sentences):
        if _FREE_START.match(sentence) and index == 0:
            lead = (
                f"<b>Không mất tiền</b> — {esc(sentence)}"
                if len(sentences) > 1 or "khi" in sentence
                else (f"<b>Không mất tiền.</b> {esc(sentence)}")
            )
            used = {index}
            break
        sentence = _FEE_WORD.sub("", sentence)  # "Phí 8.000 đồng/bản": the figure itself comes first
        money = _MONEY.search(sentence)
        if money:
            if sentence.startswith(money.group(0)):
                lead = f"<b>{esc(money.group(0))}</b>{esc(sentence[len(money.group(0)) :])}"
            else:
                lead = f"<b>{esc(money.group(0))}</b> — {esc(sentence)}"
            used = {index}
            break
    if not lead:
        first = sentences[0] if sentences else ""
        lead = f"<b>Chưa có con số cố định trong dữ liệu của trợ lý</b> — {esc(first)}"
        used = {0}
    if _reduction_active(proc, today) and reduction is not None and reduction.who:
        what = "được miễn" if reduction.percent == 100 else f"được giảm {reduction.percent}%"
        lead += f" Đến hết {reduction.until:%d/%m/%Y}, {esc(reduction.who)} {what}."
        used |= {i for i, s in enumerate(sentences) if f"{reduction.until:%m/%Y}" in s}
    return lead, used


def _fee_kind(proc: Procedure) -> str:
    """free, paid or depends: what a yes/no question about money can say."""
    sentences = part_items(proc, "fees")
    if not sentences:
        return "depends"
    if _FREE_START.match(sentences[0]):
        conditional = re.search(r"\b(khi|quá hạn|trừ|nếu)\b", sentences[0])
        extras_only = all("bản sao" in s for s in sentences[1:])  # "xin thêm bản sao: 8.000 đồng"
        return "depends" if conditional or not extras_only else "free"
    return "paid" if _MONEY.search(sentences[0]) else "depends"


def _document_asked(proc: Procedure, question: str) -> tuple[str, str] | None:
    """("Có"|"Không", the item) when the question names one of the documents."""
    folded = fold(question)
    own = fold(proc.name)  # "giấy xác nhận..." in a question about that very paper names the procedure
    words = [w for w in folded.split() if len(w) > 1]
    best: tuple[int, str] | None = None
    for item in proc.documents:
        key = fold(item)
        # Count the question's 3-word runs found in the item: "giay xac nhan tinh trang hon nhan".
        trigrams = (" ".join(words[i : i + 3]) for i in range(len(words) - 2))
        runs = sum(1 for run in trigrams if run in key and run not in own)
        if runs and (best is None or runs > best[0]):
            best = (runs, item)
    if best is None:
        return None
    item = strip_citations(best[1])
    answer = "Không" if re.match(r"^(không|không phải|không cần)\b", item, re.I) else "Có"
    return answer, item


def direct_lead(
    proc: Procedure, aspect: str | None, form: Form, question: str, today: dt.date | None
) -> tuple[str | None, str | None, set[int]]:
    """The opening that answers the question's form, the part it speaks for, and that part's items it says."""
    lead, used = _direct_lead(proc, aspect, form, question, today)
    money = form == "how_much" or (
        form == "yes_no" and (aspect == "fees" or (aspect is None and asks_about_money(question)))
    )
    covered = "fees" if money else "time" if form == "how_long" else aspect
    return lead, covered, used


def _direct_lead(
    proc: Procedure, aspect: str | None, form: Form, question: str, today: dt.date | None
) -> tuple[str | None, set[int]]:
    """The opening, and the items it already says of the part it speaks for (see `direct_lead`)."""
    if form == "yes_no" and aspect is None and asks_about_money(question):
        aspect = "fees"  # "sang tên cho con có mất thuế không": a question about money
    if form == "how_much" or (form == "yes_no" and aspect == "fees"):
        lead, used = fee_lead(proc, today)
        if form == "how_much":
            return lead, used
        kind = _fee_kind(proc)
        if kind == "depends":
            first = part_items(proc, "fees")[:1]
            return f"<b>Tùy trường hợp:</b> {esc(first[0]) if first else ''}", {0}
        yes = "<b>Có.</b>" if (kind == "free") == asks_if_free(question) else "<b>Không.</b>"
        if kind == "free":
            return f"{yes} {esc(part_items(proc, 'fees')[0])}", {0}
        return f"{yes} {lead}", used
    if form == "how_long":
        items = part_items(proc, "time")
        return (f"⏱ <b>{esc(items[0])}</b>", {0}) if items else (None, set())
    if form != "yes_no":
        return None, set()
    if aspect == "online":
        online = proc.online
        if not online.channels:
            how = "trực tiếp hoặc gửi qua bưu chính" if online.by_post else "trực tiếp"
            return f"<b>Không.</b> Thủ tục này chưa nộp trực tuyến được; phải nộp {how}.", {0, 1}
        if online.fully_online:
            return "<b>Có.</b> Nộp và nhận kết quả hoàn toàn trực tuyến được.", {0}
        return "<b>Có</b>, nộp hồ sơ trực tuyến được, nhưng một số bước vẫn phải làm trực tiếp.", {0}
    if aspect == "where" and re.search(r"\b(phuong|xa)\b", fold(question)):
        if proc.at_ward:
            return f"<b>Có.</b> Nộp tại {esc(_short(proc.agency))}", set()
        return f"<b>Không.</b> Thủ tục này không nộp tại phường, xã: {esc(_short(proc.agency))}", set()
    if aspect == "time" and re.search(r"\b(trong ngay|ngay|lien|luon)\b", fold(question)):
        items = part_items(proc, "time")
        same_day = bool(items) and fold(items[0]).startswith(("trong ngay", "ngay"))
        return f"<b>{'Có' if same_day else 'Không'}.</b> {esc(items[0]) if items else ''}", {0}
    if aspect == "documents" or aspect is None:
        asked = _document_asked(proc, question)
        if asked:
            return f"<b>{asked[0]}.</b> {esc(asked[1])}", set()
        if aspect == "documents":
            return (
                "<b>Tùy trường hợp:</b> giấy này không có trong danh sách phải nộp dưới đây; cán bộ đòi thêm "
                "giấy ngoài danh sách thì bạn có quyền hỏi căn cứ hoặc phản ánh.",
                set(),
            )
    rule = split_sentences(strip_citations(proc.notes))[0] if proc.notes else None
    return (f"<b>Tùy trường hợp:</b> {esc(rule)}" if rule else "<b>Tùy trường hợp:</b> xem thông tin dưới đây."), set()


# -- messages -----------------------------------------------------------------------------------------


def procedure_answer(
    proc: Procedure,
    aspect: str | None,
    *,
    question: str = "",
    form: Form = "open",
    today: dt.date | None = None,
    glossary: Glossary | None = None,
    desk: str | None = None,
    situation: Situation | None = None,
) -> str:
    """The first answer about `proc`: at most `FIRST_LIMIT` characters, the asked part first.

    `desk` is the one-stop desk of a ward the question named (address, hours), shown first among
    the key lines. `situation` is the one the message tells, as the caller read it with the
    lexicon (`bot.qa.show_procedure`); it leads the answer.
    """
    glossary = glossary or Glossary()
    asked = aspect or "documents"
    head = [f"<b>{esc(proc.name)}</b>"]
    if not proc.at_ward:
        head.append(f"⚠️ <b>Không nộp tại phường, xã.</b> Nơi nộp: {esc(_short(proc.agency))}")
    if situation:
        head.append(f"👉 {esc(situation.advice)}")
    lead, covered, used = direct_lead(proc, aspect, form, question, today) if question else (None, None, set())
    if lead is None and asked == "fees":
        (lead, used), covered = fee_lead(proc, today), "fees"  # the figure first, reduced when it applies
    if covered != asked:
        used = set()  # the opening spoke of another part: the asked part is shown whole
    if lead and not (situation and form == "yes_no" and aspect in (None, "documents")):
        head.append(lead)
    items = [item for index, item in enumerate(part_items(proc, asked)) if index not in used]
    keys = [
        f"{KEY_ICONS[a]} {ASPECT_LABELS[a]}: {esc(_short(_key_source(proc, a)))}"
        for a in KEY_PARTS
        if a != asked and not (a == "where" and not proc.at_ward)  # the warning above says where
    ]
    if desk:
        keys = [f"🏢 {esc(desk)}", *keys][:3]  # still at most three key lines
    tail = [source_line(proc), *_partial(proc), COMPLAINT_LINE]
    notes = _notes_line(proc) if asked == "documents" else None

    def compose(count: int, key_count: int, with_notes: bool) -> str:
        lines = list(head)
        shown = items[:count]
        if shown:
            lines += ["", f"<b>{ASPECT_LABELS[asked]}:</b>", *_item_lines(asked, shown)]
        if count < len(items):
            lines.append(f"{MORE_MARKER}{len(items) - count} mục nữa: bấm {ASPECT_BUTTONS[asked]}.</i>")
        if with_notes and notes:
            lines.append(notes)
        if key_count:
            lines += ["", *keys[:key_count]]
        lines += ["", *tail]
        return "\n".join(lines)

    # As many items of the asked part as fit (with the notes if they fit too); key lines give way
    # before the asked part shrinks below a few items.
    for key_count in range(len(keys), -1, -1):
        least = min(len(items), 3) if key_count else 0
        for count in range(len(items), least - 1, -1):
            for with_notes in (True, False):
                raw = compose(count, key_count, with_notes)
                # Spelling out only lengthens a text: one already too long needs no second look.
                if len(raw) <= FIRST_LIMIT and len(text := glossary.apply(raw)) <= FIRST_LIMIT:
                    return text
    return glossary.apply(compose(0, 0, False))


def _key_source(proc: Procedure, aspect: str) -> str:
    return {"where": proc.agency, "time": proc.processing_time, "fees": proc.fees}[aspect]


def part_answer(proc: Procedure, aspect: str, glossary: Glossary | None = None) -> str:
    """One part of `proc` alone and in full (a button press): whole items, within one message."""
    glossary = glossary or Glossary()
    lines = [f"<b>{esc(proc.name)}</b>", f"<b>{ASPECT_LABELS[aspect]}:</b>"]
    lines += _item_lines(aspect, part_items(proc, aspect))
    if aspect == "documents" and proc.notes:
        lines += ["", _notes_line(proc) or ""]
    if aspect == "where" and not proc.at_ward:
        lines.append("<i>Thủ tục này không nộp tại phường, xã.</i>")
    if aspect == "legal_basis":
        lines += ["", f"<i>Nguồn: {esc(proc.source)}</i>", f"<i>Thông tin kiểm tra ngày {proc.updated:%d/%m/%Y}.</i>"]
    else:
        lines += ["", source_line(proc)]
    lines += _partial(proc)
    text = glossary.apply("\n".join(lines))
    if len(text) > MESSAGE_LIMIT:  # never cut a sentence: drop whole trailing items instead
        kept = lines[:]
        while len(glossary.apply("\n".join(kept))) > MESSAGE_LIMIT - 80:
            kept.pop(-3)
        text = glossary.apply("\n".join([*kept, "<i>(còn tiếp: xem đầy đủ trên Cổng Dịch vụ công quốc gia)</i>"]))
    return text


def aspect_buttons(
    proc: Procedure, shown: str | None, complaint_first: bool = False, *, shown_in_full: bool = True
) -> list[Button]:
    """Buttons for every other part of the same procedure and the complaint offer.

    The part shown keeps its button when the answer showed only some of its items, since the
    answer tells the citizen to press it for the rest. The complaint comes first when the citizen
    told of a demand that breaks the rules.
    """
    shown = shown or "documents"
    buttons = [Button(ASPECT_BUTTONS[a], cb.build("a", a, proc.id)) for a in ORDER if a != shown or not shown_in_full]
    complaint = Button(COMPLAINT_BUTTON, cb.build("x", proc.id))
    return [complaint, *buttons] if complaint_first else [*buttons, complaint]

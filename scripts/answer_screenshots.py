"""Screenshots of typical answers as a phone shows them in Telegram (docs/answer-*.png).

Renders the real replies of the assistant into an HTML mock of a Telegram chat (390 px wide, the
width of a common phone) and photographs it with headless Chromium:

    python scripts/answer_screenshots.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import html
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import load, make_assistant  # noqa: E402
from bot.complaints.store import Store  # noqa: E402
from bot.conversation import Incoming  # noqa: E402

QUESTIONS = {
    "answer-documents": "làm giấy khai sinh cho cháu cần gì",
    "answer-fee": "làm lại căn cước hết bao nhiêu tiền",
    "answer-situation": "cán bộ bắt nộp giấy xác nhận độc thân để kết hôn",
    "answer-near-miss": "dat khai hoang khong co giay to gi co lam so duoc khong",
    "answer-story": "Con rể đã ly hôn và dọn đi lâu rồi, chủ hộ có đề nghị xóa thường trú cho nó được không?",
    "answer-story-choices": (
        "Xin chào Luật Khai Nguyên, sắp tới tôi có ý định xây dựng một căn nhà thuộc khu vực nông thôn của Hà Nội, "
        "vậy việc tô xây dựng nhà ở nông thôn có cần xin phép không? Và nếu có thì thủ tục như thế nào?"
    ),
    "answer-praise": "Cán bộ một cửa phường tôi làm việc rất chu đáo, niềm nở với dân, tôi rất hài lòng.",
    "answer-sold-house": "Nhà tôi bán rồi mà chưa chuyển hộ khẩu đi, giờ có bị xóa thường trú không ạ?",
    "answer-close-names": "Cho tôi hỏi về việc xóa thế chấp sổ đỏ ở phường mất bao lâu?",
}
STYLE = """
body { margin:0; width:390px; background:#a8c58f; font:15px/1.38 -apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif,'Noto Color Emoji'; }
.bar { background:#517da2; color:#fff; padding:12px 14px; font-weight:600; }
.chat { padding:10px 8px 14px; }
.me { margin:0 0 8px auto; max-width:78%; background:#effdde; border-radius:12px 12px 4px 12px; padding:7px 10px; width:fit-content; }
.bot { max-width:92%; background:#fff; border-radius:12px 12px 12px 4px; padding:7px 10px; white-space:pre-wrap; word-wrap:break-word; }
.kb { max-width:92%; margin-top:4px; }
.kb .row { display:flex; gap:4px; margin-top:4px; }
.kb .row div { flex:1; background:rgba(0,0,0,.22); color:#fff; border-radius:8px; padding:7px 4px; text-align:center; font-size:13.5px; }
.meta { font-size:11px; color:#6b8; }
"""


def page(question: str, reply) -> str:
    # Row by row, as Telegram lays out an inline keyboard.
    buttons = "".join(
        "<div class=row>" + "".join(f"<div>{html.escape(b.label)}</div>" for b in row) + "</div>" for row in reply.buttons
    )
    return (
        f"<!doctype html><meta charset=utf-8><style>{STYLE}</style>"
        f"<div class=bar>Trợ lý Một cửa</div><div class=chat>"
        f"<div class=me>{html.escape(question)}</div>"
        f"<div class=bot>{reply.text}</div><div class=kb>{buttons}</div></div>"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    loaded = load(ROOT / "config.yaml")
    assistant = make_assistant(loaded, Store(":memory:"))
    with tempfile.TemporaryDirectory() as tmp:
        for name, question in QUESTIONS.items():
            (reply, *_rest) = assistant.handle(Incoming(f"shot:{name}", text=question))
            source = Path(tmp) / f"{name}.html"
            source.write_text(page(question, reply), encoding="utf-8")
            target = ROOT / "docs" / f"{name}.png"
            height = 150 + 21 * (reply.text.count("\n") + len(reply.text) // 40) + 58 * len(reply.buttons)
            subprocess.run(
                [
                    args.chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--no-first-run",
                    "--hide-scrollbars",
                    f"--window-size=390,{height}",
                    f"--screenshot={target}",
                    source.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
            print(target.relative_to(ROOT), len(reply.text), "characters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

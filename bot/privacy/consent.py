"""The notice a citizen reads before sharing name and phone, and its version.

Consent under Law 91/2025/QH15 must be informed, specific and explicit: the notice says what is
collected, for what, who sees it, how long it is kept and what the citizen may do, and only a
pressed "Tôi đồng ý" counts. The version recorded with each consent is derived from the exact
text, so a change of wording or of the retention period is a new version without anyone having
to remember to bump a number.
"""

from __future__ import annotations

import hashlib

from bot.config import Config

NOTICE_SERIES = "v1"


def notice(config: Config) -> str:
    """The consent notice (HTML subset), with the deployment's retention period."""
    months = config.retention.identity_months
    return (
        "🔐 <b>Trước khi bạn cung cấp danh tính</b>\n"
        "• <b>Thu thập</b>: họ tên và số điện thoại bạn nhập ở bước sau.\n"
        "• <b>Mục đích</b>: chỉ để đơn vị xử lý liên hệ với bạn về phản ánh này.\n"
        "• <b>Ai xem</b>: cán bộ được phân công của phường hoặc đơn vị cấp trên nhận phản ánh.\n"
        f"• <b>Lưu bao lâu</b>: đến {months} tháng sau khi phản ánh kết thúc, sau đó bị xóa.\n"
        "• <b>Quyền của bạn</b>: xem, rút đồng ý (phản ánh trở lại ẩn danh) hoặc xóa dữ liệu "
        "bất cứ lúc nào bằng lệnh /dulieu (Luật Bảo vệ dữ liệu cá nhân 2025).\n"
        "Không đồng ý thì phản ánh vẫn được gửi, <b>ẩn danh</b>."
    )


def version(config: Config) -> str:
    """The version of the notice as shown: series plus a digest of its text."""
    digest = hashlib.sha256(notice(config).encode("utf-8")).hexdigest()[:8]
    return f"{NOTICE_SERIES}-{digest}"

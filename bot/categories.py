"""Complaint categories, from the conduct the law forbids (Luật Cán bộ, công chức 2025 art. 14;
the one-stop rules of NĐ 118/2025). Ids are stable: the database, config and commitments use them."""

from __future__ import annotations

CATEGORY_LABELS: dict[str, str] = {
    "tho-o": "Thờ ơ, vô cảm",
    "hach-dich": "Hách dịch, cửa quyền",
    "phien-ha": "Gây phiền hà, sách nhiễu",
    "doi-tien": "Đòi tiền, nhũng nhiễu",
    "giay-to-ngoai-quy-dinh": "Yêu cầu giấy tờ ngoài quy định",
    "tre-hen": "Trễ hẹn không xin lỗi",
    "vang-mat": "Vắng mặt, sai giờ làm việc",
    "dun-day": "Đùn đẩy trách nhiệm",
    "khac": "Khác",
}
COMPLAINT_CATEGORIES = tuple(CATEGORY_LABELS)

"""Who must handle a complaint, and who may act on it.

Routing rules (in this order):
1. A complaint about the ward's leadership (chủ tịch, phó chủ tịch, lãnh đạo phường named in the
   official field or the description), or in a category the config marks sensitive (đòi tiền /
   nhũng nhiễu by default), goes to the ward's supervisory unit, never to the ward itself.
   A complaint whose text tells of money demanded ("đòi 500 nghìn mới ký", "bồi dưỡng", "quỹ phúc
   lợi") goes there too, as đòi tiền, whatever category the citizen picked (the case module records
   it so): a complaint of extortion must never reach the unit it accuses.
2. Otherwise it goes to the ward.
A route is resolved to a chat only when a message is delivered: a ward without a Telegram group
falls back to its supervisory unit's group, so nothing is ever sent nowhere.

Authorisation: a ward action is accepted from a user listed in `staff_ids` of the unit the case is
routed to; when that unit lists no staff, from any member of its group. The supervisory unit of a
ward may always act on that ward's cases the same way (it receives them when the ward's group is
unreachable, and it oversees them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import Config
from bot.textnorm import fold

_LEADERSHIP = re.compile(r"\b(pho chu tich|chu tich|lanh dao phuong|lanh dao xa|bi thu)\b")


@dataclass(frozen=True)
class Route:
    """Where a case goes: `kind` is "ward" or "supervisor"."""

    kind: str
    id: str
    sensitive: bool = False
    reason: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Route:
        kind, _, ident = key.partition(":")
        return cls(kind, ident)


def names_leadership(*texts: str | None) -> bool:
    """True when a text names the ward's leadership."""
    return any(_LEADERSHIP.search(fold(t)) for t in texts if t)


MONEY_REASON = "phản ánh có nội dung đòi tiền"


def route_for(
    config: Config,
    ward_code: str,
    category: str,
    official: str | None,
    description: str,
    money_demanded: bool = False,
) -> Route:
    """Apply the routing rules to a new complaint."""
    ward = config.ward(ward_code)
    if ward is None:
        raise ValueError(f"unknown ward {ward_code}")
    if names_leadership(official, description):
        return Route("supervisor", ward.supervisor, True, "liên quan lãnh đạo phường")
    if category in config.complaints.sensitive_categories:
        return Route("supervisor", ward.supervisor, True, "loại phản ánh nhạy cảm")
    if money_demanded:
        return Route("supervisor", ward.supervisor, True, MONEY_REASON)
    return Route("ward", ward.code)


def unit_name(config: Config, route_key: str) -> str:
    """The unit's official name for a route key."""
    route = Route.parse(route_key)
    if route.kind == "ward":
        ward = config.ward(route.id)
        return ward.name if ward else route.id
    supervisor = config.supervisor(route.id)
    return supervisor.name if supervisor else route.id


def chat_for(config: Config, route_key: str, registered: dict[str, int]) -> int | None:
    """The chat that receives a route's messages: the unit's group, else its supervisor's, else None.

    `registered` holds groups registered at run time (route key -> chat id); they win over config.
    """
    route = Route.parse(route_key)
    if route.kind == "ward":
        ward = config.ward(route.id)
        if ward is None:
            return None
        chat = registered.get(route_key) or ward.chat_id
        return chat or chat_for(config, f"supervisor:{ward.supervisor}", registered)
    supervisor = config.supervisor(route.id)
    if supervisor is None:
        return None
    return registered.get(route_key) or supervisor.chat_id


def channel_int(key: str | None) -> int | None:
    """The number in a channel-qualified id ("tg:-100123" -> -100123), None if there is none."""
    tail = (key or "").rsplit(":", 1)[-1]
    return int(tail) if tail.lstrip("-").isdigit() else None


def route_falls_back(config: Config, route_key: str, registered: dict[str, int]) -> bool:
    """True when a ward has no group of its own and borrows its supervisor's."""
    route = Route.parse(route_key)
    if route.kind != "ward":
        return False
    ward = config.ward(route.id)
    return ward is not None and not (registered.get(route_key) or ward.chat_id)


def staff_of(config: Config, route_key: str) -> list[int]:
    route = Route.parse(route_key)
    if route.kind == "ward":
        ward = config.ward(route.id)
        return list(ward.staff_ids) if ward else []
    supervisor = config.supervisor(route.id)
    return list(supervisor.staff_ids) if supervisor else []


def _unit_allows(
    config: Config, route_key: str, user_id: int | None, chat_id: int | None, registered: dict[str, int]
) -> bool:
    staff = staff_of(config, route_key)
    if staff:
        return user_id is not None and user_id in staff
    group = chat_for(config, route_key, registered)
    return group is not None and chat_id == group


def may_act(
    config: Config,
    route_key: str,
    user_id: int | None,
    chat_id: int | None,
    registered: dict[str, int],
    ward_code: str | None = None,
) -> bool:
    """Whether a channel user, in a given chat, may act on a case routed to `route_key`.

    `ward_code` is the ward the case is about: its supervisory unit may act too.
    """
    if _unit_allows(config, route_key, user_id, chat_id, registered):
        return True
    ward = config.ward(ward_code) if ward_code else None
    supervisor = f"supervisor:{ward.supervisor}" if ward else None
    if supervisor is None or supervisor == route_key:
        return False
    return _unit_allows(config, supervisor, user_id, chat_id, registered)

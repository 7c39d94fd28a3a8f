"""Field encryption and keyed hashes: what the store applies at the row <-> object boundary.

A sealed value is the text `enc1:` followed by a Fernet token; anything else is read back as it is
(rows written before encryption existed, until the store migrates them). Lookups by author use
`author_key`: an HMAC of the channel user id, so finding "my cases" needs the key too.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from cryptography.fernet import InvalidToken, MultiFernet

from bot.privacy.keys import DataKey, DataKeyError

PREFIX = "enc1:"


class Cipher(Protocol):
    """What the store needs to keep personal data unreadable without the key."""

    key_id: str | None

    def seal(self, text: str | None) -> str | None: ...

    def open(self, text: str | None) -> str | None: ...

    def author_key(self, user: str) -> str: ...

    def digest(self, text: str) -> str: ...


class FieldCipher:
    """Seals fields with the primary key; opens with the primary or (during rotation) older keys."""

    def __init__(self, key: DataKey, *older: DataKey) -> None:
        self.key = key
        self.key_id: str | None = key.key_id()
        self._fernet = MultiFernet([key.fernet(), *(k.fernet() for k in older)])
        self._hash_key = key.hash_key()

    def seal(self, text: str | None) -> str | None:
        if text is None or text.startswith(PREFIX):
            return text
        return PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, text: str | None) -> str | None:
        if text is None or not text.startswith(PREFIX):
            return text
        try:
            return self._fernet.decrypt(text[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DataKeyError("a stored field cannot be decrypted with this data key") from exc

    def author_key(self, user: str) -> str:
        return "h:" + self.digest(user)

    def digest(self, text: str) -> str:
        return hmac.new(self._hash_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


class PlainCipher:
    """No encryption: for a throw-away in-memory database (`python -m bot ask`, unit tests).

    A database written this way is marked unencrypted, and the store refuses to open an encrypted
    database with it.
    """

    key_id: str | None = None

    def seal(self, text: str | None) -> str | None:
        return text

    def open(self, text: str | None) -> str | None:
        return text

    def author_key(self, user: str) -> str:
        return user

    def digest(self, text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

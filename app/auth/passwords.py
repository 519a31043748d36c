"""The password rule: at least 8 characters from at least 2 character classes."""
from __future__ import annotations

import string

from flask_babel import gettext as _

MIN_LENGTH = 8
MIN_CLASSES = 2


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isascii() or c in string.punctuation or c == " " for c in password),
    ]
    return sum(classes)


def password_problem(password: str, username: str | None = None) -> str | None:
    """A Chinese message saying what is wrong, or None when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH)
    if character_classes(password) < MIN_CLASSES:
        return _("密码需包含至少两类字符（小写字母、大写字母、数字、符号）。")
    if username and password.lower() == username.lower():
        return _("密码不能与用户名相同。")
    return None

"""The password rule: at least 8 characters from at least 2 character classes, not
containing the username, and not a common password (common_passwords.txt beside this
file, its source named there). Every way a password is set — first-run setup, an
administrator creating an account, changing one's password, a generated one-time
password — goes through password_problem(). A form with a new password and its
confirmation goes through validate_new_password(), which raises AccountError at the
field to blame."""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from app.core.forms import RuleError

MIN_LENGTH = 8
MIN_CLASSES = 2
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isascii() or c in string.punctuation or c == " " for c in password),
    ]
    return sum(classes)


@cache
def common_passwords() -> frozenset[str]:
    """The list, lowercase, read once per process."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split("\n")
    return frozenset(line for line in lines if line and not line.startswith("# "))


def is_common(password: str) -> bool:
    return password.lower() in common_passwords()


def password_problem(password: str, username: str | None = None) -> str | None:
    """A Chinese message saying what is wrong, or None when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH)
    if character_classes(password) < MIN_CLASSES:
        return _("密码需包含至少两类字符（小写字母、大写字母、数字、符号）。")
    if username and username.strip() and username.strip().lower() in password.lower():
        return _("密码不能包含用户名。")
    if is_common(password):
        return _("这是常见密码，很容易被猜中，请换一个。")
    return None


class AccountError(RuleError):
    """An account rule refused the change."""


def validate_new_password(password: str, confirm: str, username: str | None) -> None:
    """A new password meets the rule and its confirmation matches it."""
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, "password")
    if password != confirm:
        raise AccountError(_("两次输入的密码不一致。"), "confirm")

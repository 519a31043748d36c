"""The one-time token that guards first-run setup.

While no account exists, the server writes a random token to instance/setup_token
(readable by the machine's owner only) and prints it on its console. Whoever can
read the console may create the first administrator; nobody else can, and no
default password ever exists.
"""

from __future__ import annotations

import hmac
import secrets
import sys
from pathlib import Path

from flask import Flask

from app.core import private_files


def _token_path(app: Flask) -> Path:
    return Path(app.instance_path) / "setup_token"


def issue_setup_token(app: Flask, announce: bool = False) -> str:
    """Create the token if there is none yet and return it. It is printed when it
    is created, and again whenever `announce` asks (the server start does)."""
    path = _token_path(app)
    # Created 0600 from its first moment (never written first and restricted after);
    # a second process starting at the same time reads the first one's token.
    created = private_files.create_private(path, secrets.token_urlsafe(18))
    private_files.tighten(path)
    token = path.read_text().strip()
    if announce or created:
        banner = "=" * 64
        print(
            f"\n{banner}\n网格通 首次设置口令 / Gridbook setup token: {token}\n"
            f"在浏览器中打开 /setup 并输入此口令以创建第一个管理员账号。\n{banner}\n",
            file=sys.stderr,
            flush=True,
        )
    return token


def setup_token_matches(app: Flask, given: str) -> bool:
    path = _token_path(app)
    if not path.exists() or not given:
        return False
    return hmac.compare_digest(path.read_text().strip(), given.strip())


def discard_setup_token(app: Flask) -> None:
    _token_path(app).unlink(missing_ok=True)

"""Uploads kept between a preview and its confirmation (the Excel imports): the
checked file waits under a random name, tied to the session that uploaded it,
and day-old files that were never confirmed are removed on the next upload. Kept
files are readable by the server's account only."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, session

from app.core.private_files import private_folder, write_private

MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept
_TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class KeptUploads:
    subfolder: str  # under UPLOAD_FOLDER
    session_key: str  # one waiting upload per session and kind
    suffix: str = ".xlsx"

    def folder(self) -> Path:
        return Path(current_app.config["UPLOAD_FOLDER"]) / self.subfolder

    def keep(self, data: bytes) -> str:
        """Store the checked file under a random name (and forget day-old ones)."""
        folder = private_folder(self.folder())
        cutoff = time.time() - MAX_AGE
        for old in folder.glob(f"*{self.suffix}"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        token = secrets.token_hex(16)
        write_private(folder / f"{token}{self.suffix}", data)
        session[self.session_key] = token
        return token

    def path(self, token: str | None) -> Path | None:
        """The kept upload, only for the session that uploaded it."""
        if not token or not _TOKEN.fullmatch(token) or session.get(self.session_key) != token:
            return None
        path = self.folder() / f"{token}{self.suffix}"
        return path if path.is_file() else None

    def forget(self, token: str) -> None:
        path = self.path(token)
        if path is not None:
            path.unlink(missing_ok=True)
        session.pop(self.session_key, None)

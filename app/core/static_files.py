"""Every link to a static file carries its content's version: `url_for("static",
filename="js/app.js")` is `/static/js/app.js?v=3f2a9c1b`.

Why: the phone's service worker answers static files from its kept copy (the page
must open without signal), and browsers keep them a day (SEND_FILE_MAX_AGE_DEFAULT).
Without a version, the first page after a deploy would run yesterday's scripts
against today's markup. With it, a changed file is a new address, fetched at once;
an unchanged one stays kept. The server ignores the query (Flask and nginx serve the
file by its path alone).

The version is the start of the file's SHA-256, computed once per file and change
of its modification time (a stat per link: a few microseconds).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app

VERSION_PARAMETER = "v"


@lru_cache(maxsize=512)
def _digest(path: str, _modified_ns: int, _size: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()[:10]


def version(filename: str) -> str | None:
    """The version of static/<filename>, None if there is no such file."""
    folder = current_app.static_folder
    if not folder:
        return None
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _add_version(endpoint: str | None, values: dict) -> None:
    if endpoint != "static" or VERSION_PARAMETER in values:
        return
    filename = values.get("filename")
    if filename:
        tag = version(filename)
        if tag:
            values[VERSION_PARAMETER] = tag


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)

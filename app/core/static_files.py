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

A file asked for with its current version never changes under that address: it goes
out with `Cache-Control: public, max-age=31536000, immutable`, so a new tab or a
restarted browser uses its copy without asking again. Any other address (no version,
an old one) keeps the one-day lifetime. Static files are the same for everyone: they
carry no session cookie and no `Vary: Cookie` (app.core.sessions).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, Response, current_app, request

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


# A year: the longest lifetime HTTP caches honour.
IMMUTABLE_SECONDS = 365 * 24 * 3600


def _cache_versioned(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename")
    asked = request.args.get(VERSION_PARAMETER)
    if filename and asked and asked == version(filename):
        response.cache_control.public = True
        response.cache_control.max_age = IMMUTABLE_SECONDS
        response.cache_control.immutable = True
        response.headers.pop("Expires", None)  # max-age says it; the day-long Expires would contradict it
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_versioned)

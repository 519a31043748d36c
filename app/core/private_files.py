"""Files of the instance (database, secret key, setup token, uploads, print cache,
binders) readable by the server's own account only.

Folders are made 0700 and files 0600 when they are created, whatever the process's
umask: a station PC's other accounts, or other services on the county's server,
cannot read residents' photos, a print of a register or the secret key. The modes
are given at creation (os.open, mkdir), never applied after writing, so there is no
moment when a file is readable by others. On Windows the modes mean little; there
the instance folder's access list decides.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600

log = logging.getLogger(__name__)

_BINARY = getattr(os, "O_BINARY", 0)


def private_folder(path: str | os.PathLike) -> Path:
    """The folder, created 0700 (each missing parent too) if it does not exist."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            pass
    return path


def tighten(path: str | os.PathLike) -> None:
    """Take group and other access away from a folder or file made before (an older
    installation), if it is ours to change; a warning in the log if it is not."""
    path = Path(path)
    if os.name != "posix":
        return
    try:
        current = path.stat().st_mode & 0o777
        if current & 0o077:
            os.chmod(path, current & ~0o077)
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("cannot make %s private: %s", path, error)


def write_private(path: str | os.PathLike, data: bytes | str) -> None:
    """Write a file that only this account can read (created 0600; an existing file
    is made 0600 before it is written)."""
    payload = data.encode() if isinstance(data, str) else data
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        if hasattr(os, "fchmod"):
            try:
                os.fchmod(descriptor, FILE_MODE)
            except OSError:
                pass  # not ours to change: written all the same
        handle.write(payload)


def create_private(path: str | os.PathLike, data: bytes | str) -> bool:
    """Create the file with `data` only if it does not exist yet (0600 from the first
    moment). False when it already existed: another process made it first."""
    payload = data.encode() if isinstance(data, str) else data
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(payload)
    return True

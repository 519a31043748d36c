"""Two people saving the same thing at the same moment, on SQLite and PostgreSQL alike.

A rule like "one household number per grid" is checked by reading before writing, so
that the person gets the rule's own message at the field. Reading first is right only
while one writer at a time is admitted: SQLite admits one (every saving request begins
with BEGIN IMMEDIATE), PostgreSQL does not, and two requests there can both read "no
such household yet" and both write. Two things make the rules hold anyway:

- **A unique constraint** behind every such rule that can be one. The second writer's
  INSERT then fails, and `ReplayingFlask` rolls the request back and runs it once more
  from the start: the rule's check now sees the first writer's row and answers with its
  own Chinese message at its field, with everything typed kept — exactly what the person
  would have seen a second later. A request is replayed at most once.
- **`serialize(key)`** for a rule no constraint can say (patrol times that must not
  overlap, at most N public reports an hour from one address): a lock held until the
  transaction ends, taken before the check, so that the second request's check waits
  for the first one's write. On PostgreSQL an advisory transaction lock; on SQLite
  nothing, since BEGIN IMMEDIATE already made the request the only writer.
"""

from __future__ import annotations

import errno
import hashlib
import logging
from typing import Any

from flask import Flask, g
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db

log = logging.getLogger(__name__)

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(error: BaseException) -> bool:
    if not isinstance(error, IntegrityError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return bool(sqlstate == UNIQUE_VIOLATION)
    return "UNIQUE constraint failed" in str(error.orig)  # sqlite3


def serialize(*key: object) -> None:
    """Until this transaction ends, be the only one holding the lock named by `key`
    (e.g. ("patrol", staff_id)); anyone asking for the same key waits."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the request is already the only writer (BEGIN IMMEDIATE)
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    db.session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": int.from_bytes(digest, "big", signed=True)})


# Where the database says it is busy or full: SQLite's messages, PostgreSQL's SQLSTATEs.
_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")
_BUSY_STATES = {"55P03", "40P01", "40001", "57014"}  # lock not available, deadlock, serialization, timeout
_FULL_MESSAGES = ("database or disk is full", "no space left on device")
_FULL_STATES = {"53100"}  # disk_full


def _sqlstate_and_message(error: BaseException) -> tuple[str | None, str]:
    original = error.orig if isinstance(error, DBAPIError) else error
    return getattr(original, "sqlstate", None), str(original).lower()


def is_busy(error: BaseException) -> bool:
    """The database could not be had in time (another long write held it)."""
    if not isinstance(error, DBAPIError):
        return False
    state, message = _sqlstate_and_message(error)
    return state in _BUSY_STATES or any(m in message for m in _BUSY_MESSAGES)


def is_disk_full(error: BaseException) -> bool:
    """The disk (the database's, or the upload folder's) has no room left."""
    if isinstance(error, OSError) and not isinstance(error, DBAPIError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    if not isinstance(error, DBAPIError):
        return False
    state, message = _sqlstate_and_message(error)
    return state in _FULL_STATES or any(m in message for m in _FULL_MESSAGES)


class ReplayingFlask(Flask):
    """Flask that runs a request once more when its writes lost a race for a unique
    constraint (see the module's docstring)."""

    def dispatch_request(self) -> Any:
        try:
            return super().dispatch_request()
        except IntegrityError as error:
            if not is_unique_violation(error) or g.get("conflict_replayed"):
                raise
            g.conflict_replayed = True
            log.info("a unique constraint refused a concurrent save; running the request again: %s", error.orig)
            db.session.rollback()
            answer = self.preprocess_request()  # the one-time form claim is made again, etc.
            if answer is not None:
                return answer
            return super().dispatch_request()

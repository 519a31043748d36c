"""Writing the audit log. Callers pass what happened; who and from where come
from the request when there is one."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from app.auth.models import AuditEvent
from app.extensions import db


def client_ip() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(
    action: str,
    *,
    target=None,
    summary: str = "",
    detail: dict | None = None,
    actor=None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the change it
    describes, so a rolled-back change leaves no misleading entry)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=actor_name or getattr(actor, "username", None),
        ip_address=client_ip(),
        action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        summary=summary,
        detail=detail,
    )
    db.session.add(event)
    return event


def record_now(action: str, **kwargs) -> AuditEvent:
    """Record and commit at once from a view that only read (an export, a look at a
    key person). The read ran in a deferred transaction, which SQLite cannot safely
    turn into a write; so end it, and write in a transaction that takes the write
    lock at BEGIN."""
    from app.core.database import write_transactions

    db.session.commit()
    with write_transactions():
        event = record(action, **kwargs)
        db.session.commit()
    return event

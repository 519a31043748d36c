"""三员分立 at the request level, and refused requests in the audit log.

- The three administrators (系统管理员, 安全管理员, 审计管理员) reach only their own
  pages: an account whose roles are all among the three is answered 404 anywhere
  else, so an audit administrator reads the audit log and nothing else.
- Grid work (app/auth/roles.py `is_grid_work`) is refused with 403 to an account
  without SEE_GRID_WORK (department handlers), every page of it, before the view runs.
- A refused request — a record of another grid (app.core.scoping marks the 404), a
  page the role may not open (any 403, or the 404 of an administrator's page) — is
  written to the audit log as access_refused, once the view is done (its own work,
  if any, is rolled back first: an aborted request saves nothing). When one account
  collects REFUSED_BURST_COUNT of them within REFUSED_BURST_MINUTES, a
  refusal_burst alert is written, which the audit administrator's page lists first
  until it is marked as read.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import func, select

from app.core.timeutil import utcnow

# Where an administrator of 三员分立 may go: the administration pages, signing in and
# out, their own password, forms kept over a timeout, and the start page.
ADMIN_DUTY_ENDPOINTS = ("admin.", "auth.", "kept_forms.")
ADMIN_DUTY_PAGES = frozenset({"static", "pwa.favicon", "home.index", "home.set_language", "home.health"})

REFUSED = "access_refused"
BURST = "refusal_burst"
ACKNOWLEDGED = "alert_acknowledged"


def refuse(code: int = 404, target_type: str | None = None, target_id: int | None = None):
    """Answer 404 (or 403) as refused for lack of scope or permission: logged after the view."""
    g.refused_access = {"target_type": target_type, "target_id": target_id}
    abort(code)


def _guard_admin_duties():
    if not current_user.is_authenticated or not current_user.has_admin_duties_only:
        return None
    endpoint = request.endpoint or ""
    if endpoint in ADMIN_DUTY_PAGES or endpoint.startswith(ADMIN_DUTY_ENDPOINTS):
        return None
    refuse(404)


def _guard_grid_work():
    from app.auth.roles import Permission, is_grid_work

    if (
        current_user.is_authenticated
        and is_grid_work(request.endpoint)
        and not current_user.can(Permission.SEE_GRID_WORK)
    ):
        refuse(403)


def _log_refusal(response):
    refused = g.pop("refused_access", None)
    if response.status_code == 403 and refused is None:
        refused = {"target_type": None, "target_id": None}
    if refused is None or response.status_code not in (403, 404):
        return response
    if not current_user.is_authenticated:
        return response
    from app.auth import audit
    from app.core.database import write_transactions
    from app.extensions import db

    db.session.rollback()  # the refused view's own work, if any, is not saved
    with write_transactions():
        audit.record(
            REFUSED,
            summary=f"{request.method} {request.path}"[:500],
            detail={"status": response.status_code, **{k: v for k, v in refused.items() if v}},
        )
        db.session.flush()
        _raise_burst_alert(current_user._get_current_object())
        db.session.commit()
    return response


def _raise_burst_alert(user) -> None:
    """One alert per account per window: past the threshold, until the window has
    moved past the last alert, further refusals only add to the count."""
    from app.auth import audit
    from app.auth.models import AuditEvent
    from app.core.conflicts import serialize
    from app.core.settings import setting
    from app.extensions import db

    serialize("refused_burst", user.id)  # one alert, however many refusals arrive at once
    threshold = setting("REFUSED_BURST_COUNT")
    minutes = setting("REFUSED_BURST_MINUTES")
    since = utcnow() - timedelta(minutes=minutes)
    count = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.actor_id == user.id, AuditEvent.action == REFUSED, AuditEvent.occurred_at >= since
        )
    )
    if count < threshold:
        return
    already = db.session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.actor_id == user.id, AuditEvent.action == BURST, AuditEvent.occurred_at >= since)
        .limit(1)
    )
    if already is None:
        from flask_babel import gettext as _

        audit.record(
            BURST,
            target=user,
            summary=_("%(m)d 分钟内 %(n)d 次越权访问被拒绝。", m=minutes, n=count),
            detail={"count": count, "minutes": minutes},
        )


def open_alerts():
    """Alerts the audit administrator has not marked as read, newest first."""
    from app.auth.models import AuditEvent
    from app.extensions import db

    read = select(AuditEvent.target_id).where(
        AuditEvent.action == ACKNOWLEDGED, AuditEvent.target_type == "audit_event"
    )
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == BURST, AuditEvent.id.not_in(read))
            .order_by(AuditEvent.id.desc())
        )
    )


def init_app(app: Flask) -> None:
    app.before_request(_guard_admin_duties)
    app.before_request(_guard_grid_work)  # after: an administrator's answer stays 404
    app.after_request(_log_refusal)

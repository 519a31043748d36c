"""The start page, language switch and a health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.i18n import LOCALE_COOKIE
from app.core.scoping import scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import count_children, coverages
from app.worklist import worklist

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    """Where the user's scope starts, with counts and the gaps to fill; for grid
    workers and stations first what there is to do today; for the administrators of
    三员分立, what waits for them."""
    if current_user.has_admin_duties_only:
        return _administrator_home()
    roots = _scope_roots()
    summaries = [(root, count_children(root)) for root in roots]
    gaps = []
    for root in roots:
        communities = (
            [root]
            if root.level == "community"
            else list(
                db.session.scalars(
                    scoped_select(Division)
                    .where(
                        Division.level == "community", Division.status == "active", Division.code.startswith(root.code)
                    )
                    .order_by(Division.code)
                )
            )
        )
        for result in coverages(communities[:50]):
            if not result.complete or result.incomplete_teams:
                gaps.append(result)
    from app.matters import inbox

    waiting = {box: n for box, n in inbox.counts(current_user).items() if n}
    return render_template(
        "home/index.html",
        summaries=summaries,
        gaps=gaps,
        waiting=waiting,
        box_labels=inbox.BOXES,
        work=worklist(current_user, local_today()),
    )


def _administrator_home():
    from app.auth import duties
    from app.auth.accounts import locked_addresses
    from app.auth.models import User
    from app.auth.roles import Permission
    from app.core.timeutil import utcnow

    awaiting = locked = addresses = alerts = None
    if current_user.can(Permission.MANAGE_ACCESS):
        awaiting = list(db.session.scalars(select(User).where(User.role.is_(None)).order_by(User.username)))
        locked = list(db.session.scalars(select(User).where(User.locked_until > utcnow()).order_by(User.username)))
        addresses = locked_addresses()
    if current_user.can(Permission.VIEW_AUDIT):
        alerts = duties.open_alerts()
    return render_template(
        "home/administrator.html", awaiting=awaiting, locked=locked, addresses=addresses, alerts=alerts
    )


def _scope_roots() -> list[Division]:
    """The highest visible nodes: what the user's tree starts from."""
    visible = list(db.session.scalars(scoped_select(Division).order_by(Division.code)))
    roots: list[Division] = []
    for node in visible:  # sorted by code, so a parent always comes before its children
        if not any(node.code.startswith(root.code) for root in roots):
            roots.append(node)
    return roots


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    target = request.form.get("next") or url_for("home.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home.index")
    response = redirect(target, code=303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LOCALE_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}

"""Each user's inboxes: the matters waiting for a step they may take. The SQL
conditions mirror workflow.is_owner / is_handler / is_checker; the detail page
still asks the state machine before offering a step."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select

from app.auth.roles import matter_level
from app.core.scoping import scoped_select, visible_division_ids
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import reference, services, workdays, workflow
from app.matters.models import Matter

BOXES = {
    "verify": _l("待核实"),
    "dispatch": _l("待派遣"),
    "handle": _l("待处置"),
    "check": _l("待核查"),
    "soon": _l("即将超期"),
    "overdue": _l("已超期"),
    "all": _l("全部事件"),
}
# A box of "soon due" needs the working-day clock of each open matter; it looks at
# this many of the user's open matters, nearest deadline first.
SOON_WINDOW = 500


def owner_condition(user):
    level = matter_level(user)
    rank = workflow.RANK.get(level)
    if rank is None:
        return false()
    levels = [name for name, value in workflow.RANK.items() if value <= rank]
    return and_(Matter.owner_level.in_(levels), Matter.owner_division_id.in_(visible_division_ids(user)))


def handler_condition(user):
    level = matter_level(user)
    if level == "department":
        if user.scope_department_id is None:
            return false()
        return and_(Matter.handler_level == "department", Matter.handler_department_id == user.scope_department_id)
    if level is None:
        return false()
    return and_(Matter.handler_level == level, Matter.handler_division_id.in_(visible_division_ids(user)))


def checker_condition(user):
    condition = owner_condition(user)
    if matter_level(user) == "grid":
        condition = or_(condition, Matter.reporter_id == user.id)
    return condition


def box_statement(user, box: str):
    statement = scoped_select(Matter, user)
    if box == "verify":
        return statement.where(Matter.status == "reported", owner_condition(user))
    if box == "dispatch":
        return statement.where(Matter.status == "verified", owner_condition(user))
    if box == "handle":
        return statement.where(Matter.status == "handling", handler_condition(user))
    if box == "check":
        return statement.where(Matter.status == "checking", checker_condition(user))
    mine = or_(owner_condition(user), handler_condition(user))
    if box in ("soon", "overdue"):
        statement = statement.where(Matter.status.in_(reference.OPEN_STATUSES), Matter.due_at.is_not(None), mine)
        if box == "overdue":
            return statement.where(Matter.due_at < utcnow())
        return statement.where(Matter.due_at >= utcnow())
    return statement


def soon_due(user) -> list[Matter]:
    """Open matters of the user's whose clock shows yellow (80–100 % used)."""
    calendar = workdays.load_calendar()
    now = utcnow()
    candidates = db.session.scalars(box_statement(user, "soon").order_by(Matter.due_at).limit(SOON_WINDOW))
    return [m for m in candidates if services.light(m, now, calendar) == workdays.YELLOW]


def counts(user) -> dict[str, int]:
    """How many matters wait in each box (the soon-due box counted by its clock)."""
    from sqlalchemy import func

    result = {}
    for box in ("verify", "dispatch", "handle", "check", "overdue"):
        result[box] = db.session.scalar(
            select(func.count()).select_from(box_statement(user, box).order_by(None).subquery())
        )
    result["soon"] = len(soon_due(user))
    return result

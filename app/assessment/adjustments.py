"""人工加减分: a manual deduction or bonus with its reason and the record behind it (002
篇五 "存在重大问题、隐患或解决不利的，每处扣…"). Town staff record them for the grids and
communities of their town; the county for any grid, community, town or department.
Withdrawn (撤销), never deleted; every change audited. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.assessment.models import ScoreAdjustment
from app.auth import audit
from app.auth.models import shown_name
from app.auth.roles import Permission, holds
from app.core.forms import RuleError
from app.core.scoping import scoped_select
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Department, Division

# One record moves a score by at most this much (a 每处扣 line, not a verdict).
MAX_POINTS = 20


def may_adjust(user) -> bool:
    """Town and county staff: the supervision group that issues warning cards."""
    return holds(user, Permission.ISSUE_WARNING_CARDS)


def subjects_for(user) -> list[tuple[str, str]]:
    """("division:12", "东关社区 · 村（社区）") … the units the user may adjust: the
    grids and communities in scope below their own level, and for the county the
    towns and the departments too."""
    county_wide = holds(user, Permission.SEE_WHOLE_COUNTY)
    levels = ("town", "community", "grid") if county_wide else ("community", "grid")
    divisions = db.session.scalars(
        scoped_select(Division, user)
        .where(Division.level.in_(levels), Division.status == "active")
        .order_by(Division.code)
    )
    choices = [(f"division:{d.id}", f"{d.full_name}") for d in divisions]
    if county_wide:
        departments = db.session.scalars(select(Department).order_by(Department.name))
        choices += [(f"department:{d.id}", _("%(name)s（职能部门）", name=d.name)) for d in departments]
    return choices


@dataclass
class AdjustmentValues:
    subject: str
    day: date | None
    points: int | None
    reason: str
    basis: str
    matter_number: str = ""


def _subject(key: str, user) -> tuple[Division, Department | None]:
    if key not in dict(subjects_for(user)):
        raise RuleError(_("请从列表中选择。"), "subject")
    kind, _sep, record_id = key.partition(":")
    if kind == "department":
        county = db.session.scalar(select(Division).where(Division.parent_id.is_(None)))
        return county, db.session.get(Department, int(record_id))
    return db.session.get_one(Division, int(record_id)), None


def record_adjustment(values: AdjustmentValues, user, today: date) -> ScoreAdjustment:
    if not may_adjust(user):
        raise RuleError(_("只有镇（街道）和县级人员可以加减分。"))
    division, department = _subject(values.subject, user)
    if values.day is None:
        raise RuleError(_("请填写日期。"), "day")
    if values.day > today:
        raise RuleError(_("日期不能晚于今天。"), "day")
    if not values.points or abs(values.points) > MAX_POINTS:
        raise RuleError(_("分值应在 -%(n)d 到 %(n)d 之间且不为 0（负数为扣分）。", n=MAX_POINTS), "points")
    reason = (values.reason or "").strip()
    if not reason:
        raise RuleError(_("请写明加减分的原因。"), "reason")
    basis = (values.basis or "").strip()
    if not basis:
        raise RuleError(_("请写明依据的记录（如督查记录、事件编号、日期和地点）。"), "basis")
    matter = None
    number = (values.matter_number or "").strip()
    if number:
        matter = db.session.scalar(scoped_select(Matter, user).where(Matter.number == number))
        if matter is None:
            raise RuleError(_("找不到这个事件编号。"), "matter_number")
    adjustment = ScoreAdjustment(
        division_id=division.id,
        department_id=department.id if department else None,
        day=values.day,
        points=values.points,
        reason=reason[:2000],
        basis=basis[:2000],
        matter_id=matter.id if matter else None,
        recorded_by_id=getattr(user, "id", None),
        recorded_by_name=shown_name(user),
    )
    db.session.add(adjustment)
    db.session.flush()
    audit.record(
        "score_adjusted",
        target=adjustment,
        actor=user,
        summary=f"{adjustment.subject_name} {values.points:+d}",
        detail={"day": values.day.isoformat(), "points": values.points, "reason": adjustment.reason},
    )
    return adjustment


def withdraw_adjustment(adjustment: ScoreAdjustment, reason: str, user, now: datetime | None = None) -> ScoreAdjustment:
    """撤销: recorded by mistake or overturned on appeal; it stays on record, no longer
    counting."""
    if not may_adjust(user):
        raise RuleError(_("只有镇（街道）和县级人员可以撤销加减分。"))
    if adjustment.is_withdrawn:
        raise RuleError(_("这条加减分已经撤销过了。"))
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_("请写明撤销原因。"), "reason")
    adjustment.withdrawn_at = now or utcnow()
    adjustment.withdrawn_by_name = shown_name(user)
    adjustment.withdrawal_reason = reason[:2000]
    db.session.flush()
    audit.record(
        "score_adjustment_withdrawn",
        target=adjustment,
        actor=user,
        summary=f"{adjustment.subject_name} {adjustment.points:+d}",
        detail={"reason": adjustment.withdrawal_reason},
    )
    return adjustment

"""接任: a post above the grids (总网格长, 一级/二级网格长, 片区网格长) ends with its successor
named, so that the chain of grid chiefs has no gap: the leaver's post ends on the last
day, the successor's — same place, same post — begins the day after, and the record
says what was under the post on handing over (its grids, their open matters, the
verifiers' corrections and the rectifications still open). A grid's own posts hand
their caseload over in app.adjustments.handover. Audited; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.auth import audit
from app.extensions import db
from app.matters import reference as matter_reference
from app.matters.models import Matter
from app.org import staff_services
from app.org.models import CHAIN_ROLES, Division, StaffAssignment, StaffMember, StaffRole
from app.org.services import OrgError
from app.supervision.models import Inspection, Rectification
from app.visits.models import Visit


def needs_succession(assignment: StaffAssignment) -> bool:
    post = StaffRole(assignment.role)  # a post, not an account's role
    return assignment.end_date is None and post.value in CHAIN_ROLES


def grids_under(assignment: StaffAssignment) -> list[Division]:
    """The active grids the post answers for: its 片区's, or all under its community or town."""
    if assignment.area_id is not None:
        return [g for g in assignment.area.grids if g.is_active]
    return list(
        db.session.scalars(
            select(Division)
            .where(
                Division.level == "grid",
                Division.status == "active",
                Division.code.startswith(assignment.division.code, autoescape=True),
            )
            .order_by(Division.code)
        )
    )


def successors(assignment: StaffAssignment) -> list[StaffMember]:
    """Who may take the post over: staff whose home unit is the post's town or community
    or one of its communities or grids, or who hold a post there now — not the leaver."""
    prefix = assignment.division.code
    units = select(Division.id).where(Division.code.startswith(prefix, autoescape=True))
    in_post = select(StaffAssignment.staff_id).where(
        StaffAssignment.division_id.in_(units), StaffAssignment.end_date.is_(None)
    )
    return list(
        db.session.scalars(
            select(StaffMember)
            .where(
                or_(StaffMember.home_division_id.in_(units), StaffMember.id.in_(in_post)),
                StaffMember.id != assignment.staff_id,
            )
            .order_by(StaffMember.name, StaffMember.id)
        )
    )


@dataclass
class Handed:
    """What was under the post on handing over."""

    grids: list[Division]
    open_matters: int = 0
    corrections_due: int = 0
    open_rectifications: int = 0
    grid_names: list[str] = field(default_factory=list)


def what_is_handed(assignment: StaffAssignment) -> Handed:
    grids = grids_under(assignment)
    ids = [g.id for g in grids]
    handed = Handed(grids, grid_names=[g.name for g in grids])
    if not ids:
        return handed
    handed.open_matters = int(
        db.session.scalar(
            select(func.count())
            .select_from(Matter)
            .where(Matter.grid_id.in_(ids), Matter.status.in_(matter_reference.OPEN_STATUSES))
        )
        or 0
    )
    handed.corrections_due = int(
        db.session.scalar(
            select(func.count())
            .select_from(Visit)
            .where(Visit.grid_id.in_(ids), Visit.record_check == "to_correct", Visit.corrected_on.is_(None))
        )
        or 0
    )
    handed.open_rectifications = int(
        db.session.scalar(
            select(func.count())
            .select_from(Rectification)
            .join(Inspection, Inspection.id == Rectification.inspection_id)
            .where(Inspection.grid_id.in_(ids), Rectification.status == "open")
        )
        or 0
    )
    return handed


def succeed(
    assignment: StaffAssignment, successor: StaffMember | None, last_day: date | None, user, today: date
) -> StaffAssignment:
    """End the post on `last_day` and give it to the successor from the next day."""
    if not needs_succession(assignment):
        raise OrgError(_("该岗位已结束。"))
    if successor is None or successor.id == assignment.staff_id:
        raise OrgError(_("请选择接任人。"), "successor")
    if last_day is None:
        raise OrgError(_("请输入有效日期，格式为 YYYY-MM-DD。"), "end_date")
    if last_day < assignment.start_date:
        raise OrgError(_("结束日期不能早于起始日期（%(d)s）。", d=assignment.start_date.isoformat()), "end_date")
    if last_day > today + timedelta(days=365):
        raise OrgError(_("交接日期不能晚于一年以后。"), "end_date")
    handed = what_is_handed(assignment)
    staff_services.end_assignment(assignment, last_day)
    try:
        taken = staff_services.add_assignment(
            successor,
            division=assignment.division,
            area=assignment.area,
            role=assignment.role,
            role_note=assignment.role_note,
            start_date=last_day + timedelta(days=1),
            end_date=None,
        )
    except OrgError as error:
        raise OrgError(str(error), "successor") from error
    audit.record(
        "post_handed_over",
        target=assignment,
        actor=user,
        summary=_(
            "%(post)s %(place)s：%(leaver)s → %(successor)s",
            post=assignment.role_label,
            place=assignment.place_name,
            leaver=assignment.staff.name,
            successor=successor.name,
        ),
        detail={
            "successor_assignment_id": taken.id,
            "last_day": last_day.isoformat(),
            "grids": [g.id for g in handed.grids],
            "open_matters": handed.open_matters,
            "corrections_due": handed.corrections_due,
            "open_rectifications": handed.open_rectifications,
        },
    )
    return taken

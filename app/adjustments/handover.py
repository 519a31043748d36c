"""交接: when a grid worker or grid chief leaves a grid, the assignment ends in one step
with everything that goes with it — the handover pack (交接清单) printed for signing, the
caseload moved to the successor, the leaver's account disabled or kept with its
sessions ended, and the handover recorded with the pack as it was printed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.adjustments.models import Handover
from app.adjustments.open_work import open_matters, open_task_targets, rental_current_on
from app.auth import accounts, audit
from app.auth.roles import may_see_key_persons
from app.auth.signin import end_all_sessions
from app.extensions import db
from app.matters.models import Matter
from app.org import staff_services
from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember, StaffRole
from app.org.services import OrgError
from app.patrols.models import OpinionEntry
from app.printing.pdf import PrintResult, render_pdf
from app.registry.housing.models import Rental
from app.registry.keypersons import services as keyperson_services
from app.registry.keypersons.models import KeyPerson
from app.registry.people.models import Household
from app.registry.settings import visit_classes
from app.supervision.models import AssignedTask, Inspection, Rectification, TaskTarget
from app.visits import schedule

# Whose leaving needs a handover: the grid's own workers and its chief.
HANDED_OVER_ROLES = (*GRID_WORKER_ROLES, StaffRole.GRID_CHIEF.value)
ACCOUNT_ACTIONS = ("disabled", "kept")
# A 治安责任书 is signed for a year (一年一签): older than this it is listed as expired.
AGREEMENT_VALID_DAYS = 365


def needs_handover(assignment: StaffAssignment) -> bool:
    post = StaffRole(assignment.role)  # a post in the grid, not an account's role
    return assignment.end_date is None and post.value in HANDED_OVER_ROLES and assignment.division.is_grid


def successors(assignment: StaffAssignment) -> list[StaffMember]:
    """Who may take the grid over: anyone else in post in the grid (its chief first, as
    caretaker), or a worker of another grid of the same community."""
    grid = assignment.division
    in_post = select(StaffAssignment).where(
        StaffAssignment.end_date.is_(None),
        StaffAssignment.staff_id != assignment.staff_id,
        StaffAssignment.role.in_(HANDED_OVER_ROLES),
        or_(StaffAssignment.division_id == grid.id, StaffAssignment.division.has(parent_id=grid.parent_id)),
    )
    found: dict[int, tuple[int, StaffMember]] = {}
    for other in db.session.scalars(in_post.options(selectinload(StaffAssignment.staff))):
        if other.division_id != grid.id:
            rank = 2  # a worker of another grid of the community
        else:
            rank = 0 if other.role == StaffRole.GRID_CHIEF.value else 1
        if other.staff_id not in found or rank < found[other.staff_id][0]:
            found[other.staff_id] = (rank, other.staff)
    return [staff for _rank, staff in sorted(found.values(), key=lambda item: (item[0], item[1].name))]


@dataclass
class PackContents:
    grid: Division
    leaver: StaffMember
    successor: StaffMember
    day: date
    due_by_class: list[tuple[str, list]]
    key_persons: list[tuple[KeyPerson, date | None]] | None  # None: not shown to this viewer
    matters: list[Matter]
    rectifications: list[Rectification]
    tasks: list[TaskTarget]
    rentals: list[tuple[Rental, str]]
    opinions: list[OpinionEntry]


def pack_contents(assignment: StaffAssignment, successor: StaffMember, day: date, viewer) -> PackContents:
    grid = assignment.division
    households = list(
        db.session.scalars(
            select(Household)
            .where(Household.grid_id == grid.id, Household.status == "active")
            .options(selectinload(Household.building), selectinload(Household.head))
        )
    )
    names = visit_classes.names()
    statuses = [s for s in schedule.statuses(households, day) if s.state != "done"]
    due_by_class = [
        (
            names.get(level, str(level)),
            sorted((s for s in statuses if s.household.visit_class == level), key=lambda s: s.due_by or date.max),
        )
        for level in visit_classes.LEVELS
    ]
    key_persons = None
    if may_see_key_persons(viewer):
        listed = db.session.scalars(
            select(KeyPerson)
            .where(KeyPerson.grid_id == grid.id, KeyPerson.status == "active")
            .options(selectinload(KeyPerson.resident), selectinload(KeyPerson.follow_ups))
        )
        key_persons = sorted(
            ((kp, keyperson_services.due_date(kp)) for kp in listed), key=lambda item: item[1] or date.max
        )
    matters = list(db.session.scalars(open_matters([grid.id]).order_by(Matter.number)))
    rectifications = list(
        db.session.scalars(
            select(Rectification)
            .join(Inspection)
            .where(Inspection.grid_id == grid.id, Rectification.status == "open")
            .order_by(Rectification.deadline)
        )
    )
    tasks = list(db.session.scalars(open_task_targets([grid.id]).order_by(AssignedTask.deadline)))
    rentals = []
    for rental in db.session.scalars(
        select(Rental).where(Rental.grid_id == grid.id, rental_current_on(day)).options(selectinload(Rental.house))
    ):
        if not rental.agreement_signed:
            rentals.append((rental, _("未签")))
        elif rental.agreement_date and rental.agreement_date < day - timedelta(days=AGREEMENT_VALID_DAYS):
            rentals.append((rental, _("已过期（%(d)s 签）", d=rental.agreement_date.isoformat())))
    month_ago = day - timedelta(days=31)
    opinions = list(
        db.session.scalars(
            select(OpinionEntry)
            .where(OpinionEntry.grid_id == grid.id, OpinionEntry.said_on >= month_ago, OpinionEntry.said_on <= day)
            .order_by(OpinionEntry.said_on)
        )
    )
    return PackContents(
        grid=grid,
        leaver=assignment.staff,
        successor=successor,
        day=day,
        due_by_class=due_by_class,
        key_persons=key_persons,
        matters=matters,
        rectifications=rectifications,
        tasks=tasks,
        rentals=rentals,
        opinions=opinions,
    )


def render_pack(contents: PackContents) -> PrintResult:
    return render_pdf("print/handover.html", title=_("网格交接清单"), pack=contents)


def hand_over(
    assignment: StaffAssignment, successor: StaffMember | None, day: date | None, account_action: str, viewer
) -> Handover:
    """End the assignment on `day` and hand the grid to `successor`, in the caller's
    transaction; the pack is printed here and kept with the record."""
    if not needs_handover(assignment):
        raise OrgError(_("该任职不需要交接（已结束，或不是本网格的网格长、网格员）。"))
    if day is None:
        raise OrgError(_("请输入有效日期，格式为 YYYY-MM-DD。"), "end_date")
    if successor is None or successor.id not in {s.id for s in successors(assignment)}:
        raise OrgError(_("请选择接收人。"), "successor")
    if account_action not in ACCOUNT_ACTIONS:
        raise OrgError(_("请选择如何处理移交人的账号。"), "account")
    contents = pack_contents(assignment, successor, day, viewer)
    printed = render_pack(contents)
    staff_services.end_assignment(assignment, day)
    moved = 0
    for key_person in db.session.scalars(
        select(KeyPerson).where(
            KeyPerson.grid_id == assignment.division_id,
            KeyPerson.status == "active",
            KeyPerson.responsible_staff_id == assignment.staff_id,
        )
    ):
        key_person.responsible_staff_id = successor.id
        moved += 1
    leaver_account = assignment.staff.user
    if leaver_account is not None:
        # Taking access away may come with the handover (audited as the security
        # administrator's 停用 is); giving it back, or another scope, stays with them.
        if account_action == "disabled":
            accounts.set_enabled(leaver_account, False, viewer)
        else:
            end_all_sessions(leaver_account, "handover")
    handover = Handover(
        grid_id=assignment.division_id,
        assignment_id=assignment.id,
        leaver_id=assignment.staff_id,
        successor_id=successor.id,
        handed_over_on=day,
        account_action=account_action if leaver_account is not None else "",
        key_persons_moved=moved,
        pack_sha256=hashlib.sha256(printed.pdf).hexdigest(),
        pack_pdf=printed.pdf,
        recorded_by_id=getattr(viewer, "id", None),
    )
    db.session.add(handover)
    db.session.flush()
    audit.record(
        "handover",
        target=handover,
        summary=_(
            "%(grid)s：%(leaver)s 移交给 %(successor)s",
            grid=assignment.division.name,
            leaver=assignment.staff.name,
            successor=successor.name,
        ),
        detail={
            "day": day.isoformat(),
            "key_persons_moved": moved,
            "account": handover.account_action,
            "pack_sha256": handover.pack_sha256,
        },
    )
    return handover

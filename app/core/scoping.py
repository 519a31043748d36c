"""Which rows a user may see — decided here and nowhere else.

A user's scope is a set of division-code prefixes (codes nest, so "under X" is
"code starts with X's code"). County administrators see everything; town staff,
stations and leaders see what is under their node; a grid worker sees the grid
of their account plus every grid their linked staff record is assigned to today;
a department handler sees no division records, only the matters ever dispatched to
their department (`_matter_rule`); the three administrators of 三员分立 see no
records of the county at all, only accounts or the audit log.

Every query for records goes through `scoped_select()` or `get_visible_or_404()`.
Each record type says how it hangs from the division tree in `_rules()`; a type with
no rule cannot be queried through here, which the URL-map test turns into a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from app.core.timeutil import local_today
from app.extensions import db

EVERYTHING = None


def visible_prefixes(user) -> list[str] | None:
    """Division-code prefixes the user may see; None means no limit."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if has_request_context():
        memo = g.setdefault("_scope_prefixes", {})
        if user.id in memo:
            return memo[user.id]
    prefixes = _compute_prefixes(user)
    if has_request_context():
        g._scope_prefixes[user.id] = prefixes
    return prefixes


def _compute_prefixes(user) -> list[str] | None:
    from app.auth.roles import Permission, sees_no_divisions
    from app.org.models import Division, StaffAssignment, StaffMember, grid_area_member

    if sees_no_divisions(user):
        return []  # 三员 see only accounts, settings and the log; departments their matters
    if user.can(Permission.SEE_WHOLE_COUNTY):
        return EVERYTHING
    prefixes = []
    if user.scope_division is not None:
        prefixes.append(user.scope_division.code)
    if user.can(Permission.SEE_ASSIGNED_GRIDS):
        today = local_today()
        current = (
            select(StaffAssignment)
            .join(StaffMember, StaffMember.id == StaffAssignment.staff_id)
            .where(
                StaffMember.user_id == user.id,
                StaffAssignment.start_date <= today,
                or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= today),
            )
            .subquery()
        )
        # A post at a grid, community or town covers it; one at a 片区 covers the
        # area's grids, not the whole community the post is filed under.
        assigned = db.session.scalars(
            select(Division.code)
            .join(current, current.c.division_id == Division.id)
            .where(current.c.area_id.is_(None))
            .union(
                select(Division.code)
                .join(grid_area_member, grid_area_member.c.grid_id == Division.id)
                .join(current, current.c.area_id == grid_area_member.c.area_id)
                .where(Division.status == "active")
            )
        )
        prefixes.extend(code for code in sorted(assigned) if code not in prefixes)
    return prefixes


def division_condition(user, code_column=None) -> ColumnElement[bool]:
    if code_column is None:
        from app.org.models import Division

        code_column = Division.code
    prefixes = visible_prefixes(user)
    if prefixes is EVERYTHING:
        return true()
    if not prefixes:
        return false()
    return or_(*[code_column.startswith(prefix, autoescape=True) for prefix in prefixes])


def sees_division(division, user=None) -> bool:
    """Whether the user may open this division's page (the same rule as the query
    scope, checked in Python on a loaded division: breadcrumbs and links use it so a
    page never offers a link that would be a 404)."""
    if user is None:
        from flask_login import current_user

        user = current_user
    prefixes = visible_prefixes(user)
    if prefixes is EVERYTHING:
        return True
    return any(division.code.startswith(prefix) for prefix in prefixes)


def visible_division_ids(user) -> Select:
    from app.org.models import Division

    return select(Division.id).where(division_condition(user))


def _settings_editors(user, _visible_ids) -> ColumnElement[bool]:
    from app.auth.roles import Permission

    return true() if user.can(Permission.EDIT_COUNTY_SETTINGS) else false()


def _account_managers(user, _visible_ids) -> ColumnElement[bool]:
    """Accounts and their sessions: the system administrator (who creates them) and the
    security administrator (who gives them roles and scopes)."""
    from app.auth.roles import Permission

    return true() if user.can(Permission.MANAGE_ACCOUNTS) or user.can(Permission.MANAGE_ACCESS) else false()


def _auditors(user, _visible_ids) -> ColumnElement[bool]:
    from app.auth.roles import Permission

    return true() if user.can(Permission.VIEW_AUDIT) else false()


def _anyone_signed_in(_user, _visible_ids) -> ColumnElement[bool]:
    return true()


@cache
def _rules() -> dict[type, Callable]:
    """How each record type hangs from the division tree. Built on first use: the
    feature packages import this module, so it cannot import their models at load."""
    from app.adjustments.models import Handover
    from app.assessment.models import (
        FirstContactComplaint,
        SatisfactionSurvey,
        ScoreAdjustment,
        ScoringRule,
        SurveyResponse,
        WarningCard,
    )
    from app.auth.models import AuditEvent, LoginSession, User
    from app.auth.roles import may_see_key_persons
    from app.matters.models import ApiKey, HolidayDay, Matter, MatterPhoto, MatterType, TimeLimit
    from app.org.models import (
        Building,
        Department,
        Division,
        GridArea,
        ServiceTeam,
        StaffAssignment,
        StaffMember,
        TeamMembership,
        grid_area_member,
    )
    from app.patrols.models import ChiefReport, OpinionEntry, OpinionLogCheck, Patrol, PatrolFinding
    from app.printing.manual_models import ManualPage
    from app.printing.roster_models import DutyRoster, DutyShift
    from app.registry.housing.models import House, Rental, RentalTenant, Shop
    from app.registry.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory
    from app.registry.organisations.models import (
        JointDefenceActivity,
        JointDefenceGroup,
        JointDefenceMember,
        Organisation,
    )
    from app.registry.partners.models import PartnerActivity, PartnerUnit, partner_unit_grid
    from app.registry.people.models import CareTag, Household, HouseholdMember, PopulationEvent, Resident, VisitClass
    from app.registry.points.models import PointSupervision, ResponsibilityPoint
    from app.supervision.models import (
        AdmittedItem,
        AssignedTask,
        Inspection,
        Meeting,
        MeetingDecision,
        Recheck,
        Rectification,
        TaskTarget,
        Training,
    )
    from app.visits.models import OrganisationVisit, Visit

    return {
        Division: lambda user, _ids: division_condition(user),
        # A building is seen through its grid, or through its community (for the
        # station, and for buildings that no grid covers yet).
        Building: lambda user, ids: or_(Building.grid_id.in_(ids), Building.community_id.in_(ids)),
        StaffMember: lambda user, ids: or_(
            StaffMember.home_division_id.in_(ids),
            StaffMember.id.in_(select(StaffAssignment.staff_id).where(StaffAssignment.division_id.in_(ids))),
        ),
        StaffAssignment: lambda user, ids: StaffAssignment.division_id.in_(ids),
        # A 片区 is seen with its community, or by those who see one of its grids.
        GridArea: lambda user, ids: or_(
            GridArea.community_id.in_(ids),
            GridArea.id.in_(select(grid_area_member.c.area_id).where(grid_area_member.c.grid_id.in_(ids))),
        ),
        Handover: lambda user, ids: Handover.grid_id.in_(ids),
        ServiceTeam: lambda user, ids: ServiceTeam.division_id.in_(ids),
        TeamMembership: lambda user, ids: TeamMembership.team_id.in_(
            select(ServiceTeam.id).where(ServiceTeam.division_id.in_(ids))
        ),
        # People and households belong to the grid they live in.
        Household: lambda user, ids: Household.grid_id.in_(ids),
        Resident: lambda user, ids: Resident.grid_id.in_(ids),
        # A visit belongs to the grid the household was in on the day.
        Visit: lambda user, ids: Visit.grid_id.in_(ids),
        OrganisationVisit: lambda user, ids: OrganisationVisit.grid_id.in_(ids),
        ResponsibilityPoint: lambda user, ids: ResponsibilityPoint.grid_id.in_(ids),
        # A partner unit is seen by those who see one of its grids; an activity by its grid.
        PartnerUnit: lambda user, ids: PartnerUnit.id.in_(
            select(partner_unit_grid.c.partner_unit_id).where(partner_unit_grid.c.grid_id.in_(ids))
        ),
        PartnerActivity: lambda user, ids: PartnerActivity.grid_id.in_(ids),
        PointSupervision: lambda user, ids: PointSupervision.point_id.in_(
            select(ResponsibilityPoint.id).where(ResponsibilityPoint.grid_id.in_(ids))
        ),
        HouseholdMember: lambda user, ids: HouseholdMember.household_id.in_(
            select(Household.id).where(Household.grid_id.in_(ids))
        ),
        # A move between grids shows in the feed of the grid left as well.
        PopulationEvent: lambda user, ids: or_(PopulationEvent.grid_id.in_(ids), PopulationEvent.from_grid_id.in_(ids)),
        CareTag: _anyone_signed_in,
        VisitClass: _anyone_signed_in,
        House: lambda user, ids: House.grid_id.in_(ids),
        Rental: lambda user, ids: Rental.grid_id.in_(ids),
        RentalTenant: lambda user, ids: RentalTenant.rental_id.in_(select(Rental.id).where(Rental.grid_id.in_(ids))),
        Shop: lambda user, ids: Shop.grid_id.in_(ids),
        Organisation: lambda user, ids: Organisation.grid_id.in_(ids),
        JointDefenceGroup: lambda user, ids: JointDefenceGroup.grid_id.in_(ids),
        JointDefenceActivity: lambda user, ids: JointDefenceActivity.group_id.in_(
            select(JointDefenceGroup.id).where(JointDefenceGroup.grid_id.in_(ids))
        ),
        JointDefenceMember: lambda user, ids: JointDefenceMember.group_id.in_(
            select(JointDefenceGroup.id).where(JointDefenceGroup.grid_id.in_(ids))
        ),
        # Key persons: only the grid's workers, its station and the town's
        # comprehensive-governance (综治) staff — not leaders, not other town staff.
        KeyPerson: lambda user, ids: KeyPerson.grid_id.in_(ids) if may_see_key_persons(user) else false(),
        FollowUp: lambda user, ids: (
            FollowUp.key_person_id.in_(select(KeyPerson.id).where(KeyPerson.grid_id.in_(ids)))
            if may_see_key_persons(user)
            else false()
        ),
        KeyPersonCategory: _anyone_signed_in,
        # Departments are county-wide reference data: their contacts are public duty
        # numbers, so everyone signed in may read them (only administrators edit).
        Department: _anyone_signed_in,
        User: _account_managers,
        LoginSession: _account_managers,
        AuditEvent: _auditors,
        # Matters belong to their grid; a department's handlers see the matters ever
        # dispatched to their department (and nothing else).
        Matter: _matter_rule,
        MatterPhoto: lambda user, ids: MatterPhoto.matter_id.in_(select(Matter.id).where(_matter_rule(user, ids))),
        MatterType: _anyone_signed_in,
        HolidayDay: _anyone_signed_in,
        TimeLimit: _anyone_signed_in,
        ApiKey: _settings_editors,
        # A duty roster belongs to its community (the station); each shift to its roster.
        DutyRoster: lambda user, ids: DutyRoster.community_id.in_(ids),
        DutyShift: lambda user, ids: DutyShift.roster_id.in_(
            select(DutyRoster.id).where(DutyRoster.community_id.in_(ids))
        ),
        # Meetings and trainings belong to the grid, community or town that held them.
        Meeting: lambda user, ids: Meeting.division_id.in_(ids),
        MeetingDecision: lambda user, ids: MeetingDecision.meeting_id.in_(
            select(Meeting.id).where(Meeting.division_id.in_(ids))
        ),
        Training: lambda user, ids: Training.division_id.in_(ids),
        # The admission list is county reference data: all read it, administrators edit it.
        AdmittedItem: _anyone_signed_in,
        # A task is seen by the level that assigned it and by its targets; a target by
        # itself (and those above it) and by the assigning level.
        AssignedTask: lambda user, ids: or_(
            AssignedTask.issuing_division_id.in_(ids),
            AssignedTask.id.in_(select(TaskTarget.task_id).where(TaskTarget.division_id.in_(ids))),
        ),
        TaskTarget: lambda user, ids: or_(
            TaskTarget.division_id.in_(ids),
            TaskTarget.task_id.in_(select(AssignedTask.id).where(AssignedTask.issuing_division_id.in_(ids))),
        ),
        # Inspections belong to the grid inspected; rectifications and re-checks follow.
        Inspection: lambda user, ids: Inspection.grid_id.in_(ids),
        Rectification: lambda user, ids: Rectification.inspection_id.in_(
            select(Inspection.id).where(Inspection.grid_id.in_(ids))
        ),
        Recheck: lambda user, ids: Recheck.rectification_id.in_(
            select(Rectification.id)
            .join(Inspection, Inspection.id == Rectification.inspection_id)
            .where(Inspection.grid_id.in_(ids))
        ),
        # Patrols, 民情日志 entries and reports to the grid chief belong to their grid.
        Patrol: lambda user, ids: Patrol.grid_id.in_(ids),
        PatrolFinding: lambda user, ids: PatrolFinding.patrol_id.in_(select(Patrol.id).where(Patrol.grid_id.in_(ids))),
        OpinionEntry: lambda user, ids: OpinionEntry.grid_id.in_(ids),
        ChiefReport: lambda user, ids: ChiefReport.grid_id.in_(ids),
        OpinionLogCheck: lambda user, ids: OpinionLogCheck.grid_id.in_(ids),
        # Assessment: the rules are county reference data (all read, administrators
        # edit); cards and surveys belong to their grid (a worker's card too).
        ScoringRule: _anyone_signed_in,
        WarningCard: lambda user, ids: WarningCard.grid_id.in_(ids),
        FirstContactComplaint: lambda user, ids: FirstContactComplaint.grid_id.in_(ids),
        # A manual deduction or bonus belongs to its unit (a department's to the county);
        # a department's handlers also see their own department's.
        ScoreAdjustment: _adjustment_rule,
        SatisfactionSurvey: lambda user, ids: SatisfactionSurvey.grid_id.in_(ids),
        SurveyResponse: lambda user, ids: SurveyResponse.grid_id.in_(ids),
        # The manual: the county's pages for everyone; a community's own pages for the
        # community and for those who see any of its grids.
        ManualPage: lambda user, ids: or_(
            ManualPage.division_id.is_(None),
            ManualPage.division_id.in_(ids),
            ManualPage.division_id.in_(select(Division.parent_id).where(Division.id.in_(ids))),
        ),
    }


def _adjustment_rule(user, ids) -> ColumnElement[bool]:
    from app.assessment.models import ScoreAdjustment
    from app.auth.roles import matter_department_id

    department_id = matter_department_id(user)
    if department_id is not None:
        return ScoreAdjustment.department_id == department_id
    return ScoreAdjustment.division_id.in_(ids)


def _matter_rule(user, ids) -> ColumnElement[bool]:
    from app.auth.roles import matter_department_id
    from app.matters.models import Matter, MatterStep

    department_id = matter_department_id(user)
    if department_id is not None:
        return or_(
            Matter.handler_department_id == department_id,
            Matter.id.in_(select(MatterStep.matter_id).where(MatterStep.department_id == department_id)),
        )
    return Matter.grid_id.in_(ids)


def scoped_models() -> tuple[type, ...]:
    return tuple(_rules())


def scope_condition(model: type, user=None) -> ColumnElement[bool]:
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return false()
    try:
        rule = _rules()[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no scoping rule in app.core.scoping") from None
    return rule(user, visible_division_ids(user))


def scoped_select(model: type, user=None) -> Select:
    """select(model) limited to the rows the user may see."""
    return select(model).where(scope_condition(model, user))


def get_visible_or_404(model: type[Any], record_id: int, user=None):
    """The record if the user may see it; otherwise 404, so another grid's record
    looks exactly like one that does not exist."""
    record = db.session.scalar(scoped_select(model, user).where(model.id == record_id))
    if record is None:
        if db.session.get(model, record_id) is not None:
            # There, but not for this user: a refused request (app/auth/duties.py).
            from app.auth.duties import refuse

            refuse(404, getattr(model, "__tablename__", None), record_id)
        abort(404)
    return record


def visible_ids(model: type[Any], ids, user=None) -> set[int]:
    """Which of these records the user may see (one query): for linking only those."""
    ids = set(ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(model.id).where(scope_condition(model, user), model.id.in_(ids))))


def is_visible(record, user=None) -> bool:
    model = type(record)
    return db.session.scalar(select(model.id).where(scope_condition(model, user), model.id == record.id)) is not None

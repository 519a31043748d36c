"""The rules of visits: recording, correcting and deleting one (audited), opening a
matter from its follow-up in one step, the 入户核实 made by someone other than the
grid's own staff with its verdict on the grid's records, and visit coverage over many
grids (used by the dashboard). Plain Python over the session; views only pass values in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, func, literal, or_, select

from app.auth import audit
from app.auth.models import shown_name
from app.core.forms import RuleError
from app.core.location import Position, place
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division, StaffAssignment, StaffMember
from app.patrols.services import STORED_NAME_SEPARATOR
from app.registry.people.models import Household
from app.visits.models import OrganisationVisit, Visit
from app.visits.reference import RECORD_CHECKS, VERIFICATION_TYPES, VISIT_TYPES

MAX_TEXT = 1000


class VisitError(RuleError):
    """A rule of visits refused the change."""


@dataclass
class VisitValues:
    visited_on: date | None
    visit_type: str = "routine"
    visitor_ids: list[int] = field(default_factory=list)
    found: str = ""
    needs: str = ""
    follow_up: str = ""
    # Where the phone was, if the visitor recorded it: kept on the visit when it is
    # recorded (a correction leaves it as it was), never given to a matter it opens.
    position: Position | None = None


@dataclass
class MatterRequest:
    """打开事件: the follow-up becomes a matter of this class, with this text."""

    class_code: str
    description: str


def visitor_choices(grid: Division, day: date | None = None) -> list[StaffMember]:
    """Staff who may be named as visitors: assigned to the grid or to its community
    (the station) on the day."""
    day = day or local_today()
    divisions = [grid.id] + ([grid.parent_id] if grid.parent_id else [])
    return list(
        db.session.scalars(
            select(StaffMember)
            .join(StaffAssignment, StaffAssignment.staff_id == StaffMember.id)
            .where(
                StaffAssignment.division_id.in_(divisions),
                StaffAssignment.start_date <= day,
                or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= day),
            )
            .distinct()
            .order_by(StaffMember.name, StaffMember.id)
        )
    )


def _assigned_on(division_ids, day: date):
    """Staff ids assigned to one of the divisions on the day."""
    return select(StaffAssignment.staff_id).where(
        StaffAssignment.division_id.in_(division_ids),
        StaffAssignment.start_date <= day,
        or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= day),
    )


def verifier_choices(grid: Division, day: date | None = None) -> list[StaffMember]:
    """Who may verify a household of the grid (核实 is a check by someone else): staff
    assigned on the day to the grid's community (工作站) or to another of its grids
    (片区), and not to the grid itself."""
    day = day or local_today()
    if grid.parent_id is None:
        return []
    neighbours = select(Division.id).where(Division.parent_id == grid.parent_id, Division.id != grid.id)
    return list(
        db.session.scalars(
            select(StaffMember)
            .where(
                or_(
                    StaffMember.id.in_(_assigned_on([grid.parent_id], day)),
                    StaffMember.id.in_(_assigned_on(neighbours, day)),
                ),
                StaffMember.id.not_in(_assigned_on([grid.id], day)),
            )
            .order_by(StaffMember.name, StaffMember.id)
        )
    )


def station_staff_ids(grid: Division, day: date) -> set[int]:
    """The community station's staff on the day (not its 片区 posts)."""
    if grid.parent_id is None:
        return set()
    return set(db.session.scalars(_assigned_on([grid.parent_id], day).where(StaffAssignment.area_id.is_(None))))


def _check_day(day: date | None) -> date:
    if day is None:
        raise VisitError(_("请填写走访日期。"), "visited_on")
    if day > local_today():
        raise VisitError(_("日期不能晚于今天。"), "visited_on")
    return day


def _clean(values: VisitValues, grid: Division, current_type: str | None = None) -> dict:
    _check_day(values.visited_on)
    if values.visit_type not in VISIT_TYPES:
        raise VisitError(_("请从列表中选择。"), "visit_type")
    # A 核实 is recorded on its own form, with its verdict; a visit already of that
    # type from before the rule keeps it when corrected.
    if values.visit_type in VERIFICATION_TYPES and values.visit_type != current_type:
        raise VisitError(_("核实由网格以外的人员进行，请在住户的走访页点“入户核实”登记。"), "visit_type")
    if not values.visitor_ids:
        raise VisitError(_("请选择走访人员。"), "visitor_ids")
    allowed = {s.id: s for s in visitor_choices(grid, values.visited_on)}
    if any(staff_id not in allowed for staff_id in values.visitor_ids):
        raise VisitError(_("走访人员须为本网格或本社区工作站当日在岗的工作人员。"), "visitor_ids")
    found = (values.found or "").strip()
    if not found:
        raise VisitError(_("请填写走访情况。"), "found")
    for name in ("found", "needs", "follow_up"):
        if len((getattr(values, name) or "").strip()) > MAX_TEXT:
            raise VisitError(_("不能超过 %(n)d 个字。", n=MAX_TEXT), name)
    return {
        "visited_on": values.visited_on,
        "visit_type": values.visit_type,
        "found": found,
        "needs": (values.needs or "").strip(),
        "follow_up": (values.follow_up or "").strip(),
        "visitors": [allowed[i] for i in dict.fromkeys(values.visitor_ids)],
    }


def _snapshot(visit: Visit) -> dict:
    return {
        "visited_on": visit.visited_on.isoformat(),
        "visit_type": visit.visit_type,
        "visitors": [s.name for s in visit.visitors],
        "found": visit.found,
        "needs": visit.needs,
        "follow_up": visit.follow_up,
        "record_check": visit.record_check,
        "correction": visit.correction,
    }


def record_visit(household: Household, values: VisitValues, *, user=None, matter: MatterRequest | None = None) -> Visit:
    """A visit to an active household, in the grid it is in; with `matter`, the
    follow-up is reported as a matter that names the visit."""
    if household.status != "active":
        raise VisitError(_("该户已销户。"))
    visit = _add_visit(household, _clean(values, household.grid), values.position, user)
    if matter is not None:
        open_matter(visit, matter, user=user)
    return visit


def open_matter(visit: Visit, request: MatterRequest, *, user=None):
    """Report the visit's follow-up as a matter (the loop's first step) and link it."""
    from app.matters import reporting

    if visit.matter_id is not None:
        raise VisitError(_("这次走访已转为事件。"))
    description = (request.description or visit.follow_up or visit.needs).strip()
    if not description:
        raise VisitError(_("请填写事件描述。"), "matter_description")
    household = visit.household
    note = _(
        "（入户走访 %(day)s，户号 %(number)s）", day=visit.visited_on.isoformat(), number=household.household_number
    )
    values = reporting.MatterValues(
        class_code=request.class_code,
        description=f"{description}\n{note}",
        grid=household.grid,
        building_id=household.building_id,
        address=household.address,
        resident_ids=[m.resident_id for m in household.current_members],
    )
    try:
        matter = reporting.report(values, reporter=user)
    except RuleError as error:
        field_name = {"class_code": "matter_class", "description": "matter_description"}.get(error.field or "")
        raise VisitError(str(error), field_name) from error
    visit.matter_id = matter.id
    db.session.flush()
    audit.record(
        "visit_matter_opened",
        target=visit,
        actor=user,
        summary=matter.number,
        detail={"matter_id": matter.id, "matter_number": matter.number},
    )
    return matter


def update_visit(visit: Visit, values: VisitValues, *, user=None) -> bool:
    """Correct a visit (its grid and household stay); audited with before and after."""
    return _apply_changes(visit, _clean(values, visit.grid, current_type=visit.visit_type), user)


def _add_visit(household: Household, cleaned: dict, position: Position | None, user) -> Visit:
    """Save a visit from checked values (a visit's or a 核实's), audited."""
    visitors = cleaned.pop("visitors")
    visit = Visit(
        grid_id=household.grid_id, household_id=household.id, recorded_by_id=getattr(user, "id", None), **cleaned
    )
    visit.visitors = visitors
    place(visit, position)
    db.session.add(visit)
    db.session.flush()
    audit.record(
        "visit_recorded",
        target=visit,
        actor=user,
        summary=f"{household.household_number} {visit.visited_on:%Y-%m-%d} {visit.type_label}",
        detail=_snapshot(visit),
    )
    return visit


def _apply_changes(visit: Visit, cleaned: dict, user) -> bool:
    """Put checked values (a visit's or a 核实's) on a visit; True, audited with before
    and after, if anything changed."""
    before = _snapshot(visit)
    visit.visitors = cleaned.pop("visitors")
    for key, value in cleaned.items():
        setattr(visit, key, value)
    db.session.flush()
    after = _snapshot(visit)
    if after == before:
        return False
    changed = [key for key in after if after[key] != before[key]]
    audit.record(
        "visit_updated",
        target=visit,
        actor=user,
        summary=f"{visit.household.household_number} {visit.visited_on:%Y-%m-%d}",
        detail={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
    )
    return True


def delete_visit(visit: Visit, *, user=None) -> None:
    """Remove a visit entered by mistake; one that opened a matter stays (the matter
    names it)."""
    if visit.matter_id is not None:
        raise VisitError(_("这次走访已转为事件，不能删除。"))
    audit.record(
        "visit_deleted",
        target=visit,
        actor=user,
        summary=f"{visit.household.household_number} {visit.visited_on:%Y-%m-%d}",
        detail=_snapshot(visit),
    )
    db.session.delete(visit)
    db.session.flush()


# --- 入户核实: a check by someone else ---------------------------------------------------


@dataclass
class VerificationValues:
    """The 入户核实表: the day, the kind (quarterly 核实走访 or the yearly 年度入户核实),
    who verified, what they found and their verdict on the grid's records."""

    visited_on: date | None
    visit_type: str = "verification"
    visitor_ids: list[int] = field(default_factory=list)
    found: str = ""
    record_check: str = ""
    correction: str = ""
    position: Position | None = None


def _clean_verification(values: VerificationValues, grid: Division) -> dict:
    day = _check_day(values.visited_on)
    if values.visit_type not in VERIFICATION_TYPES:
        raise VisitError(_("请选择核实类别。"), "visit_type")
    if not values.visitor_ids:
        raise VisitError(_("请选择核实人员。"), "visitor_ids")
    allowed = {s.id: s for s in verifier_choices(grid, day)}
    if any(staff_id not in allowed for staff_id in values.visitor_ids):
        raise VisitError(_("核实人员须为本社区工作站或其他网格当日在岗的人员，不能是本网格的人员。"), "visitor_ids")
    if values.visit_type == "annual_check" and not station_staff_ids(grid, day) & set(values.visitor_ids):
        raise VisitError(_("年度入户核实须有社区工作站人员参加。"), "visitor_ids")
    found = (values.found or "").strip()
    if not found:
        raise VisitError(_("请填写核实情况。"), "found")
    if values.record_check not in RECORD_CHECKS:
        raise VisitError(_("请选择网格登记的信息是否准确。"), "record_check")
    correction = (values.correction or "").strip()
    if values.record_check == "to_correct" and not correction:
        raise VisitError(_("请写明哪些信息需要更正。"), "correction")
    if values.record_check == "accurate" and correction:
        raise VisitError(_("信息准确时不用填写需更正的信息；有误的请选“需更正”。"), "correction")
    for name, text in (("found", found), ("correction", correction)):
        if len(text) > MAX_TEXT:
            raise VisitError(_("不能超过 %(n)d 个字。", n=MAX_TEXT), name)
    return {
        "visited_on": day,
        "visit_type": values.visit_type,
        "found": found,
        "record_check": values.record_check,
        "correction": correction,
        "visitors": [allowed[i] for i in dict.fromkeys(values.visitor_ids)],
    }


def record_verification(household: Household, values: VerificationValues, *, user=None) -> Visit:
    """A 核实 of an active household by someone other than its grid's staff."""
    if household.status != "active":
        raise VisitError(_("该户已销户。"))
    return _add_visit(household, _clean_verification(values, household.grid), values.position, user)


def update_verification(visit: Visit, values: VerificationValues, *, user=None) -> bool:
    """Correct a 核实 (the verdict too, until the grid has marked it corrected)."""
    if visit.corrected_on is not None and values.record_check != visit.record_check:
        raise VisitError(_("网格已按这次核实更正了信息，核实结果不能再改。"), "record_check")
    return _apply_changes(visit, _clean_verification(values, visit.grid), user)


def mark_corrected(visit: Visit, user, today: date) -> None:
    """The grid has put right what the verifier found wrong in its records."""
    if visit.record_check != "to_correct":
        raise VisitError(_("这次核实没有需要更正的信息。"))
    if visit.corrected_on is not None:
        raise VisitError(_("已标记为已更正。"))
    visit.corrected_on = today
    visit.corrected_by_name = shown_name(user)
    db.session.flush()
    audit.record(
        "visit_record_corrected",
        target=visit,
        actor=user,
        summary=f"{visit.household.household_number} {visit.visited_on:%Y-%m-%d}",
        detail={"correction": visit.correction},
    )


# --- For the dashboard ----------------------------------------------------------------


@dataclass
class VisitCoverage:
    households: int
    visited_households: int
    visits: int

    @property
    def rate(self) -> float | None:
        """Share of active households visited in the period (0–1); None without households."""
        return self.visited_households / self.households if self.households else None


def visit_coverage(grid_ids: list[int], period: tuple[date, date]) -> VisitCoverage:
    """Visit coverage of these grids over `period` (first and last day, inclusive):
    active households, how many had at least one visit, and the number of visits.
    The caller limits `grid_ids` to the user's scope."""
    return visit_coverage_by_group([grid_ids], period)[0]


def visit_coverage_by_group(groups: list[list[int]], period: tuple[date, date]) -> list[VisitCoverage]:
    """visit_coverage of each group of grids (the groups share no grid), in three
    queries whatever the number of groups. Households and visits are counted per grid
    and added up (each belongs to one grid); visited households are counted per group,
    each visit put in its group by a CASE over the groups' grid ids, so a household
    visited in two grids of one group (it moved) still counts once, as for the group
    alone."""
    start, end = period
    groups = [list(grid_ids) for grid_ids in groups]
    result = [VisitCoverage(0, 0, 0) for _group in groups]
    wanted = [(index, grid_ids) for index, grid_ids in enumerate(groups) if grid_ids]
    if not wanted:
        return result
    group_of_grid = {grid_id: index for index, grid_ids in wanted for grid_id in grid_ids}
    every_grid = list(group_of_grid)
    for grid_id, number in db.session.execute(
        select(Household.grid_id, func.count())
        .where(Household.grid_id.in_(every_grid), Household.status == "active")
        .group_by(Household.grid_id)
    ):
        result[group_of_grid[grid_id]].households += int(number)
    in_period = (Visit.grid_id.in_(every_grid), Visit.visited_on >= start, Visit.visited_on <= end)
    for grid_id, number in db.session.execute(
        select(Visit.grid_id, func.count()).where(*in_period).group_by(Visit.grid_id)
    ):
        result[group_of_grid[grid_id]].visits += int(number)
    group = (
        case(*[(Visit.grid_id.in_(grid_ids), index) for index, grid_ids in wanted])
        if len(wanted) > 1
        else literal(wanted[0][0])
    ).label("group_index")
    # A join, not `household_id IN (active households)`: past ~30 grids SQLite scans
    # every household for the IN list instead of starting from the visit index.
    for index, number in db.session.execute(
        select(group, func.count(func.distinct(Visit.household_id)))
        .join(Household, Household.id == Visit.household_id)
        .where(*in_period, Household.status == "active")
        .group_by(group)
    ):
        result[index].visited_households = int(number)
    return result


# --- Visits to organisations ------------------------------------------------------------------

# The organisations whose visits are counted on the rates page (002 篇四 (一)).
VISITED_KINDS = ("party", "owners_committee")


@dataclass
class OrganisationVisitValues:
    visited_on: date | None
    visitor_ids: list[int]
    found: str
    needs: str = ""
    follow_up: str = ""


def record_organisation_visit(organisation, values: OrganisationVisitValues, user, today: date) -> OrganisationVisit:
    if values.visited_on is None:
        raise VisitError(_("请按 2024-01-05 的格式填写日期。"), "visited_on")
    if values.visited_on > today:
        raise VisitError(_("走访日期不能晚于今天。"), "visited_on")
    grid = organisation.grid
    allowed = {s.id: s for s in visitor_choices(grid, values.visited_on)}
    chosen = [allowed[i] for i in dict.fromkeys(values.visitor_ids) if i in allowed]
    if not chosen or len(chosen) != len(set(values.visitor_ids)):
        raise VisitError(_("请选择当天在本网格或本社区工作的走访人员。"), "visitor_ids")
    found = (values.found or "").strip()
    if not found:
        raise VisitError(_("请写明走访情况。"), "found")
    visit = OrganisationVisit(
        grid_id=grid.id,
        organisation_id=organisation.id,
        visited_on=values.visited_on,
        visitor_names=STORED_NAME_SEPARATOR.join(s.name for s in chosen)[:200],
        found=found,
        needs=(values.needs or "").strip(),
        follow_up=(values.follow_up or "").strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(visit)
    db.session.flush()
    audit.record(
        "organisation_visited",
        target=visit,
        summary=f"{organisation.name} {values.visited_on.isoformat()}",
        detail={"organisation_id": organisation.id, "visited_on": values.visited_on.isoformat()},
    )
    return visit


@dataclass
class OrganisationVisitCount:
    kind: str
    organisations: int = 0
    visited: int = 0  # distinct organisations visited in the period
    visits: int = 0


def organisation_visit_counts(grid_ids, start: date, end: date) -> list[OrganisationVisitCount]:
    """Per kind (party organisations, owners' committees): how many there are in the
    grids, how many were visited in the period and how many visits."""
    from app.registry.organisations.models import Organisation
    from app.registry.organisations.services import is_party_organisation

    conditions = {"party": is_party_organisation(), "owners_committee": Organisation.org_type == "owners_committee"}
    counts = []
    for kind in VISITED_KINDS:
        condition = conditions[kind]
        row = OrganisationVisitCount(kind)
        row.organisations = (
            db.session.scalar(
                select(func.count()).select_from(Organisation).where(Organisation.grid_id.in_(grid_ids), condition)
            )
            or 0
        )
        row.visited, row.visits = db.session.execute(
            select(func.count(OrganisationVisit.organisation_id.distinct()), func.count(OrganisationVisit.id))
            .join(Organisation, Organisation.id == OrganisationVisit.organisation_id)
            .where(
                OrganisationVisit.grid_id.in_(grid_ids),
                OrganisationVisit.visited_on.between(start, end),
                condition,
            )
        ).one()
        counts.append(row)
    return counts

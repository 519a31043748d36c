"""Quarterly figures over one or many grids: verification rates by class against
their targets, and the key-group visit quota.

核实率 (002 篇四): of the households of a class, the share that had a verification
visit (核实走访) in the quarter, counted separately for visits made by the area (片区)
staff — staff holding a post at one of the community's 片区, or assigned on the day to
another grid of the household's community — and
by the workstation (工作站) staff — staff assigned to the grid's community on the day.
核实 is a check by someone else: a visitor assigned to the household's own grid that
day counts for neither tier, even if they also work at the station. A household counts
once per tier however many verifications it had. Households count in the class in
force on the quarter's last day (or on the day asked, if earlier) and only while active.

The community's yearly check of every household (年度入户核实, annual_checks) and the
verifiers' verdicts still to be put right (corrections_due) are read here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.org.models import Division, StaffAssignment
from app.registry.keypersons.models import KeyPerson
from app.registry.people.models import Household, HouseholdMember
from app.registry.settings.visit_classes import period_bounds, visit_classes
from app.visits import reference
from app.visits.models import Visit, visit_visitor
from app.visits.schedule import class_changes_in_grids, class_on, household_grid_on, households_in_grids_on


def quarter_of(day: date) -> tuple[date, date]:
    return period_bounds("quarter", day)


def quarter_label(start: date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def parse_quarter(text: str | None, today: date) -> tuple[date, date]:
    """ "2026-Q3" → its first and last day; anything else → the quarter of today."""
    try:
        year, q = (text or "").upper().split("-Q")
        quarter = int(q)
        if 1 <= quarter <= 4 and 2000 <= int(year) <= 2100:
            return quarter_of(date(int(year), 3 * quarter - 2, 1))
    except ValueError:
        pass
    return quarter_of(today)


def grids_under(division: Division, start: date | None = None, end: date | None = None) -> list[Division]:
    """The active grids of a division (itself, when it is a grid) — or, for a period,
    the grids that existed in it: a quarter before a split counts the grid it retired."""
    if division.is_grid:
        return [division]
    in_force = (
        [Division.status == "active"]
        if start is None or end is None
        else [Division.valid_from <= end, or_(Division.valid_to.is_(None), Division.valid_to >= start)]
    )
    return list(
        db.session.scalars(
            select(Division)
            .where(Division.level == "grid", *in_force, Division.code.startswith(division.code, autoescape=True))
            .order_by(Division.code)
        )
    )


def _class_counts(grid_ids: list[int], day: date) -> tuple[dict[int, int], dict[int, tuple[int, list]]]:
    """({class: active households of these grids in that class on `day`}, the
    households that ever changed class). Counted in SQL by the class they are in now;
    only households with a recorded class change are looked at one by one (a county
    holds 60,000 households and few changes). A household a split or bulk move carried
    later still counts for the grid it was in on `day`."""
    counts = {
        int(level): int(number)
        for level, number in db.session.execute(
            select(Household.visit_class, func.count())
            .where(households_in_grids_on(grid_ids, day), Household.status == "active")
            .group_by(Household.visit_class)
        )
    }
    changed = class_changes_in_grids(grid_ids, day)
    for current, changes in changed.values():
        level = class_on(current, changes, day)[0]
        if level != current:
            counts[current] = counts.get(current, 0) - 1
            counts[level] = counts.get(level, 0) + 1
    return counts, changed


def _classes_of_verified(
    grid_ids: list[int], start: date, end: date, day: date, changed: dict[int, tuple[int, list]]
) -> dict[int, int]:
    """{household id: class on `day`} of the active households of these grids that
    had a verification visit in [start, end] (the only ones a rate needs one by one)."""
    verified = select(Visit.household_id).where(
        Visit.grid_id.in_(grid_ids),
        Visit.visited_on >= start,
        Visit.visited_on <= end,
        Visit.visit_type == "verification",
    )
    rows = db.session.execute(
        select(Household.id, Household.visit_class).where(
            Household.id.in_(verified), households_in_grids_on(grid_ids, day), Household.status == "active"
        )
    )
    return {
        household_id: class_on(level, changed[household_id][1], day)[0] if household_id in changed else level
        for household_id, level in rows
    }


def _verification_tiers(
    grid_ids: list[int],
    start: date,
    end: date,
    visit_type: str | None = "verification",
    households=None,
    *,
    exclude_own: bool = True,
) -> dict[str, set[int]]:
    """{tier: household ids with a visit of that type (any type: None) in [start, end]
    by staff of that tier}, among `households` (a select of ids) when given. With
    `exclude_own`, a visitor assigned to the household's grid on the day counts for no
    tier (a check by someone else); without it the station's staff count whatever else
    they hold (the key-group quota is the community's own visiting)."""
    community_of = dict(
        db.session.execute(select(Division.id, Division.parent_id).where(Division.id.in_(grid_ids))).all()
    )
    rows = db.session.execute(
        select(Visit.household_id, Visit.grid_id, Visit.visited_on, visit_visitor.c.staff_id)
        .join(visit_visitor, visit_visitor.c.visit_id == Visit.id)
        .where(
            Visit.grid_id.in_(grid_ids),
            Visit.visited_on >= start,
            Visit.visited_on <= end,
            *([Visit.visit_type == visit_type] if visit_type else []),
            *([Visit.household_id.in_(households)] if households is not None else []),
        )
    ).all()
    staff_ids = {r.staff_id for r in rows}
    assignments: dict[int, list[StaffAssignment]] = {}
    if staff_ids:
        for a in db.session.scalars(select(StaffAssignment).where(StaffAssignment.staff_id.in_(staff_ids))):
            assignments.setdefault(a.staff_id, []).append(a)
    parent_of = dict(
        db.session.execute(
            select(Division.id, Division.parent_id).where(
                Division.id.in_({a.division_id for found in assignments.values() for a in found})
            )
        ).all()
    )
    verified: dict[str, set[int]] = {tier: set() for tier in reference.TIERS}
    for row in rows:
        active = [a for a in assignments.get(row.staff_id, []) if a.is_active_on(row.visited_on)]
        if exclude_own and any(a.division_id == row.grid_id for a in active):
            continue
        community = community_of.get(row.grid_id)
        for a in active:
            if a.division_id == community and a.area_id is not None:
                verified["area"].add(row.household_id)  # a post at one of the community's 片区
            elif a.division_id == community:
                verified["station"].add(row.household_id)
            elif a.division_id != row.grid_id and community is not None and parent_of.get(a.division_id) == community:
                verified["area"].add(row.household_id)
    return verified


@dataclass
class RateRow:
    level: int
    name: str
    households: int
    verified: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)

    def percent(self, tier: str) -> float | None:
        if not self.households:
            return None
        return 100.0 * self.verified.get(tier, 0) / self.households

    def meets(self, tier: str) -> bool | None:
        rate = self.percent(tier)
        return None if rate is None else rate + 1e-9 >= self.targets.get(tier, 0)


def verification_rates(grid_ids: list[int], start: date, end: date, today: date) -> list[RateRow]:
    """One row per class: households, verified households per tier, targets."""
    reference_day = min(end, today)
    counts, classes = {}, {}
    verified = {t: set() for t in reference.TIERS}
    if grid_ids:
        counts, changed = _class_counts(grid_ids, reference_day)
        classes = _classes_of_verified(grid_ids, start, min(end, today), reference_day, changed)
        verified = _verification_tiers(grid_ids, start, min(end, today))
    targets = reference.verification_targets()
    rows = []
    for info in visit_classes():
        rows.append(
            RateRow(
                info.level,
                info.name,
                counts.get(info.level, 0),
                {
                    tier: sum(1 for h in verified.get(tier, set()) if classes.get(h) == info.level)
                    for tier in reference.TIERS
                },
                {tier: targets.get(tier, {}).get(info.level, 0) for tier in reference.TIERS},
            )
        )
    return rows


@dataclass
class KeyGroupQuota:
    grid_id: int
    key_households: int
    visited: int

    @property
    def required(self) -> int:
        """At least 3 households, or every one when the grid has fewer."""
        return min(reference.KEY_GROUP_HOUSEHOLDS_PER_QUARTER, self.key_households)

    @property
    def met(self) -> bool:
        return self.visited >= self.required


def key_group_quota(grid_ids: list[int], start: date, end: date) -> dict[int, KeyGroupQuota]:
    """Per grid: households with a key person in the quarter, and how many of them the
    community visited in it — a visit of any type by staff assigned to the grid's
    community (the station) on the day; the rule is the community's check on its grids
    (社区每季度对社区各网格的重点人群进行不少于3家的入户走访). Counts only: key persons'
    identities stay on their own pages. A household counts for the grid it was in at
    the end of the quarter (one a later split or bulk move carried on included)."""
    keyed = (
        select(household_grid_on(end), Household.id)
        .distinct()
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .join(KeyPerson, KeyPerson.resident_id == HouseholdMember.resident_id)
        .where(
            households_in_grids_on(grid_ids, end),
            Household.status == "active",
            HouseholdMember.start_date <= end,
            or_(HouseholdMember.end_date.is_(None), HouseholdMember.end_date >= start),
            KeyPerson.start_date <= end,
            or_(KeyPerson.end_date.is_(None), KeyPerson.end_date >= start),
        )
    )
    key_households: dict[int, set[int]] = {g: set() for g in grid_ids}
    for grid_id, household_id in db.session.execute(keyed).all():
        key_households[grid_id].add(household_id)
    # Only the key households' visits are read (a county quarter has some 30,000
    # visits, of which a few thousand are to key households).
    key_ids = select(keyed.subquery().c.id)
    visited = (
        _verification_tiers(grid_ids, start, end, visit_type=None, households=key_ids, exclude_own=False)["station"]
        if grid_ids
        else set()
    )
    return {g: KeyGroupQuota(g, len(ids), len(ids & visited)) for g, ids in key_households.items()}


# --- The yearly check and the verdicts to put right ---------------------------------------


@dataclass
class AnnualCheck:
    """年度入户核实 of one grid in a year: its active households and how many the
    community's station staff checked (村(社区)网格负责人员…每人每年核实一次入户信息)."""

    grid_id: int
    households: int
    checked: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.checked / self.households if self.households else None

    @property
    def complete(self) -> bool:
        return self.checked >= self.households


def annual_checks(grid_ids: list[int], year: int, until: date) -> dict[int, AnnualCheck]:
    """Per grid: the active households on the year's last day (or on `until`, within
    the year: today, or the end of the quarter a page shows) and how many of them had
    a 年度入户核实 by the station's staff from the year's start to that day. A household
    counts for the grid it was in on that day, so a past quarter's figure stays as it
    was after a split or a move."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), until)
    households: dict[int, set[int]] = {g: set() for g in grid_ids}
    if not grid_ids or end < start:
        return {g: AnnualCheck(g, 0, 0) for g in grid_ids}
    for grid_id, household_id in db.session.execute(
        select(household_grid_on(end), Household.id).where(
            households_in_grids_on(grid_ids, end), Household.status == "active"
        )
    ):
        households[grid_id].add(household_id)
    checked = _verification_tiers(grid_ids, start, end, visit_type="annual_check")["station"]
    return {g: AnnualCheck(g, len(ids), len(ids & checked)) for g, ids in households.items()}


def _corrections_due(grid_ids: list[int]):
    return Visit.grid_id.in_(grid_ids), Visit.record_check == "to_correct", Visit.corrected_on.is_(None)


def corrections_due(grid_ids: list[int]) -> list[Visit]:
    """Verifications whose verifier found the grid's records to correct and that the
    grid has not yet marked corrected, oldest first."""
    if not grid_ids:
        return []
    return list(
        db.session.scalars(
            select(Visit)
            .where(*_corrections_due(grid_ids))
            .options(selectinload(Visit.household), selectinload(Visit.visitors))
            .order_by(Visit.visited_on, Visit.id)
        )
    )


def count_corrections_due(grid_ids: list[int]) -> int:
    if not grid_ids:
        return 0
    return int(db.session.scalar(select(func.count()).select_from(Visit).where(*_corrections_due(grid_ids))) or 0)


def annual_total(checks: dict[int, AnnualCheck]) -> AnnualCheck:
    """The grids' yearly checks added up (grid_id 0)."""
    return AnnualCheck(0, sum(c.households for c in checks.values()), sum(c.checked for c in checks.values()))

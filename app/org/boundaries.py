"""Grids and their boundaries over time: creating a grid with its first boundary
version, redrawing a boundary (a new dated version, the old one kept), and splitting
and merging grids — the old grids retire on the change date, the new ones start on
it, and the change is recorded with the grids on both sides for the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import audit
from app.extensions import db
from app.org.models import Building, Division, GridChange, GridChangeLink, GridProfile, Level, StaffAssignment
from app.org.services import OrgError, create_child


@dataclass
class ProfileValues:
    boundary_east: str = ""
    boundary_south: str = ""
    boundary_west: str = ""
    boundary_north: str = ""
    households_estimate: int | None = None
    population_estimate: int | None = None
    area_km2: float | None = None


def _new_profile(grid: Division, values: ProfileValues, effective_from: date, reason: str, user=None) -> GridProfile:
    profile = GridProfile(
        grid=grid,
        effective_from=effective_from,
        reason=reason,
        recorded_by_id=getattr(user, "id", None),
        **values.__dict__,
    )
    db.session.add(profile)
    return profile


def create_grid(
    community: Division,
    *,
    code_segment: str,
    name: str,
    kind: str,
    values: ProfileValues,
    valid_from: date | None = None,
    user=None,
) -> Division:
    if community.level != Level.COMMUNITY.value:
        raise OrgError(_("网格只能建在社区（村）下。"))
    grid = create_child(community, code_segment=code_segment, name=name, kind=kind, valid_from=valid_from)
    _new_profile(grid, values, grid.valid_from, _("新建网格"), user)
    return grid


def redraw_boundary(grid: Division, values: ProfileValues, effective_from: date, reason: str, user=None) -> GridProfile:
    """Close the current version the day before and open a new one."""
    if not grid.is_grid:
        raise OrgError(_("只有网格有四至边界。"))
    if not grid.is_active:
        raise OrgError(_("网格已撤销，不能修改边界。"))
    current = grid.current_profile
    if current is not None:
        if effective_from <= current.effective_from:
            raise OrgError(
                _("生效日期须晚于当前版本的生效日期（%(d)s）。", d=current.effective_from.isoformat()), "effective_from"
            )
        current.effective_to = effective_from - timedelta(days=1)
    profile = _new_profile(grid, values, effective_from, reason, user)
    db.session.flush()
    audit.record(
        "grid_boundary_changed", target=grid, summary=reason, detail={"effective_from": effective_from.isoformat()}
    )
    return profile


def _retire(grid: Division, effective_date: date) -> None:
    """End a grid the day before the change takes effect, with its open versions and
    assignments; its code is never reused."""
    last_day = effective_date - timedelta(days=1)
    grid.status = "retired"
    grid.valid_to = last_day
    for profile in grid.profiles:
        if profile.effective_to is None:
            profile.effective_to = last_day
    for assignment in db.session.scalars(
        select(StaffAssignment).where(StaffAssignment.division_id == grid.id, StaffAssignment.end_date.is_(None))
    ):
        assignment.end_date = max(last_day, assignment.start_date)


def _community_of(grid: Division) -> Division:
    if grid.parent is None:  # a grid hangs from its community; only a county has no parent
        raise OrgError(_("只能调整在用的网格。"))
    return grid.parent


def _check_change_date(grids: list[Division], effective_date: date) -> None:
    for grid in grids:
        if not grid.is_grid or not grid.is_active:
            raise OrgError(_("只能调整在用的网格。"))
        if effective_date <= grid.valid_from:
            raise OrgError(_("生效日期须晚于网格 %(name)s 的设立日期。", name=grid.name), "effective_date")


@dataclass
class NewGridSpec:
    code_segment: str
    name: str
    values: ProfileValues
    building_ids: list[int] = field(default_factory=list)


def check_split(grid: Division, parts: list[NewGridSpec], effective_date: date) -> dict[int, Building]:
    """The split's rules, checked for its preview as for doing it; the grid's buildings by id."""
    _check_change_date([grid], effective_date)
    if len(parts) < 2:
        raise OrgError(_("拆分至少需要两个新网格。"))
    buildings = {b.id: b for b in db.session.scalars(select(Building).where(Building.grid_id == grid.id))}
    chosen = [bid for part in parts for bid in part.building_ids]
    if len(chosen) != len(set(chosen)):
        raise OrgError(_("同一楼栋不能分到两个网格。"), "buildings")
    if set(chosen) - set(buildings):
        raise OrgError(_("只能分配原网格内的楼栋。"), "buildings")
    if set(buildings) - set(chosen):
        raise OrgError(_("原网格的每个楼栋都须分到一个新网格（无缝覆盖）。"), "buildings")
    return buildings


def split_grid(grid: Division, parts: list[NewGridSpec], effective_date: date, reason: str, user=None) -> GridChange:
    """Replace one grid by two or more; its buildings go to the part chosen for each."""
    buildings = check_split(grid, parts, effective_date)
    change = GridChange(
        kind="split", effective_date=effective_date, reason=reason, recorded_by_id=getattr(user, "id", None)
    )
    db.session.add(change)
    change.links.append(GridChangeLink(grid=grid, side="before"))
    _retire(grid, effective_date)
    community = _community_of(grid)
    for part in parts:
        new_grid = create_grid(
            community,
            code_segment=part.code_segment,
            name=part.name,
            kind=grid.kind,
            values=part.values,
            valid_from=effective_date,
            user=user,
        )
        change.links.append(GridChangeLink(grid=new_grid, side="after"))
        for bid in part.building_ids:
            buildings[bid].grid = new_grid
    db.session.flush()
    audit.record(
        "grid_split",
        target=grid,
        summary=reason,
        detail={"into": [link.grid.code for link in change.links if link.side == "after"]},
    )
    return change


def check_merge(grids: list[Division], effective_date: date) -> None:
    """The merge's rules, checked for its preview as for doing it."""
    if len(grids) < 2:
        raise OrgError(_("合并至少需要选择两个网格。"), "grids")
    if len({g.parent_id for g in grids}) != 1:
        raise OrgError(_("只能合并同一社区（村）内的网格。"), "grids")
    _check_change_date(grids, effective_date)


def merge_grids(grids: list[Division], into: NewGridSpec, effective_date: date, reason: str, user=None) -> GridChange:
    """Replace two or more grids of one community by one; buildings and the open
    staff assignments move to the new grid."""
    check_merge(grids, effective_date)
    community = _community_of(grids[0])
    change = GridChange(
        kind="merge", effective_date=effective_date, reason=reason, recorded_by_id=getattr(user, "id", None)
    )
    db.session.add(change)
    carried: list[StaffAssignment] = []
    for grid in grids:
        change.links.append(GridChangeLink(grid=grid, side="before"))
        carried.extend(
            db.session.scalars(
                select(StaffAssignment).where(
                    StaffAssignment.division_id == grid.id, StaffAssignment.end_date.is_(None)
                )
            )
        )
    for grid in grids:
        _retire(grid, effective_date)
    new_grid = create_grid(
        community,
        code_segment=into.code_segment,
        name=into.name,
        kind=grids[0].kind,
        values=into.values,
        valid_from=effective_date,
        user=user,
    )
    change.links.append(GridChangeLink(grid=new_grid, side="after"))
    for building in db.session.scalars(select(Building).where(Building.grid_id.in_([g.id for g in grids]))):
        building.grid = new_grid
    seen = set()
    for old in carried:
        key = (old.staff_id, old.role)
        if key in seen:
            continue
        seen.add(key)
        db.session.add(
            StaffAssignment(
                staff_id=old.staff_id,
                division=new_grid,
                role=old.role,
                role_note=old.role_note,
                start_date=effective_date,
            )
        )
    db.session.flush()
    audit.record("grid_merged", target=new_grid, summary=reason, detail={"from": [g.code for g in grids]})
    return change


def grid_changes(grid: Division) -> list[GridChange]:
    """Splits and merges this grid took part in, oldest first."""
    return list(
        db.session.scalars(
            select(GridChange)
            .join(GridChangeLink)
            .where(GridChangeLink.grid_id == grid.id)
            .order_by(GridChange.effective_date, GridChange.id)
        )
    )

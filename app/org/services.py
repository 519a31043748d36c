"""Rules for the division tree and grids: codes, creation, boundary versions,
splits and merges, coverage, and the 1+1+1+X team check."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth import audit
from app.core.forms import RuleError
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import (GRID_WORKER_ROLES, KINDS_BY_LEVEL, Building, Division, GridChange,
                            GridChangeLink, GridProfile, Level, StaffAssignment, StaffRole)


class OrgError(RuleError):
    """A rule of the division tree, grids, staff or teams refused the change."""


# --- Codes ---------------------------------------------------------------------------

def child_code(parent: Division | None, segment: str, level: Level) -> str:
    """The full code of a new node: the parent's code followed by this level's digits."""
    segment = (segment or "").strip()
    digits = level.code_digits
    if not re.fullmatch(rf"\d{{{digits}}}", segment):
        raise OrgError(_("代码须为 %(n)d 位数字。", n=digits), "code_segment")
    if level != Level.COUNTY and int(segment) == 0:
        raise OrgError(_("代码不能全为 0。"), "code_segment")
    return (parent.code if parent else "") + segment


def _check_code_free(code: str) -> None:
    if db.session.scalar(select(Division.id).where(Division.code == code)) is not None:
        raise OrgError(_("代码 %(code)s 已被使用（代码一经使用不再分配，已撤销的网格也保留其代码）。", code=code),
                       "code_segment")


def next_free_segment(parent: Division, level: Level) -> str:
    """The lowest unused segment under a parent: a sensible default in forms."""
    digits = level.code_digits
    used = set(db.session.scalars(select(Division.code).where(Division.parent_id == parent.id)))
    for number in range(1, 10 ** digits):
        candidate = str(number).zfill(digits)
        if parent.code + candidate not in used:
            return candidate
    raise OrgError(_("该上级下的代码已用完。"), "code_segment")


# --- Divisions -----------------------------------------------------------------------

def create_county(*, code: str, name: str, kind: str = "county") -> Division:
    full = child_code(None, code, Level.COUNTY)
    _check_code_free(full)
    county = Division(level=Level.COUNTY.value, code=full, name=name, kind=kind,
                      valid_from=local_today())
    db.session.add(county)
    db.session.flush()
    return county


def create_child(parent: Division, *, code_segment: str, name: str, kind: str,
                 valid_from: date | None = None, note: str = "") -> Division:
    level = parent.level_enum.child
    if level is None:
        raise OrgError(_("网格下不能再建下级区划；楼栋请在网格页面添加。"))
    if not parent.is_active:
        raise OrgError(_("上级已撤销，不能新建下级。"))
    if kind not in KINDS_BY_LEVEL[level]:
        raise OrgError(_("类型不适用于该级别。"), "kind")
    name = name.strip()
    if not name:
        raise OrgError(_("此项为必填项。"), "name")
    if db.session.scalar(select(Division.id).where(Division.parent_id == parent.id,
                                                   Division.name == name,
                                                   Division.status == "active")):
        raise OrgError(_("同一上级下已有同名的%(level)s。", level=level.label), "name")
    code = child_code(parent, code_segment, level)
    _check_code_free(code)
    node = Division(parent=parent, level=level.value, code=code, name=name, kind=kind,
                    valid_from=valid_from or local_today(), note=note)
    db.session.add(node)
    db.session.flush()
    audit.record("division_created", target=node, summary=f"{node.code} {node.name}")
    return node


def rename_division(node: Division, *, name: str, kind: str, note: str) -> None:
    if kind not in KINDS_BY_LEVEL[node.level_enum]:
        raise OrgError(_("类型不适用于该级别。"), "kind")
    node.name = name.strip()
    node.kind = kind
    node.note = note


def visible_grids(user=None) -> list[Division]:
    """The active grids the user may see, in code order (for grid pickers)."""
    from app.core.scoping import scoped_select
    return list(db.session.scalars(scoped_select(Division, user).where(
        Division.level == Level.GRID.value, Division.status == "active").order_by(Division.code)))


def grid_label(grid: Division) -> str:
    """"东关社区 · 东关一网格": a grid named with its community, for pickers."""
    return f"{grid.parent.name} · {grid.name}" if grid.parent else grid.name


def chosen_grid(grids: list[Division], grid_id: int | None) -> Division | None:
    """The grid of that id among those offered (None when it is not one of them)."""
    return next((g for g in grids if g.id == grid_id), None)


def division_choices(divisions: Iterable[Division]) -> list[tuple[int, str]]:
    """Options for a select: indented by level, code first so a clerk can type it."""
    indent = {"county": "", "town": "\u00a0" * 2, "community": "\u00a0" * 4, "grid": "\u00a0" * 6}
    return [(d.id, f"{indent[d.level]}{d.code} {d.name}" + ("" if d.is_active else _("（已撤销）")))
            for d in divisions]


# --- Grid profiles (boundary versions) ----------------------------------------------

@dataclass
class ProfileValues:
    boundary_east: str = ""
    boundary_south: str = ""
    boundary_west: str = ""
    boundary_north: str = ""
    households_estimate: int | None = None
    population_estimate: int | None = None
    area_km2: float | None = None


def _new_profile(grid: Division, values: ProfileValues, effective_from: date, reason: str,
                 user=None) -> GridProfile:
    profile = GridProfile(grid=grid, effective_from=effective_from, reason=reason,
                          recorded_by_id=getattr(user, "id", None), **values.__dict__)
    db.session.add(profile)
    return profile


def create_grid(community: Division, *, code_segment: str, name: str, kind: str,
                values: ProfileValues, valid_from: date | None = None, user=None) -> Division:
    if community.level != Level.COMMUNITY.value:
        raise OrgError(_("网格只能建在社区（村）下。"))
    grid = create_child(community, code_segment=code_segment, name=name, kind=kind,
                        valid_from=valid_from)
    _new_profile(grid, values, grid.valid_from, _("新建网格"), user)
    return grid


def redraw_boundary(grid: Division, values: ProfileValues, effective_from: date, reason: str,
                    user=None) -> GridProfile:
    """Close the current version the day before and open a new one."""
    if not grid.is_grid:
        raise OrgError(_("只有网格有四至边界。"))
    if not grid.is_active:
        raise OrgError(_("网格已撤销，不能修改边界。"))
    current = grid.current_profile
    if current is not None:
        if effective_from <= current.effective_from:
            raise OrgError(_("生效日期须晚于当前版本的生效日期（%(d)s）。",
                             d=current.effective_from.isoformat()), "effective_from")
        current.effective_to = effective_from - timedelta(days=1)
    profile = _new_profile(grid, values, effective_from, reason, user)
    db.session.flush()
    audit.record("grid_boundary_changed", target=grid, summary=reason,
                 detail={"effective_from": effective_from.isoformat()})
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
    for assignment in db.session.scalars(select(StaffAssignment).where(
            StaffAssignment.division_id == grid.id, StaffAssignment.end_date.is_(None))):
        assignment.end_date = max(last_day, assignment.start_date)


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


def split_grid(grid: Division, parts: list[NewGridSpec], effective_date: date, reason: str,
               user=None) -> GridChange:
    """Replace one grid by two or more; its buildings go to the part chosen for each."""
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
    change = GridChange(kind="split", effective_date=effective_date, reason=reason,
                        recorded_by_id=getattr(user, "id", None))
    db.session.add(change)
    change.links.append(GridChangeLink(grid=grid, side="before"))
    _retire(grid, effective_date)
    for part in parts:
        new_grid = create_grid(grid.parent, code_segment=part.code_segment, name=part.name,
                               kind=grid.kind, values=part.values, valid_from=effective_date, user=user)
        change.links.append(GridChangeLink(grid=new_grid, side="after"))
        for bid in part.building_ids:
            buildings[bid].grid = new_grid
    db.session.flush()
    audit.record("grid_split", target=grid, summary=reason,
                 detail={"into": [link.grid.code for link in change.links if link.side == "after"]})
    return change


def merge_grids(grids: list[Division], into: NewGridSpec, effective_date: date, reason: str,
                user=None) -> GridChange:
    """Replace two or more grids of one community by one; buildings and the open
    staff assignments move to the new grid."""
    if len(grids) < 2:
        raise OrgError(_("合并至少需要选择两个网格。"), "grids")
    if len({g.parent_id for g in grids}) != 1:
        raise OrgError(_("只能合并同一社区（村）内的网格。"), "grids")
    _check_change_date(grids, effective_date)
    community = grids[0].parent
    change = GridChange(kind="merge", effective_date=effective_date, reason=reason,
                        recorded_by_id=getattr(user, "id", None))
    db.session.add(change)
    carried = []
    for grid in grids:
        change.links.append(GridChangeLink(grid=grid, side="before"))
        carried.extend(db.session.scalars(select(StaffAssignment).where(
            StaffAssignment.division_id == grid.id, StaffAssignment.end_date.is_(None))))
    for grid in grids:
        _retire(grid, effective_date)
    new_grid = create_grid(community, code_segment=into.code_segment, name=into.name,
                           kind=grids[0].kind, values=into.values, valid_from=effective_date, user=user)
    change.links.append(GridChangeLink(grid=new_grid, side="after"))
    for building in db.session.scalars(select(Building).where(Building.grid_id.in_([g.id for g in grids]))):
        building.grid = new_grid
    seen = set()
    for old in carried:
        key = (old.staff_id, old.role)
        if key in seen:
            continue
        seen.add(key)
        db.session.add(StaffAssignment(staff_id=old.staff_id, division=new_grid, role=old.role,
                                       role_note=old.role_note, start_date=effective_date))
    db.session.flush()
    audit.record("grid_merged", target=new_grid, summary=reason,
                 detail={"from": [g.code for g in grids]})
    return change


def grid_changes(grid: Division) -> list[GridChange]:
    """Splits and merges this grid took part in, oldest first."""
    return list(db.session.scalars(
        select(GridChange).join(GridChangeLink).where(GridChangeLink.grid_id == grid.id)
        .order_by(GridChange.effective_date, GridChange.id)))


# --- Teams and coverage --------------------------------------------------------------

def active_assignments(division_ids: list[int], day: date | None = None) -> list[StaffAssignment]:
    day = day or local_today()
    if not division_ids:
        return []
    return list(db.session.scalars(
        select(StaffAssignment).where(
            StaffAssignment.division_id.in_(division_ids), StaffAssignment.start_date <= day,
            (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= day))
        .order_by(StaffAssignment.role, StaffAssignment.id)))


@dataclass
class TeamCheck:
    """The "1+1+1+X" check: 1 grid chief, 1 party-organisation head, 1 full- or
    part-time grid worker, and X (at least one) volunteers."""
    chiefs: int
    party_heads: int
    workers: int
    volunteers: int

    @property
    def missing(self) -> list[str]:
        gaps = []
        if self.chiefs < 1:
            gaps.append(_("网格长"))
        if self.party_heads < 1:
            gaps.append(_("党组织负责人"))
        if self.workers < 1:
            gaps.append(_("专（兼）职网格员"))
        if self.volunteers < 1:
            gaps.append(_("志愿者"))
        return gaps

    @property
    def complete(self) -> bool:
        return not self.missing


def team_check(assignments: list[StaffAssignment]) -> TeamCheck:
    roles = [a.role for a in assignments]
    return TeamCheck(
        chiefs=roles.count(StaffRole.GRID_CHIEF.value),
        party_heads=roles.count(StaffRole.PARTY_HEAD.value),
        workers=sum(roles.count(r) for r in GRID_WORKER_ROLES),
        volunteers=roles.count(StaffRole.VOLUNTEER.value),
    )


def team_checks(grids: list[Division], day: date | None = None) -> dict[int, TeamCheck]:
    """One query for many grids (the community and coverage pages)."""
    by_grid: dict[int, list[StaffAssignment]] = {g.id: [] for g in grids}
    for assignment in active_assignments(list(by_grid), day):
        by_grid[assignment.division_id].append(assignment)
    return {gid: team_check(items) for gid, items in by_grid.items()}


@dataclass
class Coverage:
    community: Division
    grids_without_worker: list[Division]
    grids_without_boundary: list[Division]
    buildings_without_grid: list[Building]
    incomplete_teams: list[tuple[Division, TeamCheck]]

    @property
    def complete(self) -> bool:
        return not (self.grids_without_worker or self.grids_without_boundary
                    or self.buildings_without_grid)


def coverage(community: Division, day: date | None = None) -> Coverage:
    """无缝覆盖、不留空白: what in a community is not yet covered."""
    grids = [g for g in community.children if g.is_grid and g.is_active]
    checks = team_checks(grids, day)
    return Coverage(
        community=community,
        grids_without_worker=[g for g in grids if checks[g.id].workers == 0],
        grids_without_boundary=[g for g in grids
                                if g.current_profile is None or not g.current_profile.has_boundary],
        buildings_without_grid=list(db.session.scalars(
            select(Building).where(Building.community_id == community.id, Building.grid_id.is_(None))
            .order_by(Building.number))),
        incomplete_teams=[(g, checks[g.id]) for g in grids if not checks[g.id].complete],
    )


def count_children(node: Division) -> dict[str, int]:
    rows = db.session.execute(select(Division.level, func.count()).where(
        Division.code.startswith(node.code), Division.id != node.id, Division.status == "active")
        .group_by(Division.level))
    return dict(rows.all())


# --- Departments ---------------------------------------------------------------------

# The departments named in the source documents (职能部门), created with the county so
# that matters can be dispatched from day one; contacts are filled in afterwards.
DEFAULT_DEPARTMENTS = (
    ("县公安局", "公安"), ("县城市管理局", "城管"), ("县民政局", "民政"),
    ("县人力资源和社会保障局", "人社"), ("县生态环境分局", "环保"), ("县应急管理局", "安监"),
    ("县市场监督管理局", "市场监管"), ("县住房和城乡建设局", "住建"), ("县卫生健康局", "卫健"),
    ("县司法局", "司法"), ("县信访局", "信访"), ("县供电公司", "供电"),
)


def ensure_default_departments() -> int:
    from app.org.models import Department
    existing = set(db.session.scalars(select(Department.name)))
    added = 0
    for name, short in DEFAULT_DEPARTMENTS:
        if name not in existing:
            db.session.add(Department(name=name, short_name=short))
            added += 1
    return added

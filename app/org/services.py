"""Rules for the division tree: codes, creation and renaming, grid labels and
choices, coverage, the 1+1+1+X team check and the default departments. Grids'
boundary versions, splits and merges are in app.org.boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth import audit
from app.core.forms import RuleError
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import (
    GRID_WORKER_ROLES,
    KINDS_BY_LEVEL,
    Building,
    Division,
    Level,
    StaffAssignment,
    StaffMember,
    StaffRole,
)
from app.org.ordering import buildings_in_order


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
        raise OrgError(
            _("代码 %(code)s 已被使用（代码一经使用不再分配，已撤销的网格也保留其代码）。", code=code), "code_segment"
        )


def next_free_segment(parent: Division, level: Level) -> str:
    """The lowest unused segment under a parent: a sensible default in forms."""
    digits = level.code_digits
    used = set(db.session.scalars(select(Division.code).where(Division.parent_id == parent.id)))
    for number in range(1, 10**digits):
        candidate = str(number).zfill(digits)
        if parent.code + candidate not in used:
            return candidate
    raise OrgError(_("该上级下的代码已用完。"), "code_segment")


# --- Divisions -----------------------------------------------------------------------


def create_county(*, code: str, name: str, kind: str = "county") -> Division:
    full = child_code(None, code, Level.COUNTY)
    _check_code_free(full)
    county = Division(level=Level.COUNTY.value, code=full, name=name, kind=kind, valid_from=local_today())
    db.session.add(county)
    db.session.flush()
    return county


def create_child(
    parent: Division, *, code_segment: str, name: str, kind: str, valid_from: date | None = None, note: str = ""
) -> Division:
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
    if db.session.scalar(
        select(Division.id).where(Division.parent_id == parent.id, Division.name == name, Division.status == "active")
    ):
        raise OrgError(_("同一上级下已有同名的%(level)s。", level=level.label), "name")
    code = child_code(parent, code_segment, level)
    _check_code_free(code)
    node = Division(
        parent=parent,
        level=level.value,
        code=code,
        name=name,
        kind=kind,
        valid_from=valid_from or local_today(),
        note=note,
    )
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

    return list(
        db.session.scalars(
            scoped_select(Division, user)
            .where(Division.level == Level.GRID.value, Division.status == "active")
            .order_by(Division.code)
        )
    )


def grid_label(grid: Division) -> str:
    """ "东关社区 · 东关一网格": a grid named with its community, for pickers."""
    return f"{grid.parent.name} · {grid.name}" if grid.parent else grid.name


def chosen_grid(grids: list[Division], grid_id: int | None) -> Division | None:
    """The grid of that id among those offered (None when it is not one of them)."""
    return next((g for g in grids if g.id == grid_id), None)


def division_choices(divisions: Iterable[Division]) -> list[tuple[int, str]]:
    """Options for a select: indented by level, code first so a clerk can type it."""
    indent = {"county": "", "town": "\u00a0" * 2, "community": "\u00a0" * 4, "grid": "\u00a0" * 6}
    return [(d.id, f"{indent[d.level]}{d.code} {d.name}" + ("" if d.is_active else _("（已撤销）"))) for d in divisions]


# --- Teams and coverage --------------------------------------------------------------


def _active_on(day: date):
    return StaffAssignment.start_date <= day, (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= day)


def active_assignments(division_ids: list[int], day: date | None = None) -> list[StaffAssignment]:
    day = day or local_today()
    if not division_ids:
        return []
    return list(
        db.session.scalars(
            select(StaffAssignment)
            .where(StaffAssignment.division_id.in_(division_ids), *_active_on(day))
            .order_by(StaffAssignment.role, StaffAssignment.id)
        )
    )


@dataclass
class ChainLink:
    """One level above a grid: the post, where it is held, and who holds it (empty:
    nobody now — a gap the coverage view names)."""

    role: str
    place: str
    staff: list[StaffMember]

    @property
    def label(self) -> str:
        return StaffRole(self.role).label


def chain_of(grid: Division, day: date | None = None) -> list[ChainLink]:
    """The grid chiefs above a grid, top down (002 篇九): 总网格长 of its town, 一级 and
    二级网格长 of its community, 片区网格长 of its 片区 (when it has one)."""
    community = grid.parent
    town = community.parent if community is not None else None
    division_ids = [d.id for d in (community, town) if d is not None]
    by_role: dict[tuple[str, int | None], list[StaffMember]] = {}
    for a in active_assignments(division_ids, day):  # looked up below by the chain's posts
        by_role.setdefault((a.role, a.area_id), []).append(a.staff)
    links = []
    if town is not None:
        links.append(
            ChainLink(StaffRole.TOTAL_CHIEF.value, town.name, by_role.get((StaffRole.TOTAL_CHIEF.value, None), []))
        )
    if community is not None:
        for role in (StaffRole.FIRST_LEVEL_CHIEF.value, StaffRole.SECOND_LEVEL_CHIEF.value):
            links.append(ChainLink(role, community.name, by_role.get((role, None), [])))
    if grid.area is not None and grid.area.is_active:
        links.append(
            ChainLink(
                StaffRole.AREA_CHIEF.value, grid.area.name, by_role.get((StaffRole.AREA_CHIEF.value, grid.area_id), [])
            )
        )
    return links


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
    return _team_check([a.role for a in assignments])


def _team_check(roles: list[str]) -> TeamCheck:
    return TeamCheck(
        chiefs=roles.count(StaffRole.GRID_CHIEF.value),
        party_heads=roles.count(StaffRole.PARTY_HEAD.value),
        workers=sum(roles.count(r) for r in GRID_WORKER_ROLES),
        volunteers=roles.count(StaffRole.VOLUNTEER.value),
    )


def team_checks(grids: list[Division], day: date | None = None) -> dict[int, TeamCheck]:
    """One query for many grids (the community and coverage pages, the county's home
    page): only each assignment's grid and role, not the rows (a county's 300 grids
    hold thousands of volunteers)."""
    roles: dict[int, list[str]] = {g.id: [] for g in grids}
    if roles:
        rows = db.session.execute(
            select(StaffAssignment.division_id, StaffAssignment.role).where(
                StaffAssignment.division_id.in_(list(roles)), *_active_on(day or local_today())
            )
        )
        for division_id, role in rows:
            roles[division_id].append(role)
    return {gid: _team_check(items) for gid, items in roles.items()}


@dataclass
class Coverage:
    community: Division
    grids_without_worker: list[Division]
    grids_without_boundary: list[Division]
    buildings_without_grid: list[Building]
    incomplete_teams: list[tuple[Division, TeamCheck]]

    @property
    def complete(self) -> bool:
        return not (self.grids_without_worker or self.grids_without_boundary or self.buildings_without_grid)


@dataclass
class LevelGaps:
    """The levels above a community's grids that nobody holds now: the posts missing
    (总网格长 of its town, 一级 and 二级网格长 of the community), its 片区 without a
    片区网格长, and — once it has 片区 — grids in none."""

    missing_posts: list[ChainLink]
    areas_without_chief: list
    grids_without_area: list[Division]

    @property
    def complete(self) -> bool:
        return not (self.missing_posts or self.areas_without_chief or self.grids_without_area)


def level_gaps(community: Division, day: date | None = None) -> LevelGaps:
    from app.org.models import GridArea

    grids = [g for g in community.children if g.is_grid and g.is_active]
    areas = list(
        db.session.scalars(
            select(GridArea).where(GridArea.community_id == community.id, GridArea.is_active).order_by(GridArea.name)
        )
    )
    staffed = {
        (a.role, a.area_id)
        for a in active_assignments([community.id], day)
        if a.role in (StaffRole.AREA_CHIEF.value, StaffRole.FIRST_LEVEL_CHIEF.value, StaffRole.SECOND_LEVEL_CHIEF.value)
    }
    missing = []
    if community.parent is not None:
        town_chiefs = [
            a.staff for a in active_assignments([community.parent.id], day) if a.role == StaffRole.TOTAL_CHIEF.value
        ]
        if not town_chiefs:
            missing.append(ChainLink(StaffRole.TOTAL_CHIEF.value, community.parent.name, []))
    for role in (StaffRole.FIRST_LEVEL_CHIEF.value, StaffRole.SECOND_LEVEL_CHIEF.value):
        if (role, None) not in staffed:
            missing.append(ChainLink(role, community.name, []))
    return LevelGaps(
        missing_posts=missing,
        areas_without_chief=[a for a in areas if (StaffRole.AREA_CHIEF.value, a.id) not in staffed],
        grids_without_area=[g for g in grids if g.area_id is None or g.area not in areas] if areas else [],
    )


def coverage(community: Division, day: date | None = None) -> Coverage:
    """无缝覆盖、不留空白: what in a community is not yet covered."""
    return coverages([community], day)[0]


def coverages(communities: list[Division], day: date | None = None) -> list[Coverage]:
    """coverage() of many communities in four queries, however many (a county
    administrator's home page asks for 50; one by one it took 426 statements)."""
    ids = [c.id for c in communities]
    children = db.session.scalars(
        select(Division).where(Division.parent_id.in_(ids)).options(selectinload(Division.profiles))
    )
    grids_of: dict[int, list[Division]] = {i: [] for i in ids}
    for child in sorted(children, key=lambda d: d.code):
        if child.is_grid and child.is_active and child.parent_id is not None:
            grids_of[child.parent_id].append(child)
    checks = team_checks([g for grids in grids_of.values() for g in grids], day)
    loose: dict[int, list[Building]] = {i: [] for i in ids}
    for building in db.session.scalars(
        select(Building).where(Building.community_id.in_(ids), Building.grid_id.is_(None))
    ):
        loose[building.community_id].append(building)
    return [
        Coverage(
            community=community,
            grids_without_worker=[g for g in grids_of[community.id] if checks[g.id].workers == 0],
            grids_without_boundary=[
                g for g in grids_of[community.id] if g.current_profile is None or not g.current_profile.has_boundary
            ],
            buildings_without_grid=buildings_in_order(loose[community.id]),
            incomplete_teams=[(g, checks[g.id]) for g in grids_of[community.id] if not checks[g.id].complete],
        )
        for community in communities
    ]


def count_children(node: Division) -> dict[str, int]:
    rows = db.session.execute(
        select(Division.level, func.count())
        .where(Division.code.startswith(node.code), Division.id != node.id, Division.status == "active")
        .group_by(Division.level)
    )
    return dict(rows.all())


# --- Departments ---------------------------------------------------------------------

# The departments named in the source documents (职能部门), created with the county so
# that matters can be dispatched from day one; contacts are filled in afterwards.
DEFAULT_DEPARTMENTS = (
    ("县公安局", "公安"),
    ("县城市管理局", "城管"),
    ("县民政局", "民政"),
    ("县人力资源和社会保障局", "人社"),
    ("县生态环境分局", "环保"),
    ("县应急管理局", "安监"),
    ("县市场监督管理局", "市场监管"),
    ("县住房和城乡建设局", "住建"),
    ("县卫生健康局", "卫健"),
    ("县司法局", "司法"),
    ("县信访局", "信访"),
    ("县供电公司", "供电"),
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

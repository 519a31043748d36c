"""The division tree, buildings, staff and accounts of the county-sized demo
(`flask seed-demo --scale county`): 1 county, 10 towns/streets, 60 communities and
villages, 300 grids with their boundary versions, buildings (urban grids) or 片组
clusters (rural grids), a complete 1+1+1+X team in every grid, service teams, the
departments and the six demo accounts.

Rows go in with SQLAlchemy Core executemany and explicit ids (one transaction per
table), not through the services: the services check and audit one record at a
time, which is right for people and far too slow for a whole county. The rows are
what the services would write (codes nest, every grid has a profile, staff are
assigned from the start date). The population is app.demo.scale_county's."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Column, MetaData, Table, func, insert, select, text

from app.core.timeutil import utcnow
from app.demo.county import DemoAlreadyLoaded
from app.extensions import db
from app.org import services
from app.org.models import (
    Building,
    Department,
    Division,
    GridProfile,
    ServiceTeam,
    StaffAssignment,
    StaffMember,
    StaffRole,
    TeamMembership,
)

START = date(2024, 1, 1)
BATCH = 5000

# (segment, name, kind): two streets (街道) of the county seat, six towns, two townships.
TOWNS = (
    ("001", "城关街道", "street"),
    ("002", "城东街道", "street"),
    ("003", "青山镇", "town"),
    ("004", "柳河镇", "town"),
    ("005", "白石镇", "town"),
    ("006", "龙泉镇", "town"),
    ("007", "桃园镇", "town"),
    ("008", "红星镇", "town"),
    ("009", "清水乡", "township"),
    ("010", "石门乡", "township"),
)
STREET_COMMUNITIES = (
    ("东门", "东大街"),
    ("西街", "西大街"),
    ("南关", "南关路"),
    ("北苑", "北苑路"),
    ("幸福", "幸福路"),
    ("和平", "和平路"),
    ("建设", "建设路"),
    ("文化", "文化路"),
    ("朝阳", "朝阳路"),
    ("新华", "新华街"),
    ("胜利", "胜利路"),
    ("光明", "光明路"),
)
VILLAGES = (
    "李家庄",
    "王家沟",
    "石桥",
    "枣园",
    "杨家坪",
    "柳溪",
    "桃花",
    "马家湾",
    "河西",
    "东坡",
    "南岭",
    "北沟",
    "上河",
    "下河",
    "张家堡",
    "刘家寨",
    "赵家湾",
    "陈家坝",
    "黄土岭",
    "红旗",
    "前进",
    "新庄",
    "老庄",
    "双河",
    "三岔",
    "五里铺",
    "十里铺",
    "白杨",
    "槐树",
    "梨园",
    "杏花",
    "金河",
    "银湾",
    "龙王庙",
    "凤凰",
    "马鞍山",
    "牛家岭",
    "高家台",
    "孙家湾",
    "周家庄",
)
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
STAFF_PHONE_PREFIXES = ("138", "139", "135", "137", "150", "151", "158", "187", "188")


@dataclass
class BuildingInfo:
    id: int
    number: str
    address: str
    units: int | None = None
    floors: int | None = None
    rooms_per_floor: int | None = None


@dataclass
class GridInfo:
    """What the population generator needs to know about a grid."""

    id: int
    code: str
    name: str
    kind: str  # urban | rural
    community_id: int
    community_name: str
    town_name: str
    street: str  # the urban community's street, or the village name
    buildings: list[BuildingInfo] = field(default_factory=list)
    worker_staff_id: int = 0
    worker_name: str = ""
    households: int = 0  # how many households the population puts here


@dataclass
class CountyTree:
    county_id: int
    county_code: str
    county_name: str
    first_street_id: int = 0
    first_community_id: int = 0
    grids: list[GridInfo] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


# --- helpers -----------------------------------------------------------------------------


def next_id(table) -> int:
    return (db.session.scalar(select(func.max(table.c.id))) or 0) + 1


def bulk_insert(table, rows: list[dict], batch: int = BATCH, *, staged: bool = False) -> int:
    """executemany in batches of a few thousand; one transaction for the table.

    `staged`: for a table with row triggers that feed FTS5 indexes (resident). FTS5
    writes its pending index data at every statement, so 200,000 single-row inserts
    leave 200,000 tiny segments to merge (two minutes instead of ten seconds). The rows
    go to a temporary copy of the table first, then across in one INSERT … SELECT,
    which fires the same triggers inside one statement."""
    target = table
    if staged:
        db.session.execute(text(f"CREATE TEMP TABLE staged_{table.name} AS SELECT * FROM {table.name} WHERE 0"))
        target = Table(f"staged_{table.name}", MetaData(), *(Column(c.name) for c in table.columns), schema="temp")
    for start in range(0, len(rows), batch):
        db.session.execute(insert(target), rows[start : start + batch])
    if staged:
        db.session.execute(text(f"INSERT INTO {table.name} SELECT * FROM temp.staged_{table.name}"))
        db.session.execute(text(f"DROP TABLE temp.staged_{table.name}"))
    db.session.commit()
    return len(rows)


class _Ids:
    def __init__(self, table):
        self.value = next_id(table)

    def __call__(self) -> int:
        value = self.value
        self.value += 1
        return value


def _county() -> Division:
    """A new 示范县, or the bare county made at first-run setup; anything more refuses."""
    counties = list(db.session.scalars(select(Division).where(Division.level == "county")))
    if not counties:
        county = services.create_county(code="990101", name="示范县")
        county.valid_from = START
        db.session.flush()
        return county
    if len(counties) == 1 and not counties[0].children:
        return counties[0]
    raise DemoAlreadyLoaded("数据库中已有区划数据，演示数据只能载入空数据库（或刚完成首次设置、尚未建立下级的县）。")


# --- the tree ----------------------------------------------------------------------------


def build_county_tree(rng: random.Random, name: Callable[[random.Random], str], households: int = 60_000) -> CountyTree:
    """Insert the tree, buildings, staff, teams and departments; return what the
    population needs. `name(rng)` gives a made-up full name."""
    county = _county()
    tree = CountyTree(county.id, county.code, county.name)
    now = utcnow()
    division_id = _Ids(Division.__table__)
    divisions: list[dict] = []

    def division(parent_id, code, name_, level, kind) -> int:
        new_id = division_id()
        divisions.append(
            {
                "id": new_id,
                "parent_id": parent_id,
                "level": level,
                "code": code,
                "name": name_,
                "kind": kind,
                "status": "active",
                "valid_from": START,
                "valid_to": None,
                "note": "",
                "created_at": now,
            }
        )
        return new_id

    # Communities: (id, code, name, kind, street, town name, grid count)
    communities = []
    towns = []
    village_names = iter(VILLAGES)
    for segment, town_name, kind in TOWNS:
        town_id = division(county.id, county.code + segment, town_name, "town", kind)
        towns.append((town_id, town_name))
        tree.first_street_id = tree.first_street_id or town_id
        town_code = county.code + segment
        if kind == "street":
            offset = 0 if segment == "001" else 6
            specs = [
                (f"{prefix}社区", "urban", street, 9) for prefix, street in STREET_COMMUNITIES[offset : offset + 6]
            ]
        else:
            seat = town_name[:-1]
            specs = [(f"{seat}社区", "urban", f"{seat}大街", 6)]
            for _index in range(5):
                village = next(village_names)
                specs.append((f"{village}村", "rural", village, 0))
        for index, (community_name, community_kind, street, grid_count) in enumerate(specs, start=1):
            code = f"{town_code}{index:03d}"
            community_id = division(town_id, code, community_name, "community", community_kind)
            tree.first_community_id = tree.first_community_id or community_id
            communities.append([community_id, code, community_name, community_kind, street, town_name, grid_count])
    # 40 villages: 24 with four grids, 16 with three (144 rural grids, 156 urban).
    rural = [c for c in communities if c[3] == "rural"]
    for position, community in enumerate(rural):
        community[6] = 4 if position % 5 < 3 else 3

    for community_id, code, community_name, kind, street, town_name, grid_count in communities:
        for index in range(1, grid_count + 1):
            grid_code = f"{code}{index:03d}"
            grid_name = f"{community_name}第{NUMERALS[index - 1]}网格"
            grid_id = division(community_id, grid_code, grid_name, "grid", kind)
            tree.grids.append(
                GridInfo(grid_id, grid_code, grid_name, kind, community_id, community_name, town_name, street)
            )
    _share_households(rng, tree.grids, households)

    tree.counts["divisions"] = bulk_insert(Division.__table__, divisions)
    tree.counts["grid_profiles"] = bulk_insert(GridProfile.__table__, _profiles(rng, tree.grids, now))
    _buildings_and_staff(rng, name, tree, communities, towns, now)
    _departments(rng, name)
    return tree


def _share_households(rng: random.Random, grids: list[GridInfo], total: int) -> None:
    """About 270 households in an urban grid and 125 in a rural one, summing to `total`."""
    weights = [(2.2 if g.kind == "urban" else 1.0) * rng.uniform(0.8, 1.2) for g in grids]
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(grids)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    for grid, count in zip(grids, counts):
        grid.households = count


def _profiles(rng: random.Random, grids: list[GridInfo], now) -> list[dict]:
    rows = []
    for grid in grids:
        urban = grid.kind == "urban"
        index = int(grid.code[-3:])
        rows.append(
            {
                "grid_id": grid.id,
                "effective_from": START,
                "effective_to": None,
                "boundary_east": f"{grid.street}{'东段' if index % 2 else '中段'}" if urban else "河沟东岸",
                "boundary_south": f"{grid.street}{index}号楼南侧" if urban else f"乡道Y{index:03d}",
                "boundary_west": f"{grid.street}{index}巷" if urban else "后山脚",
                "boundary_north": f"{grid.street}{index + 1}巷" if urban else f"{grid.street}村道{index}段",
                "households_estimate": round(grid.households * rng.uniform(0.95, 1.05)),
                "population_estimate": round(grid.households * rng.uniform(3.1, 3.5)),
                "area_km2": Decimal(f"{rng.uniform(0.2, 0.9):.3f}") if urban else Decimal(f"{rng.uniform(2, 9):.3f}"),
                "reason": "新建网格",
                "recorded_by_id": None,
                "recorded_at": now,
            }
        )
    return rows


def _buildings_and_staff(rng: random.Random, name, tree: CountyTree, communities, towns, now) -> None:
    building_id, staff_id = _Ids(Building.__table__), _Ids(StaffMember.__table__)
    assignment_id = _Ids(StaffAssignment.__table__)
    team_id, membership_id = _Ids(ServiceTeam.__table__), _Ids(TeamMembership.__table__)
    buildings, staff, assignments, teams, memberships = [], [], [], [], []

    def person(home_id: int, note: str = "", prefix: str | None = None) -> tuple[int, str]:
        new_id, full_name = staff_id(), name(rng)
        phone = f"{prefix or rng.choice(STAFF_PHONE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"
        staff.append(
            {
                "id": new_id,
                "home_division_id": home_id,
                "name": full_name,
                "phone": phone,
                "photo_filename": None,
                "user_id": None,
                "note": note,
                "created_at": now,
            }
        )
        return new_id, full_name

    def assign(member_id: int, division_id: int, role: StaffRole) -> None:
        assignments.append(
            {
                "id": assignment_id(),
                "staff_id": member_id,
                "division_id": division_id,
                "role": role.value,
                "role_note": "",
                "start_date": START,
                "end_date": None,
            }
        )

    def team(division_id: int, team_type: str, team_name: str, members: list[int]) -> None:
        new_id = team_id()
        teams.append(
            {
                "id": new_id,
                "division_id": division_id,
                "team_type": team_type,
                "custom_type": "",
                "name": team_name,
                "note": "",
            }
        )
        for member in dict.fromkeys(members):
            memberships.append({"id": membership_id(), "team_id": new_id, "staff_id": member, "duty": ""})

    grids_by_community: dict[int, list[GridInfo]] = {}
    for grid in tree.grids:
        grids_by_community.setdefault(grid.community_id, []).append(grid)
    for community_id, _code, community_name, kind, street, _town, _count in communities:
        urban = kind == "urban"
        police, _ = person(community_id, "片警")
        party_heads, volunteers = [], []
        number = 0
        for grid in grids_by_community[community_id]:
            chief, _ = person(community_id)
            party_head, _ = person(community_id)
            worker, worker_name = person(community_id, prefix="139")
            grid.worker_staff_id, grid.worker_name = worker, worker_name
            assign(chief, grid.id, StaffRole.GRID_CHIEF)
            assign(party_head, grid.id, StaffRole.PARTY_HEAD)
            assign(worker, grid.id, StaffRole.FULL_TIME_WORKER if urban else StaffRole.PART_TIME_WORKER)
            assign(police, grid.id, StaffRole.BEAT_POLICE)
            party_heads.append(party_head)
            for _index in range(rng.choice((1, 2, 2, 3))):
                volunteer, _ = person(community_id)
                assign(volunteer, grid.id, StaffRole.VOLUNTEER)
                volunteers.append(volunteer)
            if urban:
                # Enough rooms for the grid's households with about 15% to spare.
                capacity = 0
                while capacity < grid.households * 1.15:
                    number += 1
                    floors = rng.choice((6, 6, 7, 11, 18, 26))
                    units = rng.choice((2, 3, 4)) if floors < 18 else rng.choice((1, 2))
                    rooms = 2 if floors < 11 else rng.choice((2, 3, 4))
                    capacity += floors * units * rooms
                    chief_id, _ = person(community_id)
                    assign(chief_id, grid.id, StaffRole.BUILDING_CHIEF)
                    info = BuildingInfo(
                        building_id(), f"{number}号楼", f"{street}{number * 2 - 1}号", units, floors, rooms
                    )
                    grid.buildings.append(info)
                    buildings.append(
                        {
                            "id": info.id,
                            "community_id": community_id,
                            "grid_id": grid.id,
                            "number": info.number,
                            "name": "",
                            "address": info.address,
                            "floors": floors,
                            "units": units,
                            "chief_staff_id": chief_id,
                            "note": "",
                            "created_at": now,
                        }
                    )
            else:
                # Rural: the grid covers a few 村民小组 (片组).
                for _index in range(rng.choice((3, 4, 5))):
                    number += 1
                    info = BuildingInfo(building_id(), f"{number}组", f"{street}村{number}组")
                    grid.buildings.append(info)
                    buildings.append(
                        {
                            "id": info.id,
                            "community_id": community_id,
                            "grid_id": grid.id,
                            "number": info.number,
                            "name": f"{community_name}{number}组",
                            "address": info.address,
                            "floors": None,
                            "units": None,
                            "chief_staff_id": None,
                            "note": "",
                            "created_at": now,
                        }
                    )
        team(community_id, "mediation", f"{community_name}纠纷调解队", party_heads[:4])
        team(community_id, "patrol", f"{community_name}治安巡防队", volunteers[:8])
    for town_id, town_name in towns:
        team(
            town_id,
            "health",
            f"{town_name}医疗卫生服务队",
            [person(town_id, "卫生院")[0] for _ in range(rng.choice((3, 4, 5)))],
        )

    # Staff before what points at them (assignments, building chiefs, teams).
    tree.counts["staff"] = bulk_insert(StaffMember.__table__, staff)
    tree.counts["staff_assignments"] = bulk_insert(StaffAssignment.__table__, assignments)
    tree.counts["buildings"] = bulk_insert(Building.__table__, buildings)
    tree.counts["service_teams"] = bulk_insert(ServiceTeam.__table__, teams)
    bulk_insert(TeamMembership.__table__, memberships)


def _departments(rng: random.Random, name) -> None:
    services.ensure_default_departments()
    db.session.flush()
    for department in db.session.scalars(select(Department)):
        department.contact_name = department.contact_name or name(rng)
        department.phone = department.phone or f"0999-{rng.randint(6000000, 6999999)}"
        department.address = department.address or f"示范县人民路{rng.randint(1, 200)}号"
    db.session.commit()


# --- accounts ----------------------------------------------------------------------------


def create_demo_accounts(tree: CountyTree) -> list[tuple[str, str, str]]:
    """The six accounts of the small demo, scoped the same way (see app.demo.county)."""
    from app.demo.county import create_demo_accounts as create_accounts

    county = db.session.get(Division, tree.county_id)
    street = db.session.get(Division, tree.first_street_id)
    community = db.session.get(Division, tree.first_community_id)
    first = tree.grids[0]
    grid = db.session.get(Division, first.id)
    worker = db.session.get(StaffMember, first.worker_staff_id)
    return create_accounts(county, street, community, grid, worker)

"""A demo county for trying Gridbook: 1 county, 2 towns/streets, 4 communities/villages,
24 grids with buildings, staff for every grid, service teams, departments, about ten
households per grid with their members, and one account per role. Names and phone
numbers are made up; passwords are random and returned to the caller to print once."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from app.auth.accounts import generate_temporary_password
from app.auth.models import User
from app.auth.roles import ADMIN_DUTY_ROLES, Role
from app.demo.population import load_demo_population
from app.extensions import db
from app.org import boundaries, services
from app.org.models import (
    Building,
    Department,
    Division,
    ServiceTeam,
    StaffAssignment,
    StaffMember,
    StaffRole,
    TeamMembership,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕晨浩宇欣怡子涵梓轩雨桐佳琪俊杰思远嘉怡雪梅德福春生秋菊凤珍喆堃玥"  # noqa: E501
START = date(2024, 1, 1)


class DemoAlreadyLoaded(RuntimeError):
    pass


def load_demo(seed: int = 2024) -> list[tuple[str, str, str]]:
    """Build the demo county and return (username, role label, password) per account."""
    rng = random.Random(seed)
    county = _county()
    streets = services.create_child(county, code_segment="001", name="城关街道", kind="street", valid_from=START)
    town = services.create_child(county, code_segment="002", name="青山镇", kind="town", valid_from=START)
    communities = [
        services.create_child(streets, code_segment="001", name="东门社区", kind="urban", valid_from=START),
        services.create_child(streets, code_segment="002", name="西街社区", kind="urban", valid_from=START),
        services.create_child(town, code_segment="001", name="青山村", kind="rural", valid_from=START),
        services.create_child(town, code_segment="002", name="柳溪村", kind="rural", valid_from=START),
    ]
    services.ensure_default_departments()
    db.session.flush()
    for department in db.session.scalars(select(Department)):
        department.contact_name = _name(rng)
        department.phone = f"0999-{rng.randint(6000000, 6999999)}"
        department.address = f"示范县人民路{rng.randint(1, 200)}号"

    first_worker = None
    for community in communities:
        urban = community.kind == "urban"
        beat_police = _staff(rng, community, "（片警）")
        mediators, patrollers = [], []
        for index in range(1, 7):
            grid = _grid(community, index, urban)
            chief = _staff(rng, community)
            party_head = _staff(rng, community)
            worker = _staff(rng, community, phone_prefix="139")
            first_worker = first_worker or (grid, worker)
            _assign(chief, grid, StaffRole.GRID_CHIEF)
            _assign(party_head, grid, StaffRole.PARTY_HEAD)
            _assign(worker, grid, StaffRole.FULL_TIME_WORKER if urban else StaffRole.PART_TIME_WORKER)
            _assign(beat_police, grid, StaffRole.BEAT_POLICE)
            # One grid lacks volunteers, so the coverage view has something to show.
            volunteers = 0 if (community.name == "柳溪村" and index == 6) else 2
            for _ in range(volunteers):
                volunteer = _staff(rng, community)
                _assign(volunteer, grid, StaffRole.VOLUNTEER)
                patrollers.append(volunteer)
            for number in range(1, 5 if urban else 4):
                label = f"{(index - 1) * 4 + number}号楼" if urban else f"{index}组{number}片"
                building = Building(
                    community=community,
                    grid=grid,
                    number=label,
                    name="" if urban else f"{community.name}{index}组",
                    address=(
                        f"{community.name}幸福路{(index - 1) * 4 + number}号" if urban else f"{community.name}{index}组"
                    ),
                    floors=rng.choice((6, 7, 11, 18)) if urban else None,
                    units=rng.choice((2, 3, 4)) if urban else None,
                )
                if urban:
                    building_chief = _staff(rng, community)
                    _assign(building_chief, grid, StaffRole.BUILDING_CHIEF)
                    building.chief = building_chief
                db.session.add(building)
            mediators.append(party_head)
        if urban:
            # A new building not yet placed in a grid: a coverage gap to fix.
            db.session.add(Building(community=community, number="新建1号楼", address=f"{community.name}幸福路新建1号"))
        _team(community, "mediation", f"{community.name}纠纷调解队", mediators[:3])
        _team(community, "patrol", f"{community.name}治安巡防队", patrollers[:6])
    health = [_staff(rng, town, "（卫生院）") for _ in range(3)]
    _team(town, "health", "青山镇医疗卫生服务队", health)
    _team(streets, "culture", "城关街道文化志愿服务队", [_staff(rng, streets) for _ in range(3)])
    db.session.flush()

    grids = list(db.session.scalars(select(Division).where(Division.level == "grid").order_by(Division.code)))
    load_demo_population(grids, rng, _name)

    grid, worker = first_worker
    _levels(streets, communities[0])
    accounts = create_demo_accounts(county, streets, communities[0], grid, worker)
    from app.demo.matters import load_demo_matters

    load_demo_matters(grid)
    from app.demo.supervision import load_demo_supervision

    load_demo_supervision(grid)
    from app.demo.visits import load_demo_visits

    load_demo_visits(grid)
    from app.demo.assessment import load_demo_assessment

    load_demo_assessment(grid)
    from app.demo.rosters import load_demo_rosters

    db.session.flush()
    load_demo_rosters(communities, rng)
    db.session.commit()
    return accounts


def create_demo_accounts(
    county: Division, street: Division, community: Division, grid: Division, worker: StaffMember
) -> list[tuple[str, str, str]]:
    """One account per role (the 城管 handler for the department); (username, role
    label, password) for those created — an existing username is left alone."""
    department = db.session.scalar(select(Department).where(Department.short_name == "城管"))
    accounts = [
        ("admin", Role.COUNTY_ADMIN, county, None, None),
        ("town", Role.TOWN_STAFF, street, None, None),
        ("station", Role.STATION_STAFF, community, None, None),
        ("grid", Role.GRID_WORKER, grid, None, worker),
        ("dept", Role.DEPARTMENT_HANDLER, None, department, None),
        ("leader", Role.LEADER, county, None, None),
        # 三员分立: accounts, authorisation and the audit log in three hands.
        ("sysadmin", Role.SYSTEM_ADMIN, None, None, None),
        ("secadmin", Role.SECURITY_ADMIN, None, None, None),
        ("auditor", Role.AUDIT_ADMIN, None, None, None),
    ]
    printed = []
    for username, role, division, dept, staff in accounts:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        password = generate_temporary_password()
        user = User(
            username=username,
            display_name=staff.name if staff else (role.label if role in ADMIN_DUTY_ROLES else f"演示{role.label}"),
            role=role.value,
            scope_division=division,
            scope_department=dept,
        )
        user.set_password(password)
        db.session.add(user)
        if staff is not None:
            staff.user = user
        printed.append((username, role.label, password))
    db.session.commit()
    return printed


def _county() -> Division:
    counties = list(db.session.scalars(select(Division).where(Division.level == "county")))
    if not counties:
        county = services.create_county(code="990101", name="示范县")
        county.valid_from = START
        return county
    if len(counties) == 1 and not counties[0].children:
        return counties[0]
    raise DemoAlreadyLoaded("数据库中已有区划数据，演示数据只能载入空数据库（或刚完成首次设置、尚未建立下级的县）。")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _staff(rng: random.Random, home: Division, suffix: str = "", phone_prefix: str = "138") -> StaffMember:
    member = StaffMember(
        home_division=home,
        name=_name(rng),
        phone=f"{phone_prefix}{rng.randint(0, 99999999):08d}",
        note=suffix.strip("（）"),
    )
    db.session.add(member)
    return member


def _assign(member: StaffMember, grid: Division, role: StaffRole) -> None:
    db.session.add(StaffAssignment(staff=member, division=grid, role=role.value, start_date=START))


def _grid(community: Division, index: int, urban: bool) -> Division:
    numerals = "一二三四五六"
    name = f"{community.name}第{numerals[index - 1]}网格"
    values = boundaries.ProfileValues(
        boundary_east=f"{'幸福路' if urban else '青龙河'}{'东' if index % 2 else '西'}侧",
        boundary_south=f"{'建设街' if urban else '乡道Y0' + str(index)}",
        boundary_west=f"{'文化巷' if urban else '后山脚'}",
        boundary_north=f"{'人民路' if urban else '村道'}{index}段",
        households_estimate=700 + index * 37,
        population_estimate=1900 + index * 113,
        area_km2=0.4 + index / 10 if urban else 2 + index,
    )
    return boundaries.create_grid(
        community, code_segment=f"{index:03d}", name=name, kind=community.kind, values=values, valid_from=START
    )


def _team(division: Division, team_type: str, name: str, members: list[StaffMember]) -> None:
    team = ServiceTeam(division=division, team_type=team_type, name=name)
    db.session.add(team)
    for member in members:
        team.memberships.append(TeamMembership(staff=member))


def _levels(street: Division, community: Division) -> None:
    """The levels of grid chiefs of the demo grid's community (002 篇九): the street's
    总网格长, the community's 一级 and 二级网格长, and two 片区 of three grids each with
    their 片区网格长 — the second 片区's post left empty, so the coverage view shows a gap.
    Fixed names (not drawn): the county's other staff keep theirs."""
    from sqlalchemy import insert

    from app.org.models import GridArea, grid_area_member

    def post(name: str, home: Division, division: Division, role: StaffRole, area=None) -> None:
        member = StaffMember(home_division=home, name=name, phone="0999-6010000")
        db.session.add(member)
        db.session.add(StaffAssignment(staff=member, division=division, area=area, role=role.value, start_date=START))

    post("王建华", street, street, StaffRole.TOTAL_CHIEF)
    post("赵立新", street, community, StaffRole.FIRST_LEVEL_CHIEF)
    post("陈秀英", community, community, StaffRole.SECOND_LEVEL_CHIEF)
    grids = [g for g in community.children if g.is_grid]
    for index, name in enumerate(("第一片区", "第二片区")):
        area = GridArea(community_id=community.id, name=name)
        db.session.add(area)
        db.session.flush()
        db.session.execute(
            insert(grid_area_member), [{"grid_id": g.id, "area_id": area.id} for g in grids[index * 3 : index * 3 + 3]]
        )
        if index == 0:
            post("孙国强", community, community, StaffRole.AREA_CHIEF, area)

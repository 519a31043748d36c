"""A small county for tests: two towns, three communities, four grids, buildings,
staff and one account per role. Known passwords, unlike the demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db
from app.org import boundaries
from app.org import services as org
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

PASSWORD = "Passw0rd!"
START = date(2024, 1, 1)


@dataclass
class World:
    county: Division
    town_a: Division
    town_b: Division
    community_a: Division
    community_a2: Division
    community_b: Division
    grid_a: Division
    grid_a2: Division
    grid_a3: Division
    grid_b: Division
    building_a: Building
    building_b: Building
    department: Department
    users: dict[str, User] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)
    teams: dict[str, ServiceTeam] = field(default_factory=dict)
    # Per grid key ("a", "b"): a household with its head.
    households: dict = field(default_factory=dict)
    residents: dict = field(default_factory=dict)
    # Per grid key: one record of every other register (key person, house, rental …).
    records: dict = field(default_factory=dict)


def make_user(username: str, role: Role, division=None, department=None) -> User:
    user = User(
        username=username, display_name=username, role=role.value, scope_division=division, scope_department=department
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def _grid(community, segment, name, east="东街"):
    return boundaries.create_grid(
        community,
        code_segment=segment,
        name=name,
        kind=community.kind,
        values=boundaries.ProfileValues(east, "南路", "西巷", "北河", 800, 2400, 0.5),
        valid_from=START,
    )


def build_world() -> World:
    county = org.create_county(code="990101", name="示范县")
    county.valid_from = START
    town_a = org.create_child(county, code_segment="001", name="城关镇", kind="town", valid_from=START)
    town_b = org.create_child(county, code_segment="002", name="河西街道", kind="street", valid_from=START)
    community_a = org.create_child(town_a, code_segment="001", name="东关社区", kind="urban", valid_from=START)
    community_a2 = org.create_child(town_a, code_segment="002", name="李家村", kind="rural", valid_from=START)
    community_b = org.create_child(town_b, code_segment="001", name="滨河社区", kind="urban", valid_from=START)
    grid_a = _grid(community_a, "001", "东关一网格")
    grid_a2 = _grid(community_a, "002", "东关二网格")
    grid_a3 = _grid(community_a2, "001", "李家一网格")
    grid_b = _grid(community_b, "001", "滨河一网格")
    building_a = Building(community=community_a, grid=grid_a, number="1号楼", address="东关路1号")
    building_b = Building(community=community_b, grid=grid_b, number="1号楼", address="滨河路1号")
    department = Department(name="县城市管理局", short_name="城管", phone="0000-1234567")
    db.session.add_all([building_a, building_b, department])
    world = World(
        county,
        town_a,
        town_b,
        community_a,
        community_a2,
        community_b,
        grid_a,
        grid_a2,
        grid_a3,
        grid_b,
        building_a,
        building_b,
        department,
    )
    world.users = {
        "admin": make_user("admin", Role.COUNTY_ADMIN, county),
        "town_a": make_user("town_a", Role.TOWN_STAFF, town_a),
        "station_a": make_user("station_a", Role.STATION_STAFF, community_a),
        "worker_a": make_user("worker_a", Role.GRID_WORKER, grid_a),
        "worker_b": make_user("worker_b", Role.GRID_WORKER, grid_b),
        "dept": make_user("dept", Role.DEPARTMENT_HANDLER, department=department),
        "leader_a": make_user("leader_a", Role.LEADER, town_a),
        "sysadmin": make_user("sysadmin", Role.SYSTEM_ADMIN),
        "secadmin": make_user("secadmin", Role.SECURITY_ADMIN),
        "auditor": make_user("auditor", Role.AUDIT_ADMIN),
    }
    for key, grid, role in (
        ("chief_a", grid_a, StaffRole.GRID_CHIEF),
        ("worker_a", grid_a, StaffRole.FULL_TIME_WORKER),
        ("worker_b", grid_b, StaffRole.FULL_TIME_WORKER),
    ):
        member = StaffMember(
            home_division=grid.parent, name=f"员工{key}", phone="13800000000", user=world.users.get(key)
        )
        db.session.add(member)
        db.session.add(StaffAssignment(staff=member, division=grid, role=role.value, start_date=START))
        world.staff[key] = member
    for key, community, staff in (("team_a", community_a, "chief_a"), ("team_b", community_b, "worker_b")):
        team = ServiceTeam(division=community, team_type="mediation", name=f"{community.name}调解队")
        team.memberships.append(TeamMembership(staff=world.staff[staff], duty="队员"))
        db.session.add(team)
        world.teams[key] = team
    _register_families(world)
    db.session.commit()
    return world


def make_id_number(birth: str = "19800101", sequence: int = 1, region: str = "610102", male: bool = True) -> str:
    """A valid 18-digit resident ID (GB 11643 check digit) for tests."""
    from app.core.identity import id_check_char

    digit = sequence * 2 + (1 if male else 0)
    first17 = f"{region}{birth}{digit % 1000:03d}"
    return first17 + id_check_char(first17)


def _visit_records(world: World, key: str, household) -> None:
    """A visit to the household of each grid, by that grid's worker."""
    from app.visits.models import Visit

    visit = Visit(
        grid_id=household.grid_id,
        household_id=household.id,
        visited_on=date(2024, 1, 3),
        visit_type="routine",
        found=f"家中情况正常{key}",
    )
    visit.visitors = [world.staff[f"worker_{key}"]]
    db.session.add(visit)
    db.session.flush()
    world.records[key]["visit"] = visit


def _register_families(world: World) -> None:
    """One household with its head in grid_a (东关一网格) and one in grid_b (滨河一网格)."""
    db.session.flush()
    from app.registry.people import services as registry

    for key, grid, building, name, birth in (
        ("a", world.grid_a, world.building_a, "张伟", "19700312"),
        ("b", world.grid_b, world.building_b, "李娜", "19820705"),
    ):
        household = registry.create_household(
            registry.HouseholdValues(
                household_number=f"{key.upper()}001", building_id=building.id, unit="1", room="101"
            ),
            grid,
        )
        resident = registry.register_resident(
            registry.ResidentValues(
                name=name,
                id_number=make_id_number(birth, 11 if key == "a" else 12, male=key == "a"),
                phone="13912345678" if key == "a" else "13887654321",
            ),
            grid,
        )
        registry.add_member(household, resident, "head", START)
        world.households[key] = household
        world.residents[key] = resident
        _other_registers(world, key, grid, building, household, resident)
        _visit_records(world, key, household)
        _supervision_records(world, key, grid)


def _other_registers(world: World, key: str, grid, building, household, resident) -> None:
    """A record of every other register in each grid (the scope walk needs grid B's)."""
    from app.registry.people.models import (
        FollowUp,
        House,
        JointDefenceGroup,
        JointDefenceMember,
        KeyPerson,
        KeyPersonCategory,
        Organisation,
        Rental,
        RentalTenant,
        Shop,
    )

    category = db.session.scalar(select(KeyPersonCategory).where(KeyPersonCategory.code == "released"))
    key_person = KeyPerson(
        resident_id=resident.id,
        category=category,
        grid_id=grid.id,
        start_date=START,
        details={"release_date": "2023-06-01", "original_charge": "盗窃罪"},
    )
    key_person.follow_ups.append(
        FollowUp(
            follow_up_date=START,
            kind="education",
            performed_by="员工",
            content="上门谈心",
            next_due_date=date(2024, 2, 1),
        )
    )
    house = House(grid_id=grid.id, building_id=building.id, unit="1", room="102", use="rent", owner_name=resident.name)
    rental = Rental(house=house, grid_id=grid.id, landlord_resident_id=resident.id, start_date=START)
    rental.tenants.append(RentalTenant(resident_id=resident.id))
    shop = Shop(grid_id=grid.id, name=f"便民超市{key}", operator_name=resident.name)
    organisation = Organisation(grid_id=grid.id, name=f"示范有限公司{key}", org_type="private_enterprise")
    group = JointDefenceGroup(grid_id=grid.id, name=f"第一联防组{key}", leader_resident_id=resident.id)
    group.members.append(JointDefenceMember(household_id=household.id))
    db.session.add_all([key_person, house, rental, shop, organisation, group])
    db.session.flush()
    from app.matters import reporting
    from app.matters.models import MatterPhoto

    matter = reporting.report(
        reporting.MatterValues(class_code="livelihood", description=f"示范诉求{key}", grid=grid, source="visit")
    )
    photo = MatterPhoto(matter=matter, filename="0" * 32 + ".jpg", thumbnail="0" * 32 + ".t.jpg")
    db.session.add(photo)
    db.session.flush()
    world.records[key] = {
        "key_person": key_person,
        "follow_up": key_person.follow_ups[0],
        "house": house,
        "rental": rental,
        "tenant": rental.tenants[0],
        "shop": shop,
        "organisation": organisation,
        "group": group,
        "group_member": group.members[0],
        "matter": matter,
        "photo": photo,
    }
    _fieldwork_records(world, key, grid)


def _supervision_records(world: World, key: str, grid) -> None:
    """A meeting with a decision, a training, an admitted item, a task of the grid's town
    with its target, and an inspection with a rectification, in each grid."""
    from app.supervision.models import (
        AdmittedItem,
        AssignedTask,
        Inspection,
        Meeting,
        MeetingDecision,
        Rectification,
        TaskTarget,
        Training,
    )

    worker = world.staff[f"worker_{key}"]
    meeting = Meeting(division_id=grid.id, kind="regular", held_on=START, minutes=f"例会纪要{key}", attendees=[worker])
    decision = MeetingDecision(meeting=meeting, position=1, text=f"清理楼道杂物{key}")
    training = Training(
        division_id=grid.id, held_on=START, topic=f"信息采集培训{key}", trainer="讲师", hours=2, attendees=[worker]
    )
    item = AdmittedItem(name=f"示范准入事项{key}", department=world.department, basis="县委办〔2024〕1号")
    task = AssignedTask(
        issuing_division_id=grid.parent.parent_id,
        title=f"入户核查{key}",
        source="admitted",
        admitted_item=item,
        deadline=date(2024, 1, 31),
    )
    target = TaskTarget(task=task, division_id=grid.id)
    inspection = Inspection(grid_id=grid.id, inspected_on=START, inspectors="督查组", items_checked="台账")
    rectification = Rectification(inspection=inspection, problem=f"台账不全{key}", first_deadline=START, deadline=START)
    db.session.add_all([meeting, decision, training, item, task, target, inspection, rectification])
    db.session.flush()
    world.records[key].update(
        {
            "meeting": meeting,
            "decision": decision,
            "training": training,
            "admitted_item": item,
            "task": task,
            "target": target,
            "inspection": inspection,
            "rectification": rectification,
        }
    )


def _fieldwork_records(world: World, key: str, grid) -> None:
    """A patrol with a finding, a 民情日志 entry and a report to the grid chief in each grid."""
    from datetime import datetime, time

    from app.patrols.models import ChiefReport, OpinionEntry, Patrol, PatrolFinding

    patrol = Patrol(
        grid_id=grid.id,
        staff_id=world.staff[f"worker_{key}"].id,
        patrol_date=date(2024, 1, 2),
        start_time=time(9, 0),
        end_time=time(10, 30),
        route=f"巡查路线{key}",
    )
    finding = PatrolFinding(patrol=patrol, description=f"井盖破损{key}", place="东关路口")
    report = ChiefReport(
        grid_id=grid.id, report_day=START, reporter_name=f"员工worker_{key}", reported_at=datetime(2024, 1, 1, 3, 0)
    )
    entry = OpinionEntry(
        grid_id=grid.id,
        said_on=START,
        category="city",
        content=f"路灯不亮{key}",
        disposition="settled",
        settled_note="当场报修",
        resident_name="王大爷",
        recorder_name=f"员工worker_{key}",
        chief_report=report,
    )
    db.session.add_all([patrol, finding, report, entry])
    db.session.flush()
    world.records[key].update({"patrol": patrol, "finding": finding, "opinion": entry, "chief_report": report})
    _assessment_records(world, key, grid)


def _assessment_records(world: World, key: str, grid) -> None:
    """A warning card to the grid's worker, a station's satisfaction survey and a 首问
    complaint in each grid."""
    from app.assessment.models import FirstContactComplaint, SatisfactionSurvey, WarningCard

    card = WarningCard(
        grid_id=grid.id,
        staff_id=world.staff[f"worker_{key}"].id,
        colour="yellow",
        issued_on=START,
        reason=f"台账不全{key}",
        issuer_name="town",
    )
    survey = SatisfactionSurvey(
        grid_id=grid.id, year=2024, half=1, respondents=10, satisfied=8, basically=1, dissatisfied=1
    )
    from app.registry.points.models import ResponsibilityPoint

    point = ResponsibilityPoint(grid_id=grid.id, kind="road", name=f"示范路{key}", responsible_unit="县城市管理局")
    complaint = FirstContactComplaint(
        grid_id=grid.id,
        staff_id=world.staff[f"worker_{key}"].id,
        received_on=START,
        content=f"咨询未答复{key}",
        upheld=False,
        recorded_by_name="station",
    )
    from app.assessment.models import ScoreAdjustment
    from app.org.models import GridArea
    from app.registry.partners.models import PartnerUnit

    partner = PartnerUnit(kind="co_building", name=f"结对单位{key}", duties="每月环境整治")
    partner.grids = [grid]
    adjustment = ScoreAdjustment(
        division_id=grid.id, day=START, points=-2, reason=f"隐患未上报{key}", basis="督查记录", recorded_by_name="town"
    )
    area = GridArea(community_id=grid.parent_id, name=f"示范片区{key}")
    db.session.add_all([card, survey, complaint, point, partner, adjustment, area])
    db.session.flush()
    world.records[key].update(
        {
            "card": card,
            "survey": survey,
            "complaint": complaint,
            "point": point,
            "partner": partner,
            "adjustment": adjustment,
            "area": area,
        }
    )

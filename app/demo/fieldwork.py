"""A year of field work on the county demo database (`flask seed-demo --scale county
--fieldwork`; bench/fieldwork_bench.py and bench/load.py add it when it is missing).

`flask seed-demo --scale county` builds the registers (300 grids, 60,000 households,
200,000 residents) but no matters, visits or patrols, so the dashboard, the visit
pages, patrol compliance and the scoreboards have nothing to count. This adds, for
the 365 days up to yesterday (matters up to an hour ago):

- two station staff (工作站站员) per community, assigned to it, so the station's
  verification visits and key-group visits exist (the seed assigns staff to grids only);
- ~37,000 patrols: each grid worker's weeks against the quota of 3, with a grid's
  diligence drawn once (some grids fall short often), and findings on about one
  patrol in eight, handled on the spot or reported as a matter;
- ~31,000 民情日志 entries (about 15 % 限期协办, each opening a matter) and the
  Monday/Thursday reports to the grid chief (on time, late or missing by grid);
- ~120,000 household visits, more often for class 一 than class 三, a quarter of them
  核实, by the grid's worker, its chief or the station; the station's quarterly visits
  to key-person households in most grids; a few visits opening a matter;
- ~36,000 matters in all (those opened from patrols, entries and visits included),
  spread over grids (by households), subtypes, sources, each walked round the loop
  as app.matters.services would (verification, escalation, dispatch with the
  level's or subtype's limit in working days, extensions, feedback on time or late,
  rework, check, publish, rating, 督办) against the working-day calendar, with the
  timeline steps; the recent ones are still open at the stage their clock reached;
- a few yellow and red cards, the station surveys of the last two ended half-years
  and some public answers.

Rows go in with Core executemany and explicit ids, in one transaction: nothing if it
fails, and a second run finds the station staff and stops (idempotent). Households'
registration time is moved back to the registers' start (2024-01-01) where the seed
left it at load time, so visit due dates are spread over whole periods as for
households registered long ago. Everything comes from one seeded random generator:
the same day gives the same data."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, bindparam, cast, func, insert, select, update

from app.assessment.models import SatisfactionSurvey, SurveyResponse, WarningCard
from app.core.database import advance_sequences, refresh_query_statistics
from app.core.timeutil import local_day_start_utc, local_today, to_local, utcnow
from app.demo.scale_county import random_name
from app.demo.scale_tree import START, next_id
from app.extensions import db
from app.matters import workdays
from app.matters.models import ExtensionRequest, Matter, MatterStep, MatterType
from app.matters.reporting import TRACKING_ALPHABET
from app.matters.services import time_limits
from app.org.models import GRID_WORKER_ROLES, Department, Division, StaffAssignment, StaffMember
from app.patrols.compliance import report_slots, week_start
from app.patrols.models import ChiefReport, OpinionEntry, Patrol, PatrolFinding
from app.patrols.reference import MATTER_CLASS_OF_CATEGORY
from app.registry.keypersons.models import KeyPerson
from app.registry.people.models import Household, HouseholdMember
from app.visits.models import Visit, visit_visitor

# The matter source 网格员上报 (app.matters.reference.SOURCES), spelt like the account role.
WORKER_REPORT = "grid_worker"
MARKER = "基准测试·工作站站员"
DAYS = 365
MATTERS = 36_000
BATCH = 5000

ROUTES = (
    "主街沿线及各楼栋出入口",
    "背街小巷、垃圾收集点",
    "沿河步道及桥下",
    "农贸市场周边、商铺门前",
    "学校周边、公交站",
    "村组道路、田间机井",
    "小区地下车库、消防通道",
    "出租屋集中片区",
)
FINDINGS = (
    "楼道堆放杂物堵塞消防通道",
    "路灯不亮",
    "占道经营",
    "垃圾未及时清运",
    "井盖破损",
    "私搭乱建",
    "流浪犬伤人隐患",
    "电动车楼道充电",
)
HANDLINGS = ("当场劝导清理", "联系物业当日处理", "告知商户整改，已恢复", "现场拍照提醒，已整改")
OPINIONS = {
    "city": ("反映小区门口路面塌陷", "反映夜间施工噪音扰民", "反映垃圾桶不够用"),
    "family_planning": ("咨询独生子女奖励办理", "咨询生育登记手续"),
    "party": ("老党员希望参加支部活动", "咨询党员组织关系转接"),
    "economy": ("咨询创业贴息贷款", "反映务工工资拖欠"),
    "other": ("希望增设健身器材", "反映邻里宅基地纠纷", "咨询高龄津贴申领"),
}
CATEGORY_WEIGHTS = (("city", 0.35), ("family_planning", 0.08), ("party", 0.1), ("economy", 0.17), ("other", 0.3))
VISIT_FOUND = (
    "户主在家，家庭情况无变化",
    "核对了家庭成员和联系电话",
    "老人身体尚可，子女在外务工",
    "家中新添一名婴儿",
    "租户已搬走，房屋空置",
    "家中无人，向邻居了解了情况",
    "核实了人口信息，无变化",
)
VISIT_NEEDS = ("楼道灯不亮", "希望办理高龄津贴", "小区停车难", "咨询医保缴费", "屋顶漏水")
MATTER_TEXT = {
    "city": ("人行道地砖松动", "店外占道经营", "路灯损坏", "垃圾清运不及时", "违章搭建彩钢棚"),
    "order": ("夜间有人聚集喧哗", "电动车被盗", "出租屋人员登记不全"),
    "environment": ("餐馆油烟扰民", "河道漂浮垃圾", "工地扬尘"),
    "livelihood": ("低保申请咨询", "供水管道漏水", "小区供暖不热", "独居老人需要照料"),
    "safety": ("燃气管道老化", "楼道私拉电线充电", "广告牌松动"),
    "dispute": ("邻里漏水纠纷", "宅基地边界纠纷", "物业费纠纷", "劳资纠纷"),
}
SOURCES = (
    (WORKER_REPORT, 0.35),
    ("visit", 0.12),
    ("online", 0.13),
    ("hotline", 0.25),
    ("assigned", 0.08),
    ("inspection", 0.07),
)


def _weighted(rng: random.Random, pairs) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in pairs:
        total += weight
        if roll < total:
            return value
    return pairs[-1][0]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _at(day: date, hour: float) -> datetime:
    """A local day and hour as the naive UTC the database keeps."""
    return local_day_start_utc(day) + timedelta(hours=hour)


def _hours(value: float) -> timedelta:
    return timedelta(hours=value)


@dataclass
class Grid:
    id: int
    code: str
    community_id: int
    town_id: int
    worker_id: int
    worker_name: str
    chief_id: int
    chief_name: str
    households: list[tuple[int, int]] = field(default_factory=list)  # (id, visit class)
    key_households: list[int] = field(default_factory=list)
    # Drawn once per grid: how well it keeps the rules (patrols, reports, deadlines).
    diligence: float = 0.8
    station: list[int] = field(default_factory=list)


class _Ids:
    def __init__(self, table):
        self.value = next_id(table)

    def __call__(self) -> int:
        self.value += 1
        return self.value - 1


def _insert(table, rows: list[dict]) -> int:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])
    return len(rows)


def _catch_up_matter_numbers() -> None:
    """The matters here are numbered by the loader (up to an hour before it ran), not by
    the day counters the app numbers new matters from (app/core/counters.py): each day's
    counter is moved up to the day's highest number, or the first matter reported the
    same day would take a number already in use."""
    from app.core.counters import Counter as DayCounter
    from app.matters.models import Matter

    day = func.substr(Matter.number, 1, 8)
    sequence = cast(func.substr(Matter.number, 10), Integer)
    highest = dict(db.session.execute(select(day, func.max(sequence)).group_by(day)).all())
    counters = {c.scope: c for c in db.session.scalars(select(DayCounter).where(DayCounter.name == "matter_number"))}
    for scope, value in highest.items():
        if scope in counters:
            counters[scope].value = max(counters[scope].value, value)
        else:
            db.session.add(DayCounter(name="matter_number", scope=scope, value=value))


def already_loaded() -> bool:
    return db.session.scalar(select(func.count()).select_from(StaffMember).where(StaffMember.note == MARKER)) > 0


def load_fieldwork(seed: int = 2026, progress=print) -> dict[str, int] | None:
    """Add the year of field work (None: it is there already). The caller runs this
    inside write_transactions(); it commits once at the end."""
    if already_loaded():
        return None
    loader = _Loader(random.Random(seed))
    counts = loader.run(progress)
    _catch_up_matter_numbers()
    advance_sequences(db.session)  # rows went in with their ids given (PostgreSQL)
    db.session.commit()
    refresh_query_statistics(db.session)
    db.session.commit()
    return counts


class _Loader:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = utcnow()
        self.today = local_today()
        self.first_day = self.today - timedelta(days=DAYS)
        self.last_day = self.today - timedelta(days=1)
        self.calendar = workdays.load_calendar()
        self.limits = time_limits()
        self.counts: dict[str, int] = {}
        self.requests: list[dict] = []  # matters to report, some tied to a record

    # --- the county as it stands

    def _grids(self) -> list[Grid]:
        parents = dict(db.session.execute(select(Division.id, Division.parent_id)).all())
        grids = {}
        for division in db.session.scalars(
            select(Division).where(Division.level == "grid", Division.status == "active").order_by(Division.code)
        ):
            grids[division.id] = dict(
                code=division.code, community=division.parent_id, town=parents.get(division.parent_id)
            )
        staff = {}
        for grid_id, role, staff_id, name in db.session.execute(
            select(StaffAssignment.division_id, StaffAssignment.role, StaffMember.id, StaffMember.name)
            .join(StaffMember, StaffMember.id == StaffAssignment.staff_id)
            .where(StaffAssignment.division_id.in_(grids), StaffAssignment.end_date.is_(None))
            .order_by(StaffAssignment.id)
        ):
            key = "worker" if role in GRID_WORKER_ROLES else role
            staff.setdefault((grid_id, key), (staff_id, name))
        result = {}
        for grid_id, info in grids.items():
            worker, chief = staff.get((grid_id, "worker")), staff.get((grid_id, "grid_chief"))
            if worker is None or chief is None:
                continue
            result[grid_id] = Grid(
                grid_id,
                info["code"],
                info["community"],
                info["town"],
                worker[0],
                worker[1],
                chief[0],
                chief[1],
                diligence=self.rng.uniform(0.45, 0.97),
            )
        for household_id, grid_id, level in db.session.execute(
            select(Household.id, Household.grid_id, Household.visit_class)
            .where(Household.status == "active")
            .order_by(Household.id)
        ):
            if grid_id in result:
                result[grid_id].households.append((household_id, level))
        keyed = db.session.execute(
            select(Household.grid_id, Household.id)
            .distinct()
            .join(HouseholdMember, HouseholdMember.household_id == Household.id)
            .join(KeyPerson, KeyPerson.resident_id == HouseholdMember.resident_id)
            .where(Household.status == "active", HouseholdMember.end_date.is_(None), KeyPerson.end_date.is_(None))
            .order_by(Household.id)
        )
        for grid_id, household_id in keyed:
            if grid_id in result:
                result[grid_id].key_households.append(household_id)
        return list(result.values())

    def run(self, progress) -> dict[str, int]:
        grids = self._grids()
        self._station_staff(grids)
        db.session.execute(
            update(Household)
            .where(Household.created_at >= local_day_start_utc(self.first_day))
            .values(created_at=local_day_start_utc(START))
        )
        progress(f"  grids {len(grids)}, station staff added")
        self._patrols(grids)
        progress(f"  patrols {self.counts['patrols']:,}, findings {self.counts['findings']:,}")
        entries = self._opinions(grids)
        self._chief_reports(grids, entries)
        progress(f"  民情日志 {self.counts['opinion_entries']:,}, reports {self.counts['chief_reports']:,}")
        self._visits(grids)
        progress(f"  visits {self.counts['visits']:,}")
        self._matters(grids)
        progress(f"  matters {self.counts['matters']:,}, steps {self.counts['matter_steps']:,}")
        self._assessment(grids)
        return self.counts

    def _station_staff(self, grids: list[Grid]) -> None:
        staff_id, assignment_id = _Ids(StaffMember.__table__), _Ids(StaffAssignment.__table__)
        staff, assignments, by_community = [], [], {}
        for community_id in sorted({g.community_id for g in grids}):
            members = []
            for _index in range(2):
                new_id = staff_id()
                staff.append(
                    {
                        "id": new_id,
                        "home_division_id": community_id,
                        "name": random_name(self.rng),
                        "phone": f"137{self.rng.randrange(10**8):08d}",
                        "photo_filename": None,
                        "user_id": None,
                        "note": MARKER,
                        "created_at": self.now,
                    }
                )
                assignments.append(
                    {
                        "id": assignment_id(),
                        "staff_id": new_id,
                        "division_id": community_id,
                        "role": "other",
                        "role_note": "工作站站员",
                        "start_date": START,
                        "end_date": None,
                    }
                )
                members.append(new_id)
            by_community[community_id] = members
        _insert(StaffMember.__table__, staff)
        _insert(StaffAssignment.__table__, assignments)
        for grid in grids:
            grid.station = by_community[grid.community_id]

    # --- patrols, 民情日志, reports to the chief

    def _patrols(self, grids: list[Grid]) -> None:
        rng = self.rng
        patrol_id, finding_id = _Ids(Patrol.__table__), _Ids(PatrolFinding.__table__)
        patrols, findings = [], []
        for grid in grids:
            monday = week_start(self.first_day)
            while monday <= self.last_day:
                days = [
                    monday + timedelta(days=i)
                    for i in range(7)
                    if self.first_day <= monday + timedelta(days=i) <= self.last_day
                ]
                wanted = 3 if rng.random() < grid.diligence * 0.95 else rng.choice((0, 1, 1, 2))
                if rng.random() < 0.03:
                    wanted += 1
                for day in sorted(rng.sample(days, min(wanted, len(days)))):
                    start = rng.uniform(8, 16)
                    end = start + rng.uniform(1, 3)
                    new_id = patrol_id()
                    patrols.append(
                        {
                            "id": new_id,
                            "grid_id": grid.id,
                            "staff_id": grid.worker_id,
                            "patrol_date": day,
                            "start_time": time(int(start), int(start % 1 * 60)),
                            "end_time": time(int(end), int(end % 1 * 60)),
                            "route": rng.choice(ROUTES),
                            "note": "",
                            "recorded_by_id": None,
                            "created_at": _at(day, end + 0.5),
                        }
                    )
                    if rng.random() < 0.12:
                        on_spot = rng.random() < 0.55
                        found_id = finding_id()
                        text = rng.choice(FINDINGS)
                        findings.append(
                            {
                                "id": found_id,
                                "patrol_id": new_id,
                                "place": rng.choice(ROUTES)[:6],
                                "description": text,
                                "handled_on_spot": on_spot,
                                "handling": rng.choice(HANDLINGS) if on_spot else "",
                                "matter_id": None,
                                "created_at": _at(day, end + 0.6),
                            }
                        )
                        if not on_spot:
                            self.requests.append(
                                {
                                    "grid": grid,
                                    "at": _at(day, end + 0.7),
                                    "class": "city",
                                    "source": WORKER_REPORT,
                                    "text": text,
                                    "link": (PatrolFinding.__table__, found_id),
                                }
                            )
                monday += timedelta(days=7)
        self.counts["patrols"] = _insert(Patrol.__table__, patrols)
        self.counts["findings"] = _insert(PatrolFinding.__table__, findings)

    def _opinions(self, grids: list[Grid]) -> dict[int, list[dict]]:
        rng = self.rng
        entry_id = _Ids(OpinionEntry.__table__)
        by_grid: dict[int, list[dict]] = defaultdict(list)
        span = (self.last_day - self.first_day).days + 1
        for grid in grids:
            for _index in range(_poisson(rng, 104)):
                day = self.first_day + timedelta(days=rng.randrange(span))
                category = _weighted(rng, CATEGORY_WEIGHTS)
                assisted = rng.random() < 0.15
                content = rng.choice(OPINIONS[category])
                entry = {
                    "id": entry_id(),
                    "grid_id": grid.id,
                    "said_on": day,
                    "resident_name": random_name(rng),
                    "place": "",
                    "category": category,
                    "content": content,
                    "disposition": "assisted" if assisted else "settled",
                    "settled_note": "" if assisted else "当场解答，群众满意",
                    "matter_id": None,
                    "chief_report_id": None,
                    "recorded_by_id": None,
                    "recorder_name": grid.worker_name,
                    "created_at": _at(day, rng.uniform(9, 19)),
                }
                by_grid[grid.id].append(entry)
                if assisted:
                    self.requests.append(
                        {
                            "grid": grid,
                            "at": entry["created_at"] + _hours(0.1),
                            "class": MATTER_CLASS_OF_CATEGORY[category],
                            "source": WORKER_REPORT,
                            "text": content,
                            "link": (OpinionEntry.__table__, entry["id"]),
                        }
                    )
        return by_grid

    def _chief_reports(self, grids: list[Grid], entries: dict[int, list[dict]]) -> None:
        """Each grid's Monday/Thursday slots: reported on time, late or not at all (the
        grid's diligence decides); a report carries the entries since the last one."""
        rng = self.rng
        report_id = _Ids(ChiefReport.__table__)
        slots = report_slots(self.calendar, self.first_day, self.last_day)
        reports = []
        for grid in grids:
            mine = sorted(entries.get(grid.id, []), key=lambda e: e["created_at"])
            position = 0
            punctual = 0.55 + grid.diligence * 0.45
            for slot in slots:
                roll = rng.random()
                if roll < punctual:
                    reported_at = _at(slot.due_day, rng.uniform(8, 22))
                elif roll < punctual + (1 - punctual) * 0.6:
                    reported_at = _at(slot.due_day + timedelta(days=rng.randint(1, 4)), rng.uniform(8, 20))
                else:
                    continue
                if reported_at >= self.now:
                    continue
                new_id = report_id()
                reports.append(
                    {
                        "id": new_id,
                        "grid_id": grid.id,
                        "report_day": slot.report_day,
                        "reporter_name": grid.worker_name,
                        "chief_name": grid.chief_name,
                        "reported_at": reported_at,
                        "note": "",
                        "recorded_by_id": None,
                    }
                )
                while position < len(mine) and mine[position]["created_at"] < reported_at:
                    mine[position]["chief_report_id"] = new_id
                    position += 1
        self.counts["chief_reports"] = _insert(ChiefReport.__table__, reports)
        self.counts["opinion_entries"] = _insert(OpinionEntry.__table__, [e for rows in entries.values() for e in rows])

    # --- visits

    def _visits(self, grids: list[Grid]) -> None:
        rng = self.rng
        visit_id = _Ids(Visit.__table__)
        visits, visitors = [], []
        span = (self.last_day - self.first_day).days + 1
        per_year = {1: 7.5, 2: 3.7, 3: 1.0}

        def add(grid: Grid, household_id: int, day: date, visit_type: str, who: list[int]) -> None:
            new_id = visit_id()
            needs = rng.choice(VISIT_NEEDS) if rng.random() < 0.15 else ""
            at = _at(day, rng.uniform(17, 21))
            visits.append(
                {
                    "id": new_id,
                    "grid_id": grid.id,
                    "household_id": household_id,
                    "visited_on": day,
                    "visit_type": visit_type,
                    "found": rng.choice(VISIT_FOUND),
                    "needs": needs,
                    "follow_up": "已向社区反映" if needs else "",
                    "matter_id": None,
                    "recorded_by_id": None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            visitors.extend({"visit_id": new_id, "staff_id": staff_id} for staff_id in dict.fromkeys(who))
            if needs and rng.random() < 0.08:
                self.requests.append(
                    {
                        "grid": grid,
                        "at": at + _hours(0.1),
                        "class": "livelihood",
                        "source": WORKER_REPORT,
                        "text": needs,
                        "link": (Visit.__table__, new_id),
                    }
                )

        for grid in grids:
            keyed = set(grid.key_households)
            effort = 0.5 + grid.diligence * 0.7
            for household_id, level in grid.households:
                for _index in range(_poisson(rng, per_year.get(level, 1.0) * effort)):
                    roll = rng.random()
                    who = (
                        [grid.worker_id]
                        if roll < 0.7
                        else [grid.chief_id]
                        if roll < 0.85
                        else [rng.choice(grid.station)]
                    )
                    if rng.random() < 0.2:
                        who.append(rng.choice([grid.worker_id, grid.chief_id, *grid.station]))
                    kind = rng.random()
                    visit_type = (
                        "verification"
                        if kind < 0.25
                        else "concentrated"
                        if kind < 0.33
                        else "key"
                        if household_id in keyed and kind < 0.7
                        else "routine"
                    )
                    add(grid, household_id, self.first_day + timedelta(days=rng.randrange(span)), visit_type, who)
            # The station's quarterly visits to key-person households, in most grids.
            quarter = date(self.first_day.year, (self.first_day.month - 1) // 3 * 3 + 1, 1)
            while quarter <= self.last_day:
                following = date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
                first, last = max(quarter, self.first_day), min(following - timedelta(days=1), self.last_day)
                if grid.key_households and rng.random() < 0.5 + grid.diligence * 0.45:
                    chosen = rng.sample(grid.key_households, min(len(grid.key_households), rng.randint(3, 5)))
                    for household_id in chosen:
                        add(
                            grid,
                            household_id,
                            first + timedelta(days=rng.randrange((last - first).days + 1)),
                            "key",
                            [rng.choice(grid.station)],
                        )
                quarter = following
        self.counts["visits"] = _insert(Visit.__table__, visits)
        _insert(visit_visitor, visitors)

    # --- matters

    def _matters(self, grids: list[Grid]) -> None:
        rng = self.rng
        types = list(
            db.session.execute(
                select(MatterType.id, MatterType.class_code, MatterType.time_limit_days)
                .where(MatterType.is_active)
                .order_by(MatterType.id)
            )
        )
        by_class = defaultdict(list)
        for row in types:
            by_class[row.class_code].append(row)
        departments = list(
            db.session.execute(
                select(Department.id, Department.name).where(Department.is_active).order_by(Department.id)
            )
        )
        weights = [len(g.households) for g in grids]
        span_hours = (self.now - _hours(1) - local_day_start_utc(self.first_day)).total_seconds() / 3600
        for _index in range(max(0, MATTERS - len(self.requests))):
            grid = rng.choices(grids, weights)[0]
            source = _weighted(rng, SOURCES)
            matter_type = rng.choice(types)
            at = local_day_start_utc(self.first_day) + _hours(rng.uniform(0, span_hours))
            hour = to_local(at).hour
            if hour < 7 or hour > 21:  # most reports come in the day
                at += _hours(rng.choice((9, 11, 13)))
            self.requests.append(
                {
                    "grid": grid,
                    "at": min(at, self.now - _hours(1)),
                    "class": matter_type.class_code,
                    "type": matter_type,
                    "source": source,
                    "text": rng.choice(MATTER_TEXT[matter_type.class_code]),
                }
            )
        self.requests.sort(key=lambda r: r["at"])
        matter_id = _Ids(Matter.__table__)
        extension_id = _Ids(ExtensionRequest.__table__)
        matters, steps, extensions, links = [], [], [], defaultdict(list)
        per_day: dict[date, int] = defaultdict(int)
        codes: set[str] = set()
        recent: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        for request in self.requests:
            grid, created = request["grid"], request["at"]
            if "type" not in request and request["class"] in by_class and rng.random() < 0.8:
                request["type"] = rng.choice(by_class[request["class"]])
            matter_type = request.get("type")
            local_day = to_local(created).date()
            per_day[local_day] += 1
            while True:
                code = "".join(rng.choice(TRACKING_ALPHABET) for _i in range(10))
                if code not in codes:
                    codes.add(code)
                    break
            new_id = matter_id()
            hotline = request["source"] == "hotline"
            matter = {
                "id": new_id,
                "number": f"{local_day:%Y%m%d}-{per_day[local_day]:04d}",
                "tracking_code": code,
                "source": request["source"],
                "class_code": request["class"],
                "type_id": matter_type.id if matter_type else None,
                "grid_id": grid.id,
                "building_id": None,
                "address": "",
                "latitude": None,
                "longitude": None,
                "description": request["text"],
                "urgency": "urgent" if rng.random() < 0.05 else "normal",
                "reporter_id": None,
                "reporter_name": "" if request["source"] == WORKER_REPORT else random_name(rng),
                "reporter_phone": "" if request["source"] == WORKER_REPORT else f"139{rng.randrange(10**8):08d}",
                "is_anonymous": False,
                "involved_text": "",
                "submitter_fingerprint": "",
                "hotline_number": f"12345-{local_day:%Y%m%d}{new_id:06d}" if hotline else None,
                "hotline_due_at": workdays.deadline_after(self.calendar, created, 5) if hotline else None,
                "status": "reported",
                "owner_level": "community",
                "owner_division_id": grid.community_id,
                "handler_level": None,
                "handler_division_id": None,
                "handler_department_id": None,
                "first_receiver_id": None,
                "dispatcher_id": None,
                "verified_at": None,
                "dispatched_at": None,
                "handle_due_at": None,
                "fed_back_at": None,
                "closed_at": None,
                "closed_on_time": None,
                "result": "",
                "published_at": None,
                "rating": None,
                "rating_note": "",
                "rated_at": None,
                "reopened": False,
                "rework_count": 0,
                "extension_count": 0,
                "urge_level": None,
                "merged_into_id": None,
                "invalid_reason": "",
                "created_at": created,
            }
            earlier = [m for at, m in recent[grid.id] if created - at < timedelta(days=14)]
            merge_into = earlier[-1] if earlier and rng.random() < 0.02 else None
            self._walk(matter, matter_type, grid, steps, extensions, extension_id, departments, merge_into)
            matter["updated_at"] = max([created] + [s["at"] for s in steps[-12:] if s["matter_id"] == new_id])
            matters.append(matter)
            recent[grid.id].append((created, new_id))
            if "link" in request:
                links[request["link"][0]].append((request["link"][1], new_id))
        self.counts["matters"] = _insert(Matter.__table__, matters)
        self.counts["matter_steps"] = _insert(MatterStep.__table__, steps)
        _insert(ExtensionRequest.__table__, extensions)
        for table, pairs in links.items():
            for start in range(0, len(pairs), BATCH):
                db.session.execute(
                    update(table)
                    .where(table.c.id == bindparam("record_id"))
                    .values(matter_id=bindparam("new_matter_id")),
                    [{"record_id": r, "new_matter_id": m} for r, m in pairs[start : start + BATCH]],
                )

    def _walk(
        self,
        m: dict,
        matter_type,
        grid: Grid,
        steps: list,
        extensions: list,
        extension_id,
        departments,
        merge_into: int | None,
    ) -> None:
        """Take the matter round the loop as far as its clock has got by now, setting
        the columns app.matters.services would set at each step."""
        rng, now, calendar, limits = self.rng, self.now, self.calendar, self.limits

        def deadline(start: datetime, days: int) -> datetime:
            return workdays.deadline_after(calendar, start, days)

        def step(action, before, after, at, note="", department_id=None, **detail):
            steps.append(
                {
                    "matter_id": m["id"],
                    "action": action,
                    "from_status": before,
                    "to_status": after,
                    "actor_id": None,
                    "actor_label": "群众"
                    if action in ("report", "rate") and m["source"] in ("online", "hotline")
                    else "网格员"
                    if action == "report"
                    else "工作人员",
                    "department_id": department_id,
                    "at": at,
                    "note": note,
                    "detail": detail,
                }
            )

        created = m["created_at"]
        m["stage_started_at"] = created
        m["due_at"] = m["verify_due_at"] = deadline(created, limits["verify"])
        step("report", None, "reported", created)
        quality = 0.72 + grid.diligence * 0.25
        if merge_into is not None:
            at = created + _hours(rng.uniform(1, 20))
            if at < now:
                m.update(status="merged", merged_into_id=merge_into, verified_at=at, due_at=None)
                step("merge", "reported", "merged", at)
            return
        if rng.random() < 0.04:
            at = created + _hours(rng.uniform(1, 20))
            if at < now:
                m.update(status="invalid", invalid_reason="不属于受理范围", verified_at=at, due_at=None)
                step("reject", "reported", "invalid", at, "不属于受理范围")
            return
        if m["source"] == WORKER_REPORT and rng.random() < 0.35:
            at = created + _hours(rng.uniform(0.3, 4))
            if at < now:
                m.update(
                    status="closed",
                    result="已当场处置",
                    handler_level="grid",
                    handler_division_id=grid.id,
                    verified_at=at,
                    fed_back_at=at,
                    closed_at=at,
                    closed_on_time=True,
                    due_at=None,
                )
                step("handle_on_spot", "reported", "closed", at, "已当场处置")
                self._after_close(m, step, at)
            return
        at = (
            created + _hours(rng.uniform(0.5, 20))
            if rng.random() < quality
            else m["verify_due_at"] + _hours(rng.uniform(2, 48))
        )
        if at >= now:
            return
        m.update(status="verified", verified_at=at, stage_started_at=at, due_at=deadline(at, limits["verify"]))
        step("verify", "reported", "verified", at)
        escalated = rng.random() < 0.08
        if escalated:
            at += _hours(rng.uniform(1, 10))
            if at >= now:
                return
            m.update(
                owner_level="town",
                owner_division_id=grid.town_id,
                stage_started_at=at,
                due_at=deadline(at, limits["verify"]),
            )
            step("escalate", "verified", "verified", at, "超出村（社区）处置能力", level="town")
        at += _hours(rng.uniform(0.5, 16))
        if at >= now:
            return
        if escalated:
            level = "town" if rng.random() < 0.45 else "department"
        else:
            level = "grid" if rng.random() < 0.3 else "community"
        department = rng.choice(departments) if level == "department" else None
        division = {"grid": grid.id, "community": grid.community_id, "town": grid.town_id}.get(level)
        days = matter_type.time_limit_days if matter_type and matter_type.time_limit_days else limits[level]
        due = deadline(at, days)
        if m["hotline_due_at"] is not None and m["hotline_due_at"] < due:
            due = max(m["hotline_due_at"], at)
        dispatched = at
        m.update(
            status="handling",
            handler_level=level,
            handler_division_id=division,
            handler_department_id=department.id if department else None,
            dispatched_at=at,
            stage_started_at=at,
            due_at=due,
            handle_due_at=due,
        )
        step(
            "dispatch",
            "verified",
            "handling",
            at,
            department_id=department.id if department else None,
            level=level,
            days=days,
        )
        if rng.random() < 0.05:
            asked = at + (due - at) * rng.uniform(0.3, 0.8)
            if asked < now:
                extra = rng.randint(2, 10)
                decided = asked + _hours(rng.uniform(1, 8))
                approved = decided < now and rng.random() < 0.85
                extensions.append(
                    {
                        "id": extension_id(),
                        "matter_id": m["id"],
                        "days": extra,
                        "reason": "需协调多部门",
                        "requested_by_id": None,
                        "requested_at": asked,
                        "decision": ("approved" if approved else "refused") if decided < now else "pending",
                        "decided_by_id": None,
                        "decided_at": decided if decided < now else None,
                        "decision_note": "",
                    }
                )
                step("request_extension", "handling", "handling", asked, "需协调多部门", days=extra)
                if decided < now:
                    step(
                        "approve_extension" if approved else "refuse_extension",
                        "handling",
                        "handling",
                        decided,
                        days=extra,
                    )
                if approved:
                    due = workdays.extend_deadline(calendar, due, extra)
                    m.update(due_at=due, handle_due_at=due, extension_count=1)
        late = rng.random() > quality
        stuck = rng.random() < 0.015
        fed = due + _hours(rng.uniform(2, 240)) if late else at + (due - at) * rng.uniform(0.1, 0.95)
        if (late or stuck) and rng.random() < 0.35:
            urged = due + _hours(rng.uniform(1, 48))
            if urged < min(now, fed) or (stuck and urged < now):
                colour = "red" if rng.random() < 0.25 else "yellow"
                m["urge_level"] = colour
                step("urge", "handling", "handling", urged, "请抓紧办理", level=colour)
        if stuck or fed >= now:
            return
        m.update(
            status="checking",
            result="已处置完毕",
            fed_back_at=fed,
            stage_started_at=fed,
            due_at=deadline(fed, limits["verify"]),
        )
        step("feed_back", "handling", "checking", fed, "已处置完毕")
        at = fed + _hours(rng.uniform(1, 30))
        if rng.random() < 0.04:
            if at >= now:
                return
            m.update(status="handling", rework_count=1, stage_started_at=dispatched, due_at=m["handle_due_at"])
            step("rework", "checking", "handling", at, "现场复核未整改到位")
            fed = at + _hours(rng.uniform(4, 72))
            if fed >= now:
                return
            m.update(status="checking", fed_back_at=fed, stage_started_at=fed, due_at=deadline(fed, limits["verify"]))
            step("feed_back", "handling", "checking", fed, "已重新处置")
            at = fed + _hours(rng.uniform(1, 30))
        if at >= now:
            return
        m.update(status="closed", closed_at=at, closed_on_time=m["fed_back_at"] <= m["handle_due_at"], due_at=None)
        step("pass_check", "checking", "closed", at)
        self._after_close(m, step, at)

    def _after_close(self, m: dict, step, closed: datetime) -> None:
        rng, now = self.rng, self.now
        if rng.random() < 0.3:
            at = closed + _hours(rng.uniform(2, 48))
            if at < now:
                m["published_at"] = at
                step("publish", "closed", "closed", at)
        if rng.random() < 0.45:
            at = closed + _hours(rng.uniform(4, 96))
            if at < now:
                rating = _weighted(rng, (("satisfied", 0.7), ("basically", 0.2), ("unsatisfied", 0.1)))
                m.update(rating=rating, rated_at=at)
                step("rate", "closed", "closed", at, rating=rating)

    # --- assessment records

    def _assessment(self, grids: list[Grid]) -> None:
        rng = self.rng
        span = (self.last_day - self.first_day).days + 1
        cards = []
        for colour, number in (("yellow", 24), ("red", 6)):
            for _index in range(number):
                grid = rng.choice(grids)
                day = self.first_day + timedelta(days=rng.randrange(span))
                cards.append(
                    {
                        "grid_id": grid.id,
                        "staff_id": grid.worker_id if rng.random() < 0.5 else None,
                        "colour": colour,
                        "issued_on": day,
                        "reason": "督查发现台账不全、巡查记录缺失",
                        "issuer_id": None,
                        "issuer_name": "县网格化服务管理中心",
                        "created_at": _at(day, 10),
                    }
                )
        self.counts["cards"] = _insert(WarningCard.__table__, cards)
        year, half = self.today.year, 1 if self.today.month <= 6 else 2
        ended = [(year - 1, 2), (year, 1)] if half == 2 else [(year - 1, 1), (year - 1, 2)]
        surveys, answers = [], []
        for grid in grids:
            for survey_year, survey_half in ended:
                respondents = rng.randint(40, 60)
                rate = min(0.99, rng.uniform(0.7, 0.9) + grid.diligence * 0.08)
                pleased = round(respondents * rate)
                satisfied = round(pleased * rng.uniform(0.6, 0.85))
                recorded = _at(date(survey_year, 6 if survey_half == 1 else 12, 28), 15)
                surveys.append(
                    {
                        "grid_id": grid.id,
                        "year": survey_year,
                        "half": survey_half,
                        "respondents": respondents,
                        "satisfied": satisfied,
                        "basically": pleased - satisfied,
                        "dissatisfied": respondents - pleased,
                        "score": None,
                        "note": "入户问卷",
                        "recorded_by_id": None,
                        "recorded_at": recorded,
                    }
                )
            for _index in range(rng.choice((0, 0, 1, 2))):
                answers.append(
                    {
                        "grid_id": grid.id,
                        "year": year,
                        "half": half,
                        "answer": _weighted(rng, (("satisfied", 0.7), ("basically", 0.2), ("dissatisfied", 0.1))),
                        "submitter_fingerprint": "",
                        "created_at": self.now - timedelta(days=rng.randint(1, 60)),
                    }
                )
        self.counts["surveys"] = _insert(SatisfactionSurvey.__table__, surveys)
        self.counts["survey_answers"] = _insert(SurveyResponse.__table__, answers)

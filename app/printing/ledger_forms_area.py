"""Ledgers about the area and its staff (forms 1–5 and 14 of the work manual):
statistics per grid, the service scope with its 四至, the staff and their duties,
rentals and shops; the survey record from the 民情日志 and the work log from patrols,
民情日志 entries and household visits (their rows are built in app/patrols/ledger_rows.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.masking import mask_phone
from app.extensions import db
from app.org.models import CHAIN_ROLES, Division, StaffAssignment, StaffRole
from app.patrols.ledger_rows import survey_rows, work_log_rows
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope
from app.registry.housing.services import house_address, person_name, person_phone
from app.registry.housing.shop_services import shop_address
from app.registry.organisations.services import is_party_organisation
from app.registry.people import reference as people_reference
from app.registry.people.models import (
    CareTag,
    House,
    Household,
    KeyPerson,
    KeyPersonCategory,
    Organisation,
    Rental,
    RentalTenant,
    Resident,
    ResidentTag,
    Shop,
)


def _grids(scope: LedgerScope) -> list[Division]:
    return list(
        db.session.scalars(
            select(Division)
            .where(Division.id.in_(scope.grid_ids()), Division.status == "active")
            .options(selectinload(Division.profiles))
            .order_by(Division.code)
        )
    )


def _count_by_grid(statement) -> dict[int, int]:
    return dict(db.session.execute(statement).tuples().all())


def _period_overlaps(start_column, end_column, scope: LedgerScope):
    return (start_column <= scope.end) & or_(end_column.is_(None), end_column >= scope.start)


# --- 1 责任区基本情况统计表 -----------------------------------------------------------------

# The seeded key-person categories counted in their own column; the rest under 其他.
KEY_PERSON_COLUMNS = ("correction", "released", "drug", "youth")


@dataclass
class GridStatistics:
    grid: Division
    counts: dict = field(default_factory=lambda: defaultdict(int))

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)


def grid_statistics(scope: LedgerScope) -> list[GridStatistics]:
    """Form 1's counts per grid, for the binder's basics (the same numbers as form 1)."""
    return _statistics(scope)


def _statistics(scope: LedgerScope) -> list[GridStatistics]:
    """One row per grid: counts from the registers (a few GROUP BY queries in all)."""
    grids = _grids(scope)
    rows = {grid.id: GridStatistics(grid) for grid in grids}
    in_scope = scope.grid_ids()

    def add(key: str, counts: dict[int, int]) -> None:
        for grid_id, count in counts.items():
            if grid_id in rows:
                rows[grid_id].counts[key] += count

    add(
        "households",
        _count_by_grid(
            select(Household.grid_id, func.count())
            .where(Household.grid_id.in_(in_scope), Household.status == "active")
            .group_by(Household.grid_id)
        ),
    )
    for grid_id, population_type, count in db.session.execute(
        select(Resident.grid_id, Resident.population_type, func.count())
        .where(Resident.grid_id.in_(in_scope), Resident.status == "active")
        .group_by(Resident.grid_id, Resident.population_type)
    ):
        if grid_id in rows:
            rows[grid_id].counts["residents"] += count
            rows[grid_id].counts[population_type] += count
    add(
        "party_members",
        _count_by_grid(
            select(Resident.grid_id, func.count())
            .where(
                Resident.grid_id.in_(in_scope),
                Resident.status == "active",
                Resident.political_status.in_(people_reference.PARTY_MEMBER_STATUSES),
            )
            .group_by(Resident.grid_id)
        ),
    )
    for grid_id, code, count in db.session.execute(
        select(KeyPerson.grid_id, KeyPersonCategory.code, func.count())
        .join(KeyPersonCategory, KeyPerson.category_id == KeyPersonCategory.id)
        .where(KeyPerson.grid_id.in_(in_scope), KeyPerson.status == "active")
        .group_by(KeyPerson.grid_id, KeyPersonCategory.code)
    ):
        if grid_id in rows:
            rows[grid_id].counts["key_persons"] += count
            rows[grid_id].counts[code if code in KEY_PERSON_COLUMNS else "key_other"] += count
    add(
        "rentals",
        _count_by_grid(
            select(Rental.grid_id, func.count())
            .where(Rental.grid_id.in_(in_scope), _period_overlaps(Rental.start_date, Rental.end_date, scope))
            .group_by(Rental.grid_id)
        ),
    )
    add(
        "shops",
        _count_by_grid(
            select(Shop.grid_id, func.count())
            .where(Shop.grid_id.in_(in_scope), Shop.status == "open")
            .group_by(Shop.grid_id)
        ),
    )
    add(
        "organisations",
        _count_by_grid(
            select(Organisation.grid_id, func.count())
            .where(Organisation.grid_id.in_(in_scope))
            .group_by(Organisation.grid_id)
        ),
    )
    add(
        "party_organisations",
        _count_by_grid(
            select(Organisation.grid_id, func.count())
            .where(
                Organisation.grid_id.in_(in_scope),
                is_party_organisation(),
            )
            .group_by(Organisation.grid_id)
        ),
    )
    add(
        "cared",
        _count_by_grid(
            select(Resident.grid_id, func.count(distinct(Resident.id)))
            .join(ResidentTag, ResidentTag.resident_id == Resident.id)
            .join(CareTag, CareTag.id == ResidentTag.tag_id)
            .where(Resident.grid_id.in_(in_scope), Resident.status == "active", CareTag.is_active.is_(True))
            .group_by(Resident.grid_id)
        ),
    )
    return [rows[grid.id] for grid in grids]


def _number(key: str):
    return lambda row: row[key]


LEDGER_1 = Ledger(
    number=1,
    title=_l("责任区基本情况统计表"),
    columns=[
        LedgerColumn(_l("网格"), 26, lambda row: row.grid.name),
        LedgerColumn(_l("户数"), 12, _number("households"), summed=True),
        LedgerColumn(_l("总人口"), 15, _number("residents"), summed=True),
        LedgerColumn(_l("户籍人口"), 14, _number("registered"), summed=True),
        LedgerColumn(_l("常住人口"), 14, _number("permanent"), summed=True),
        LedgerColumn(_l("流动人口"), 14, _number("floating"), summed=True),
        LedgerColumn(_l("境外人员"), 14, _number("overseas"), summed=True),
        LedgerColumn(_l("党员"), 11, _number("party_members"), summed=True),
        LedgerColumn(_l("重点人员"), 14, _number("key_persons"), summed=True),
        LedgerColumn(_l("矫正"), 11, _number("correction"), summed=True),
        LedgerColumn(_l("刑释"), 11, _number("released"), summed=True),
        LedgerColumn(_l("戒毒"), 11, _number("drug"), summed=True),
        LedgerColumn(_l("青少年"), 13, _number("youth"), summed=True),
        LedgerColumn(_l("出租房屋"), 14, _number("rentals"), summed=True),
        LedgerColumn(_l("商铺"), 11, _number("shops"), summed=True),
        LedgerColumn(_l("单位组织"), 14, _number("organisations"), summed=True),
        LedgerColumn(_l("党组织"), 13, _number("party_organisations"), summed=True),
        LedgerColumn(_l("关爱对象"), 14, _number("cared"), summed=True),
    ],
    rows=_statistics,
    note=_l(
        "户数、人口、重点人员、商铺、单位组织和关爱对象为打印时在册的数目；出租房屋为本期内在租的数目。"
        "矫正、刑释、戒毒、青少年为重点人员中的社区矫正、刑满释放、社区戒毒/康复和重点青少年。"
        "党员含预备党员；党组织为登记的党组织和设有党组织的单位。"
    ),
)


# --- 2 社区综合服务站服务范围 ---------------------------------------------------------------


@dataclass
class GridScope:
    grid: Division
    households: int
    residents: int
    chiefs: list[str]
    workers: list[str]

    def boundary(self, side: str) -> str:
        profile = self.grid.current_profile
        return getattr(profile, f"boundary_{side}", "") if profile else ""


def _role_rank():
    """Posts in the order of the poster (the grid chief first, the 片警 after the grid's
    own staff), not the alphabetical order of their codes."""
    from app.printing.publicity import ROLE_ORDER

    return case({role.value: rank for rank, role in enumerate(ROLE_ORDER)}, value=StaffAssignment.role, else_=99)


def _assignments(scope: LedgerScope, include_unit: bool = False) -> list[StaffAssignment]:
    """Staff assignments in the scope's grids during the period; with `include_unit`,
    also the levels above them (002 篇九): the station's posts (a community's own, its
    一级/二级网格长 and its 片区's posts — a grid's only its own 片区's) and the town's
    总网格长, top down."""
    where = StaffAssignment.division_id.in_(scope.grid_ids())
    if include_unit:
        division = scope.division
        ancestors = [a.id for a in division.ancestors() if a.level in ("town", "community")]
        chain = and_(StaffAssignment.division_id.in_(ancestors), StaffAssignment.role.in_(CHAIN_ROLES))
        if division.is_grid:
            chain = and_(chain, or_(StaffAssignment.area_id.is_(None), StaffAssignment.area_id == division.area_id))
        where = or_(where, StaffAssignment.division_id == division.id, chain)
    return list(
        db.session.scalars(
            select(StaffAssignment)
            .where(where, _period_overlaps(StaffAssignment.start_date, StaffAssignment.end_date, scope))
            .options(selectinload(StaffAssignment.staff), selectinload(StaffAssignment.division))
            .join(Division, Division.id == StaffAssignment.division_id)
            .order_by(Division.code, _role_rank(), StaffAssignment.start_date, StaffAssignment.id)
        )
    )


def _names(names: list[str]) -> str:
    return str(_l("、")).join(names)


def _service_scope(scope: LedgerScope) -> list[GridScope]:
    grids = _grids(scope)
    in_scope = scope.grid_ids()
    households = _count_by_grid(
        select(Household.grid_id, func.count())
        .where(Household.grid_id.in_(in_scope), Household.status == "active")
        .group_by(Household.grid_id)
    )
    residents = _count_by_grid(
        select(Resident.grid_id, func.count())
        .where(Resident.grid_id.in_(in_scope), Resident.status == "active")
        .group_by(Resident.grid_id)
    )
    chiefs, workers = defaultdict(list), defaultdict(list)
    for assignment in _assignments(scope):
        if assignment.role == StaffRole.GRID_CHIEF.value:
            chiefs[assignment.division_id].append(assignment.staff.name)
        elif assignment.role in (StaffRole.FULL_TIME_WORKER.value, StaffRole.PART_TIME_WORKER.value):
            workers[assignment.division_id].append(assignment.staff.name)
    return [
        GridScope(
            grid,
            households.get(grid.id, 0),
            residents.get(grid.id, 0),
            list(dict.fromkeys(chiefs[grid.id])),
            list(dict.fromkeys(workers[grid.id])),
        )
        for grid in grids
    ]


LEDGER_2 = Ledger(
    number=2,
    title=_l("社区综合服务站服务范围"),
    columns=[
        LedgerColumn(_l("网格"), 26, lambda row: row.grid.name),
        LedgerColumn(_l("片区"), 18, lambda row: row.grid.area.name if row.grid.area is not None else ""),
        LedgerColumn(_l("东至"), 30, lambda row: row.boundary("east"), lines=2),
        LedgerColumn(_l("南至"), 30, lambda row: row.boundary("south"), lines=2),
        LedgerColumn(_l("西至"), 30, lambda row: row.boundary("west"), lines=2),
        LedgerColumn(_l("北至"), 30, lambda row: row.boundary("north"), lines=2),
        LedgerColumn(_l("户数"), 14, lambda row: row.households, summed=True),
        LedgerColumn(_l("人口"), 14, lambda row: row.residents, summed=True),
        LedgerColumn(_l("网格长"), 24, lambda row: _names(row.chiefs)),
        LedgerColumn(_l("网格员"), 34, lambda row: _names(row.workers), lines=2),
    ],
    rows=_service_scope,
)


# --- 3 社区网格管理员协管员工作职责 ---------------------------------------------------------

# The duties of each post, summarised from the work manual (docs/domain.md, 002 篇二/篇九, 004).
ROLE_DUTIES = {
    StaffRole.TOTAL_CHIEF.value: _l("负责调度、推进网格化管理各项工作的落实进度和质量，不定期调度各级网格工作。"),
    StaffRole.FIRST_LEVEL_CHIEF.value: _l(
        "负责督促、考核网格化管理工作；协调本网格各项工作任务，制定集中整治方案计划并监督实施。"
    ),
    StaffRole.SECOND_LEVEL_CHIEF.value: _l(
        "负责部署、管理、组织实施各项工作；召集网格员开展工作，对其提出考核意见建议；每年核实一次各户入户信息。"
    ),
    StaffRole.AREA_CHIEF.value: _l(
        "每季度入户核实信息、填写入户核实表，对所辖基础网格的工作作出评价；带领片区网格员开展工作。"
    ),
    StaffRole.AREA_WORKER.value: _l("每季度入户核实信息、填写入户核实表，协助片区网格长对所辖网格的工作作出评价。"),
    StaffRole.GRID_CHIEF.value: _l(
        "统筹网格工作，督促网格员巡查走访、信息上报和事件处置；主持网格例会，协调化解矛盾纠纷，对网格内重大事项负责。"
    ),
    StaffRole.FULL_TIME_WORKER.value: _l(
        "信息采集、现场处置、发现上报、代办服务；每周巡查不少于3次，走访入户，排查隐患和矛盾纠纷，严守居民个人信息。"
    ),
    StaffRole.PART_TIME_WORKER.value: _l("协助网格员采集信息、巡查走访、发现上报，参与矛盾纠纷调解和便民服务。"),
    StaffRole.BUILDING_CHIEF.value: _l("掌握本楼栋住户和人员变动，及时向网格员报告，协助宣传和调解。"),
    StaffRole.PARTY_HEAD.value: _l("组织网格内党员发挥作用，联系群众，协助网格长开展工作。"),
    StaffRole.VOLUNTEER.value: _l("参与巡防、宣传、便民服务和关爱帮扶。"),
    StaffRole.BEAT_POLICE.value: _l("负责网格治安防范和重点人员管控，协助处置治安类事件。"),
}


LEDGER_3 = Ledger(
    number=3,
    title=_l("社区网格管理员协管员工作职责"),
    columns=[
        LedgerColumn(_l("姓名"), 20, lambda a: a.staff.name),
        LedgerColumn(_l("职务"), 24, lambda a: a.role_label),
        LedgerColumn(_l("网格"), 28, lambda a: a.division.name),
        LedgerColumn(_l("联系电话"), 26, lambda a: mask_phone(a.staff.phone)),
        LedgerColumn(
            _l("任职时间"),
            40,
            lambda a: f"{a.start_date.isoformat()}—{a.end_date.isoformat() if a.end_date else ''}",
        ),
        LedgerColumn(_l("工作职责"), 110, lambda a: ROLE_DUTIES.get(a.role, ""), lines=2),
    ],
    rows=lambda scope: _assignments(scope, include_unit=True),
)


# --- 4 社区社情民意调查记录表 (from the 民情日志, app/patrols) ---------------------------------

LEDGER_4 = Ledger(
    number=4,
    title=_l("社区社情民意调查记录表"),
    columns=[
        LedgerColumn(_l("日期"), 22, lambda row: row.day.isoformat()),
        LedgerColumn(_l("调查对象"), 24, lambda row: row.person),
        LedgerColumn(_l("地址"), 30, lambda row: row.place, lines=2),
        LedgerColumn(_l("反映问题"), 56, lambda row: row.issue, lines=3),
        LedgerColumn(_l("背景、起因、建议"), 56, lambda row: row.circumstances, lines=3),
        LedgerColumn(_l("办理情况"), 44, lambda row: row.handling, lines=3),
        LedgerColumn(_l("记录人"), 18, lambda row: row.recorder),
    ],
    rows=survey_rows,
)


# --- 5 社区出租房屋商铺登记表 ----------------------------------------------------------------


@dataclass
class HousingRow:
    kind: str
    place: str
    person: str
    phone: str
    tenants: str
    term: str
    licence: str
    signed: str
    grid: str


def _signed(paper, value: bool, when=None) -> str:
    """治安责任书已签 2024-01-01 / 门前三包未签."""
    text = str(paper) + str(_l("已签") if value else _l("未签"))
    return f"{text} {when.isoformat()}" if value and when else text


def _tenants(rental: Rental) -> str:
    """ "王某、李某（2人）": the tenants by name, as the inspector checks them against
    the floating-population ledger."""
    names = [t.resident.name for t in rental.tenants if t.resident is not None]
    if not names:
        return ""
    return _("%(names)s（%(count)d人）", names=_("、").join(names), count=len(names))


def _rentals_and_shops(scope: LedgerScope) -> list[HousingRow]:
    """Rentals let during the period, then the open shops."""
    in_scope = scope.grid_ids()
    rentals = db.session.scalars(
        select(Rental)
        .where(Rental.grid_id.in_(in_scope), _period_overlaps(Rental.start_date, Rental.end_date, scope))
        .join(Division, Division.id == Rental.grid_id)
        .options(
            selectinload(Rental.house).selectinload(House.building),
            selectinload(Rental.landlord),
            selectinload(Rental.tenants).selectinload(RentalTenant.resident),
        )
        .order_by(Division.code, Rental.start_date, Rental.id)
    )
    grid_names = dict(db.session.execute(select(Division.id, Division.name).where(Division.id.in_(in_scope))).all())
    rows = [
        HousingRow(
            kind=str(_l("出租房屋")),
            place=house_address(r.house),
            person=person_name(r.landlord, r.landlord_name),
            phone=mask_phone(person_phone(r.landlord, r.landlord_phone)),
            tenants=_tenants(r),
            term=f"{r.start_date.isoformat()}—{r.end_date.isoformat() if r.end_date else ''}",
            licence="",
            signed=_signed(_l("治安责任书"), r.agreement_signed, r.agreement_date),
            grid=grid_names.get(r.grid_id, ""),
        )
        for r in rentals
    ]
    shops = db.session.scalars(
        select(Shop)
        .where(Shop.grid_id.in_(in_scope), Shop.status == "open")
        .join(Division, Division.id == Shop.grid_id)
        .options(selectinload(Shop.house).selectinload(House.building), selectinload(Shop.operator))
        .order_by(Division.code, Shop.name, Shop.id)
    )
    rows += [
        HousingRow(
            kind=str(_l("商铺")),
            place=f"{s.name} {shop_address(s)}".strip(),
            person=person_name(s.operator, s.operator_name),
            phone=mask_phone(person_phone(s.operator, s.operator_phone)),
            tenants="",
            term="",
            licence=s.licence_number,
            signed=_signed(_l("门前三包"), s.frontage_duty_signed),
            grid=grid_names.get(s.grid_id, ""),
        )
        for s in shops
    ]
    return rows


LEDGER_5 = Ledger(
    number=5,
    title=_l("社区出租房屋商铺登记表"),
    columns=[
        LedgerColumn(_l("类别"), 18, lambda row: row.kind),
        LedgerColumn(_l("地址（店名）"), 44, lambda row: row.place, lines=2),
        LedgerColumn(_l("房东/经营者"), 26, lambda row: row.person),
        LedgerColumn(_l("联系电话"), 26, lambda row: row.phone),
        LedgerColumn(_l("承租人"), 30, lambda row: row.tenants, lines=2),
        LedgerColumn(_l("租赁期限"), 34, lambda row: row.term),
        LedgerColumn(_l("营业执照号"), 28, lambda row: row.licence, not_personal=True),
        LedgerColumn(_l("责任书签订"), 27, lambda row: row.signed),
        LedgerColumn(_l("网格"), 18, lambda row: row.grid),
    ],
    rows=_rentals_and_shops,
)


# --- 14 网格化管理工作记录 (patrols, 民情日志 and visits, app/patrols) ---------------------------

LEDGER_14 = Ledger(
    number=14,
    title=_l("网格化管理工作记录"),
    columns=[
        LedgerColumn(_l("日期"), 22, lambda row: row.day.isoformat()),
        LedgerColumn(_l("时间"), 18, lambda row: row.time),
        LedgerColumn(_l("地点"), 30, lambda row: row.place, lines=2),
        LedgerColumn(_l("工作内容"), 66, lambda row: row.content, lines=3),
        LedgerColumn(_l("背景、起因、建议"), 50, lambda row: row.circumstances, lines=3),
        LedgerColumn(_l("处理结果"), 46, lambda row: row.result, lines=3),
        LedgerColumn(_l("记录人"), 18, lambda row: row.recorder),
    ],
    rows=work_log_rows,
)

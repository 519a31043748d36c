"""A county-sized demo (`flask seed-demo --scale county`) for trying Gridbook at the
size it is meant for, and for the benchmarks in bench/run.py: the tree of
app.demo.scale_tree (300 grids) with 60,000 households and 200,000 residents,
about 1% of them key persons with some follow-ups, houses, rentals with tenants,
shops, organisations, 十户联防 groups and the six demo accounts.

The people are made up but look real to the checks: 18-digit ID numbers with
real-format region codes, birth dates that fit their place in the household, the
sex digit, a correct check character, all unique; names are a weighted surname
and one or two given characters (so 张伟 and 王芳 are common and two-character
search meets many matches); pinyin keys are computed once per distinct name.

Rows are built in memory and written with SQLAlchemy Core executemany in batches
(one transaction per table), not through the services. What the services keep in
step is kept here too: a resident's grid is their household's grid, every
household has a head (head_id and a "head" membership), a key person's grid is
their resident's grid, a rental's grid is its house's, a 十户联防 group holds
households of its own grid. No PopulationEvent is written per resident."""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core.database import advance_sequences
from app.core.identity import credit_code_check_char, id_check_char
from app.core.timeutil import local_today, utcnow
from app.demo.scale_tree import CountyTree, GridInfo, _Ids, build_county_tree, bulk_insert, create_demo_accounts
from app.extensions import db
from app.registry.housing.models import House, Rental, RentalTenant, Shop
from app.registry.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory
from app.registry.organisations.models import JointDefenceGroup, JointDefenceMember, Organisation
from app.registry.people.models import CareTag, Household, HouseholdMember, Resident, ResidentTag
from app.registry.people.services import pinyin_keys

START = date(2024, 1, 1)
HOUSEHOLDS = 60_000
RESIDENTS = 200_000

# --- Names -------------------------------------------------------------------------------
# Surnames in rough order of frequency; the weight falls with the rank.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = list(itertools.accumulate(1 / (rank + 3) ** 0.9 for rank in range(len(SURNAMES))))
# One given character: 张伟, 王芳, 李娜 … the names two-character search meets most.
SINGLE_GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
    "桂",
    "英",
    "华",
    "玉",
    "兰",
    "萍",
    "红",
    "斌",
    "燕",
    "鹏",
    "辉",
    "浩",
    "宇",
    "欣",
    "婷",
    "雪",
    "琳",
    "博",
    "凯",
)
# Two given characters, by the decade people were born in.
GIVEN_OLD = (
    "建国",
    "建华",
    "国强",
    "国华",
    "志强",
    "志明",
    "秀英",
    "秀兰",
    "桂英",
    "桂兰",
    "玉兰",
    "玉珍",
    "凤英",
    "淑珍",
    "淑英",
    "丽华",
    "春花",
    "秋菊",
    "德福",
    "永红",
    "红梅",
    "建军",
    "卫东",
    "卫国",
    "海燕",
    "金凤",
    "秀珍",
    "玉梅",
    "福贵",
    "长生",
    "振华",
    "文华",
    "明亮",
    "建平",
    "保国",
    "月英",
    "素珍",
    "兰英",
    "宝山",
    "永福",
    "志刚",
    "建设",
    "红霞",
    "玉华",
    "桂花",
    "春生",
    "德胜",
    "国庆",
)
GIVEN_MIDDLE = (
    "海涛",
    "志勇",
    "俊杰",
    "丽娟",
    "小红",
    "晓明",
    "晓燕",
    "建伟",
    "海波",
    "红艳",
    "丽丽",
    "伟东",
    "文斌",
    "晓东",
    "立新",
    "海军",
    "艳红",
    "永强",
    "小军",
    "春燕",
    "小燕",
    "亚军",
    "丽萍",
    "晓丽",
    "军华",
    "婷婷",
    "丹丹",
    "鹏飞",
    "雪梅",
    "建新",
    "志华",
    "晓峰",
    "明辉",
    "振宇",
    "秀丽",
    "玉婷",
    "伟华",
    "小平",
    "金龙",
    "利军",
    "爱华",
    "晓红",
    "海燕",
    "新民",
    "志远",
    "国栋",
    "文静",
    "慧敏",
)
GIVEN_YOUNG = (
    "子涵",
    "梓轩",
    "雨桐",
    "浩然",
    "欣怡",
    "一诺",
    "思远",
    "佳琪",
    "俊熙",
    "诗涵",
    "宇轩",
    "梓涵",
    "子轩",
    "雨萱",
    "若汐",
    "沐阳",
    "浩宇",
    "嘉怡",
    "梓萱",
    "一鸣",
    "佳怡",
    "子墨",
    "语桐",
    "欣妍",
    "思雨",
    "宇航",
    "博文",
    "天佑",
    "晨曦",
    "紫涵",
    "俊宇",
    "雅琪",
    "梦瑶",
    "家豪",
    "铭轩",
    "思彤",
    "皓轩",
    "可馨",
    "明轩",
    "心怡",
    "子豪",
    "雨泽",
    "诗琪",
    "睿泽",
    "嘉琪",
    "浩轩",
    "一凡",
    "安琪",
)
GIVEN_CHARS = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚华玉兰萍红建国志文斌海燕晨浩宇欣怡子涵梓轩雨桐佳琪俊思远嘉雪梅德福春生秋菊凤珍"  # noqa: E501


def _surname(rng: random.Random) -> str:
    return SURNAMES[bisect.bisect(SURNAME_WEIGHTS, rng.random() * SURNAME_WEIGHTS[-1])]


def _given(rng: random.Random, born_year: int) -> str:
    roll = rng.random()
    if roll < 0.27:
        return rng.choice(SINGLE_GIVEN)
    if roll < 0.85:
        pool = GIVEN_OLD if born_year < 1970 else GIVEN_MIDDLE if born_year < 1998 else GIVEN_YOUNG
        return rng.choice(pool)
    return rng.choice(GIVEN_CHARS) + rng.choice(GIVEN_CHARS)


def random_name(rng: random.Random) -> str:
    """A made-up full name (staff, contacts)."""
    return _surname(rng) + _given(rng, rng.randint(1960, 2000))


# --- ID numbers --------------------------------------------------------------------------
# Real-format region codes: the county's own people, others from the province, and
# people from other provinces (with how their registered address reads).
LOCAL_REGIONS = (
    ("610124", "陕西省西安市周至县"),
    ("610124", "陕西省西安市周至县"),
    ("610124", "陕西省西安市周至县"),
    ("610122", "陕西省西安市蓝田县"),
    ("610118", "陕西省西安市鄠邑区"),
)
PROVINCE_REGIONS = (
    ("610102", "陕西省西安市新城区"),
    ("610113", "陕西省西安市雁塔区"),
    ("610402", "陕西省咸阳市秦都区"),
    ("610302", "陕西省宝鸡市渭滨区"),
    ("610502", "陕西省渭南市临渭区"),
    ("610702", "陕西省汉中市汉台区"),
    ("612401", "陕西省安康市汉滨区"),
    ("610602", "陕西省延安市宝塔区"),
)
OTHER_REGIONS = (
    ("410102", "河南省郑州市中原区"),
    ("410302", "河南省洛阳市老城区"),
    ("420102", "湖北省武汉市江岸区"),
    ("510104", "四川省成都市锦江区"),
    ("500101", "重庆市万州区"),
    ("620102", "甘肃省兰州市城关区"),
    ("140105", "山西省太原市小店区"),
    ("340102", "安徽省合肥市瑶海区"),
    ("130102", "河北省石家庄市长安区"),
    ("640104", "宁夏回族自治区银川市兴庆区"),
    ("370102", "山东省济南市历下区"),
    ("430102", "湖南省长沙市芙蓉区"),
)
# Credit codes (and shops' licences) of organisations registered in the county.
HOME_REGION = "610124"
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
OTHER_ETHNICITIES = ("回族", "回族", "满族", "蒙古族", "土家族", "藏族", "苗族", "壮族")
CREDIT_ALPHABET_DIGITS = "0123456789"


class _People:
    """Unique ID numbers and phones, and the pinyin keys of each distinct name."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.pinyin: dict[str, tuple[str, str]] = {}

    def id_number(self, region: str, born: date, male: bool) -> str:
        stem = f"{region}{born:%Y%m%d}"
        parity = 1 if male else 0
        for _attempt in range(20):
            first17 = f"{stem}{self.rng.randrange(500) * 2 + parity:03d}"
            if first17 not in self.ids:
                break
        else:  # a crowded day: the first free sequence number, if any
            first17 = next(
                (f"{stem}{n * 2 + parity:03d}" for n in range(500) if f"{stem}{n * 2 + parity:03d}" not in self.ids),
                None,
            )
            if first17 is None:
                raise RuntimeError(f"no free ID sequence for {stem}")
        self.ids.add(first17)
        return first17 + id_check_char(first17)

    def phone(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(100_000_000):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def keys(self, name: str) -> tuple[str, str]:
        found = self.pinyin.get(name)
        if found is None:
            found = self.pinyin[name] = pinyin_keys(name)
        return found


def organisation_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and its check character."""
    body = "".join(rng.choice(CREDIT_ALPHABET_DIGITS) for _ in range(8))
    check = 11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(rng: random.Random, prefix: str, taken: set[str]) -> str:
    """A unified social credit code (GB 32100) for the county: authority and type
    (`prefix`, e.g. 91 enterprise, 92 individual business), region, organisation
    code, check character."""
    while True:
        first17 = f"{prefix}{HOME_REGION}{organisation_code(rng)}"
        code = first17 + credit_code_check_char(first17)
        if code not in taken:
            taken.add(code)
            return code


# --- Households and their people ---------------------------------------------------------

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6, 7)
SIZE_WEIGHTS = (0.12, 0.22, 0.24, 0.21, 0.12, 0.06, 0.03)
URBAN_TYPES = (("registered", 0.45), ("permanent", 0.28), ("floating", 0.12), ("rental", 0.15))
RURAL_TYPES = (("registered", 0.82), ("permanent", 0.10), ("floating", 0.05), ("rental", 0.03))


def _weighted(rng: random.Random, pairs) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in pairs:
        total += weight
        if roll < total:
            return value
    return pairs[-1][0]


def household_sizes(rng: random.Random, households: int, residents: int) -> list[int]:
    """`households` sizes (1–8 people) that add up to exactly `residents`."""
    sizes = rng.choices(HOUSEHOLD_SIZES, SIZE_WEIGHTS, k=households)
    difference = residents - sum(sizes)
    while difference:
        i = rng.randrange(households)
        if difference > 0 and sizes[i] < 8:
            sizes[i] += 1
            difference -= 1
        elif difference < 0 and sizes[i] > 1:
            sizes[i] -= 1
            difference += 1
    return sizes


@dataclass
class _Member:
    relation: str
    born: date
    male: bool
    surname: str


@dataclass
class HouseholdInfo:
    id: int
    grid: GridInfo
    household_type: str
    address: str
    building_id: int | None
    unit: str
    room: str
    members: list[int] = field(default_factory=list)  # resident ids, head first


@dataclass
class ResidentInfo:
    id: int
    grid_id: int
    name: str
    born: date
    male: bool
    id_number: str
    phone: str
    household: int  # index into the households list


def _birth(rng: random.Random, earliest: date, latest: date) -> date:
    if latest < earliest:
        latest = earliest
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _compose(rng: random.Random, size: int, today: date) -> list[_Member]:
    """The people of one household: a head, usually a spouse, then children,
    sometimes a parent, grandchildren, a sibling or another relative."""
    latest_adult = _years(today, -18)
    if size == 1:
        head_born = (
            _birth(rng, _years(today, -92), _years(today, -20))
            if rng.random() < 0.55
            else _birth(rng, _years(today, -88), _years(today, -60))
        )
    else:
        head_born = _birth(rng, _years(today, -82), _years(today, -26))
    head_born = min(head_born, latest_adult)
    head_male = rng.random() < 0.74
    family = _surname(rng)
    members = [_Member("head", head_born, head_male, family)]
    mother_born = None if head_male else head_born
    if size >= 2 and rng.random() < 0.9:
        spouse_born = min(head_born + timedelta(days=rng.randint(-1500, 1500)), latest_adult)
        members.append(_Member("spouse", spouse_born, not head_male, _surname(rng)))
        if head_male:
            mother_born = spouse_born
        else:
            family = members[-1].surname
    mother_born = mother_born or head_born
    head_age = (today - head_born).days // 365
    children: list[_Member] = []
    while len(members) < size:
        roll = rng.random()
        parents = sum(m.relation == "parent" for m in members)
        if head_age < 58 and parents < 2 and roll < 0.14:
            other = next((m for m in members if m.relation == "parent"), None)
            male = rng.random() < 0.45 if other is None else not other.male
            members.append(
                _Member(
                    "parent",
                    _birth(rng, _years(head_born, -34), _years(head_born, -21)),
                    male,
                    family if male else _surname(rng),
                )
            )
        elif children and head_age >= 52 and roll < 0.45:
            parent = rng.choice(children)
            born = _birth(rng, _years(parent.born, 21), _years(parent.born, 36))
            if born > today:
                born = _birth(rng, _years(today, -4), today)
            members.append(
                _Member("grandchild", born, rng.random() < 0.52, parent.surname if parent.male else _surname(rng))
            )
        elif roll < 0.96 or not children:
            born = _birth(rng, _years(mother_born, 20), _years(mother_born, 40))
            if born > today:
                born = _birth(rng, _years(today, -6), today)
            child = _Member("child", born, rng.random() < 0.52, family)
            members.append(child)
            children.append(child)
        else:
            relation = rng.choice(("sibling", "other"))
            members.append(
                _Member(
                    relation,
                    _birth(rng, head_born - timedelta(days=3000), min(head_born + timedelta(days=3000), latest_adult)),
                    rng.random() < 0.5,
                    family if relation == "sibling" else _surname(rng),
                )
            )
    return members


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- The whole county --------------------------------------------------------------------


@dataclass
class ScaleReport:
    accounts: list[tuple[str, str, str]]
    counts: dict[str, int]
    timings: list[tuple[str, float]]


def load_county_demo(
    seed: int = 2024,
    *,
    households: int = HOUSEHOLDS,
    residents: int = RESIDENTS,
    progress: Callable[[str], None] | None = None,
) -> ScaleReport:
    """Build the county; the caller runs this inside write_transactions()."""
    rng = random.Random(seed)
    timings: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def step(label: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append((label, now - clock))
        if progress:
            progress(f"  {label}: {now - clock:.1f} s")
        clock = now

    on_sqlite = db.session.get_bind().dialect.name == "sqlite"
    if on_sqlite:  # (PostgreSQL's cache is the server's own setting)
        db.session.connection().exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB while loading
    tree = build_county_tree(rng, random_name, households)
    step("区划、楼栋、人员 / tree, buildings, staff")
    population = _Population(rng, tree)
    population.build(residents)
    step("生成住户与人口 / households and residents generated")
    counts = dict(tree.counts)
    counts.update(population.write())
    step("写入住户与人口 / households and residents written")
    counts.update(population.registers())
    step("重点人员、房屋、组织 / key persons, housing, organisations")
    accounts = create_demo_accounts(tree)
    step("账号 / accounts")
    if on_sqlite:
        db.session.connection().exec_driver_sql("PRAGMA cache_size = -2000")
    # Rows went in with their ids given: PostgreSQL's sequences must follow, or the
    # first resident, visit or 民情日志 entry added afterwards takes an id in use.
    advance_sequences(db.session)
    db.session.commit()
    return ScaleReport(accounts, counts, timings)


class _Population:
    def __init__(self, rng: random.Random, tree: CountyTree):
        self.rng, self.tree = rng, tree
        self.today = local_today()
        self.now = utcnow()
        self.people = _People(rng)
        self.households: list[HouseholdInfo] = []
        self.residents: list[ResidentInfo] = []
        self.resident_rows: list[dict] = []
        self.household_rows: list[dict] = []
        self.member_rows: list[dict] = []
        self.tag_rows: list[dict] = []
        self.tags = {t.name: t.id for t in db.session.scalars(select(CareTag).where(CareTag.is_active))}

    # --- generation

    def build(self, residents: int) -> None:
        rng = self.rng
        total = sum(g.households for g in self.tree.grids)
        sizes = iter(household_sizes(rng, total, residents))
        household_id = _Ids(Household.__table__)
        resident_id = _Ids(Resident.__table__)
        member_id = _Ids(HouseholdMember.__table__)
        for grid in self.tree.grids:
            places = self._places(grid)
            for index in range(1, grid.households + 1):
                building, unit, room, address = places[index - 1]
                info = HouseholdInfo(
                    household_id(),
                    grid,
                    _weighted(rng, URBAN_TYPES if grid.kind == "urban" else RURAL_TYPES),
                    address,
                    building,
                    unit,
                    room,
                )
                self._household(info, index, next(sizes), resident_id, member_id)

    def _places(self, grid: GridInfo) -> list[tuple[int | None, str, str, str]]:
        """(building id, unit, room, address) for each household of the grid."""
        rng = self.rng
        if grid.kind == "urban":
            slots = [
                (b.id, str(unit), f"{floor}{number:02d}", f"{b.address}{unit}单元{floor}{number:02d}室")
                for b in grid.buildings
                for unit in range(1, b.units + 1)
                for floor in range(1, b.floors + 1)
                for number in range(1, b.rooms_per_floor + 1)
            ]
            rng.shuffle(slots)
            chosen = slots[: grid.households]
            chosen.sort(key=lambda s: (s[0], int(s[1]), int(s[2])))
            return chosen
        per_cluster = -(-grid.households // len(grid.buildings))
        places = []
        for cluster in grid.buildings:
            for number in range(1, per_cluster + 1):
                places.append((None, "", "", f"{cluster.address}{number}号"))
        return places[: grid.households]

    def _household(self, info: HouseholdInfo, index: int, size: int, resident_id, member_id) -> None:
        rng, today, people = self.rng, self.today, self.people
        grid = info.grid
        htype = info.household_type
        if htype == "registered":
            region, registered = rng.choice(LOCAL_REGIONS)
        elif htype == "permanent":
            region, registered = rng.choice(LOCAL_REGIONS if rng.random() < 0.6 else PROVINCE_REGIONS)
        else:
            region, registered = rng.choice(OTHER_REGIONS if rng.random() < 0.75 else PROVINCE_REGIONS)
        floating = htype == "floating" or (htype == "rental" and region[:2] != "61")
        population_type = "floating" if floating else "registered"
        if not region.startswith(HOME_REGION):
            registered_address = (
                f"{registered}{rng.choice(('人民路', '解放路', '建设路', '和平街', '新村'))}{rng.randint(1, 300)}号"
            )
        else:
            registered_address = info.address
        ethnicity = "汉族" if rng.random() < 0.96 else rng.choice(OTHER_ETHNICITIES)
        members = _compose(rng, size, today)
        household_index = len(self.households)
        self.households.append(info)
        elderly_only = all(_age(m.born, today) >= 60 for m in members)
        low_income = rng.random() < 0.02
        tags = self.tags
        for member in members:
            rid = resident_id()
            age = _age(member.born, today)
            name = member.surname + _given(rng, member.born.year)
            pinyin, initials = people.keys(name)
            # Born elsewhere sometimes: the region of one's birth stays in the number.
            id_region = region if rng.random() < 0.9 else rng.choice(LOCAL_REGIONS + PROVINCE_REGIONS)[0]
            number = people.id_number(id_region, member.born, member.male)
            has_phone = age >= 16 and rng.random() < (0.6 if age >= 75 else 0.94)
            phone = people.phone() if has_phone else ""
            if age >= 18 and rng.random() < 0.075:
                political = "cpc_member"
            elif 14 <= age <= 28 and rng.random() < 0.3:
                political = "cyl_member"
            else:
                political = "masses"
            workplace = ""
            if 6 <= age <= 11:
                workplace = f"{grid.town_name}中心小学"
            elif 12 <= age <= 17:
                workplace = "县第一中学" if rng.random() < 0.5 else f"{grid.town_name}中学"
            elif 22 <= age <= 60 and rng.random() < 0.55:
                workplace = rng.choice(
                    (
                        "个体经营",
                        "县人民医院",
                        "县供电公司",
                        "县城投建设有限公司",
                        "县第一中学",
                        f"{grid.town_name}人民政府",
                        "外出务工",
                        "务农" if grid.kind == "rural" else "自由职业",
                    )
                )
            self.resident_rows.append(
                {
                    "id": rid,
                    "grid_id": grid.id,
                    "name": name,
                    "name_pinyin": pinyin,
                    "name_initials": initials,
                    "id_type": "resident_id",
                    "id_number": number,
                    "sex": "M" if member.male else "F",
                    "birth_date": member.born,
                    "ethnicity": ethnicity,
                    "phone": phone,
                    "population_type": population_type,
                    "registered_address": registered_address,
                    "current_address": info.address,
                    "political_status": political,
                    "workplace": workplace,
                    "arrival_date": None,
                    "stay_reason": "",
                    "residence_permit_number": "",
                    "status": "active",
                    "note": "",
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            self.residents.append(
                ResidentInfo(rid, grid.id, name, member.born, member.male, number, phone, household_index)
            )
            info.members.append(rid)
            self.member_rows.append(
                {
                    "id": member_id(),
                    "household_id": info.id,
                    "resident_id": rid,
                    "relation": member.relation,
                    "start_date": max(START, member.born),
                    "end_date": None,
                }
            )
            chosen = []
            if age >= 65 and size == 1 and rng.random() < 0.8:
                chosen.append("独居老人")
            elif age >= 65 and elderly_only and rng.random() < 0.6:
                chosen.append("空巢老人")
            if age < 16 and grid.kind == "rural" and rng.random() < 0.12:
                chosen.append("留守儿童")
            if rng.random() < 0.015:
                chosen.append("残疾人")
            if low_income and member.relation == "head":
                chosen.append("低保户")
            if member.male and 30 <= age <= 70 and rng.random() < 0.02:
                chosen.append("退役军人")
            if not member.male and 22 <= age <= 38 and rng.random() < 0.01:
                chosen.append("孕产妇")
            if 18 <= age <= 55 and rng.random() < 0.012:
                chosen.append("失业人员")
            for tag in chosen:
                if tag in tags:
                    self.tag_rows.append({"resident_id": rid, "tag_id": tags[tag]})
        self.household_rows.append(
            {
                "id": info.id,
                "grid_id": grid.id,
                "building_id": info.building_id,
                "unit": info.unit,
                "room": info.room,
                "address_text": "" if info.building_id else info.address,
                "household_number": f"{grid.code[-6:]}{index:04d}",
                "household_type": htype,
                "visit_class": 1 if low_income else rng.choices((1, 2, 3), (0.04, 0.2, 0.76))[0],
                "head_id": info.members[0],
                "status": "active",
                "note": "",
                "created_at": self.now,
                "updated_at": self.now,
            }
        )

    def write(self) -> dict[str, int]:
        # Residents first: households point at their heads, memberships at both.
        counts = {
            "residents": bulk_insert(Resident.__table__, self.resident_rows, staged=db.engine.dialect.name == "sqlite")
        }
        counts["households"] = bulk_insert(Household.__table__, self.household_rows)
        counts["household_members"] = bulk_insert(HouseholdMember.__table__, self.member_rows)
        counts["resident_tags"] = bulk_insert(ResidentTag.__table__, self.tag_rows)
        self.resident_rows = self.household_rows = self.member_rows = self.tag_rows = []
        return counts

    # --- the other registers

    def registers(self) -> dict[str, int]:
        counts = {}
        counts.update(self._key_persons())
        counts.update(self._housing())
        counts.update(self._organisations())
        counts.update(self._groups())
        return counts

    def _key_persons(self) -> dict[str, int]:
        rng, today = self.rng, self.today
        categories = {c.code: c for c in db.session.scalars(select(KeyPersonCategory))}
        workers = {g.id: (g.worker_staff_id, g.worker_name, g.town_name) for g in self.tree.grids}
        plan = (
            ("mental", 0.25, 18, 80),
            ("released", 0.2, 20, 65),
            ("correction", 0.15, 18, 60),
            ("youth", 0.15, 12, 25),
            ("petition", 0.13, 35, 80),
            ("drug", 0.12, 18, 55),
        )
        wanted = round(len(self.residents) * 0.01)
        kp_id, fu_id = _Ids(KeyPerson.__table__), _Ids(FollowUp.__table__)
        people, follow_ups = [], []
        for code, share, youngest, oldest in plan:
            category = categories.get(code)
            if category is None:
                continue
            listed: set[int] = set()
            goal = round(wanted * share)
            while len(listed) < goal:
                resident = rng.choice(self.residents)
                age = _age(resident.born, today)
                if resident.id in listed or not youngest <= age <= oldest:
                    continue
                if code in ("correction", "released", "drug") and not resident.male and rng.random() < 0.75:
                    continue
                listed.add(resident.id)
                worker_id, worker_name, town = workers[resident.grid_id]
                earliest = max(_years(resident.born, youngest), today - timedelta(days=3 * 365))
                start = _birth(rng, earliest, today - timedelta(days=10))
                closed = rng.random() < 0.08
                end = _birth(rng, start, today) if closed else None
                new_id = kp_id()
                people.append(
                    {
                        "id": new_id,
                        "resident_id": resident.id,
                        "category_id": category.id,
                        "grid_id": resident.grid_id,
                        "risk_level": rng.choices(("low", "medium", "high"), (0.6, 0.3, 0.1))[0],
                        "details": self._details(code, start, worker_name, town),
                        "start_date": start,
                        "end_date": end,
                        "status": "closed" if closed else "active",
                        "responsible_staff_id": worker_id,
                        "note": f"{end.isoformat()} 期满解除" if closed else "",
                        "created_at": self.now,
                    }
                )
                if closed or rng.random() > 0.4:
                    continue
                kind = {"correction": "education", "released": "education", "drug": "control", "mental": "control"}.get(
                    code, "assistance"
                )
                day = start
                for _visit in range(rng.randint(1, 4)):
                    day = day + timedelta(
                        days=rng.randint(max(1, category.follow_up_days - 7), category.follow_up_days + 10)
                    )
                    if day > today:
                        break
                    follow_ups.append(
                        {
                            "id": fu_id(),
                            "key_person_id": new_id,
                            "follow_up_date": day,
                            "kind": kind,
                            "performed_by": worker_name,
                            "content": rng.choice(
                                (
                                    "上门走访，了解近况，情况稳定。",
                                    "电话联系本人及家属，无异常。",
                                    "入户谈心谈话，讲解相关政策。",
                                    "协调社区为其解决就业问题。",
                                    "督促按时服药，家属配合良好。",
                                )
                            ),
                            "next_due_date": day + timedelta(days=category.follow_up_days),
                            "recorded_by_id": None,
                            "recorded_at": self.now,
                        }
                    )
        return {
            "key_persons": bulk_insert(KeyPerson.__table__, people),
            "follow_ups": bulk_insert(FollowUp.__table__, follow_ups),
        }

    def _details(self, code: str, start: date, worker: str, town: str) -> dict:
        rng = self.rng
        if code == "correction":
            return {
                "correction_type": rng.choice(("缓刑", "缓刑", "假释", "管制", "暂予监外执行")),
                "correction_start": start.isoformat(),
                "correction_end": _years(start, rng.randint(1, 3)).isoformat(),
                "executing_authority": f"{town}司法所",
            }
        if code == "released":
            return {
                "release_date": start.isoformat(),
                "original_charge": rng.choice(("盗窃罪", "故意伤害罪", "诈骗罪", "危险驾驶罪", "寻衅滋事罪")),
                "sentence": f"有期徒刑{rng.randint(1, 8)}年",
                "helpers": worker,
            }
        if code == "drug":
            return {
                "measure": rng.choice(("社区戒毒", "社区康复")),
                "measure_start": start.isoformat(),
                "measure_end": _years(start, 3).isoformat(),
                "agreement": "已签订",
            }
        if code == "mental":
            return {
                "diagnosis": rng.choice(("精神分裂症", "双相情感障碍", "偏执性精神病", "分裂情感性障碍")),
                "risk_grade": f"{rng.choices(range(6), (40, 30, 15, 8, 5, 2))[0]}级",
                "guardian": random_name(rng),
                "medication": rng.choice(("规律服药", "间断服药", "未服药")),
            }
        if code == "youth":
            return {
                "youth_type": rng.choice(("闲散青少年", "不良行为青少年", "服刑人员未成年子女", "留守青少年")),
                "school_or_work": rng.choice(("辍学在家", "在读", "无固定职业", "外出务工")),
                "guardian": random_name(rng),
            }
        return {
            "issue": rng.choice(("征地补偿", "劳资纠纷", "邻里宅基地纠纷", "拆迁安置", "医疗纠纷")),
            "petition_level": rng.choice(("县级", "市级", "省级")),
            "stability_measure": "包联干部定期走访，掌握动态。",
        }

    def _housing(self) -> dict[str, int]:
        """A house per household (its owner the head, or a landlord of the grid for
        rental households), a rental with the household as tenants, and shops."""
        rng, today = self.rng, self.today
        house_id, rental_id, tenant_id, shop_id = (
            _Ids(House.__table__),
            _Ids(Rental.__table__),
            _Ids(RentalTenant.__table__),
            _Ids(Shop.__table__),
        )
        heads_by_grid: dict[int, list[int]] = {}
        for info in self.households:
            if info.household_type in ("registered", "permanent"):
                heads_by_grid.setdefault(info.grid.id, []).append(info.members[0])
        residents = {r.id: r for r in self.residents}
        houses, rentals, tenants, shops = [], [], [], []
        for info in self.households:
            hid = house_id()
            rental = info.household_type == "rental"
            landlord = rng.choice(heads_by_grid.get(info.grid.id) or [info.members[0]]) if rental else info.members[0]
            urban = info.building_id is not None
            houses.append(
                {
                    "id": hid,
                    "grid_id": info.grid.id,
                    "building_id": info.building_id,
                    "unit": info.unit,
                    "room": info.room,
                    "address_text": "" if urban else info.address,
                    "use": "rent" if rental else "own",
                    "owner_resident_id": landlord,
                    "owner_name": "",
                    "owner_phone": "",
                    "area_m2": Decimal(rng.randint(45, 140) if urban else rng.randint(80, 260)),
                    "note": "",
                    "created_at": self.now,
                }
            )
            if not rental:
                continue
            start = _birth(rng, today - timedelta(days=3 * 365), today - timedelta(days=5))
            signed = rng.random() < 0.8
            new_id = rental_id()
            rentals.append(
                {
                    "id": new_id,
                    "house_id": hid,
                    "grid_id": info.grid.id,
                    "landlord_resident_id": landlord,
                    "landlord_name": "",
                    "landlord_phone": "",
                    "start_date": start,
                    "end_date": _years(start, rng.choice((1, 1, 2, 3))) if rng.random() < 0.8 else None,
                    "agreement_signed": signed,
                    "agreement_date": min(start + timedelta(days=rng.randint(0, 20)), today) if signed else None,
                    "note": "",
                }
            )
            for member in info.members:
                tenants.append({"id": tenant_id(), "rental_id": new_id, "resident_id": member})
        credit_codes: set[str] = set()
        kinds = (
            ("catering", ("面馆", "饭店", "小吃店", "早餐店")),
            ("retail", ("超市", "便利店", "百货店", "水果店")),
            ("services", ("理发店", "洗衣店", "照相馆")),
            ("accommodation", ("宾馆", "旅社")),
            ("repair", ("手机维修", "汽修店", "五金店")),
            ("medical", ("药店", "诊所")),
            ("education", ("培训中心",)),
            ("entertainment", ("棋牌室", "网吧")),
        )
        shop_numbers: dict[str, int] = {}
        for grid in self.tree.grids:
            urban = grid.kind == "urban"
            adults = [
                r
                for r in (residents[m] for info in self._households_of(grid) for m in info.members[:2])
                if _age(r.born, today) >= 20
            ]
            for _index in range(rng.randint(4, 9) if urban else rng.randint(1, 3)):
                business, names = rng.choice(kinds)
                operator = rng.choice(adults)
                number = shop_numbers[grid.street] = shop_numbers.get(grid.street, 0) + 1
                address = f"{grid.street}{number * 2}号商铺" if urban else f"{grid.street}村{number}号商铺"
                hid = house_id()
                houses.append(
                    {
                        "id": hid,
                        "grid_id": grid.id,
                        "building_id": None,
                        "unit": "",
                        "room": "",
                        "address_text": address,
                        "use": "shop",
                        "owner_resident_id": operator.id,
                        "owner_name": "",
                        "owner_phone": "",
                        "area_m2": Decimal(rng.randint(20, 200)),
                        "note": "",
                        "created_at": self.now,
                    }
                )
                shops.append(
                    {
                        "id": shop_id(),
                        "grid_id": grid.id,
                        "house_id": hid,
                        "name": f"{operator.name[0]}记{rng.choice(names)}"
                        if rng.random() < 0.5
                        else f"{rng.choice(('鑫源', '福满', '好又多', '佳美', '家家乐', '恒通', '顺达'))}{rng.choice(names)}",  # noqa: E501
                        "licence_number": credit_code(rng, "92", credit_codes),
                        "business_type": business,
                        "operator_name": "",
                        "operator_phone": "",
                        "operator_resident_id": operator.id,
                        "address": "",
                        "frontage_duty_signed": rng.random() < 0.85,
                        "frontage_duty_note": "",
                        "status": "open" if rng.random() < 0.95 else "closed",
                        "note": "",
                    }
                )
        self.credit_codes = credit_codes
        return {
            "houses": bulk_insert(House.__table__, houses),
            "rentals": bulk_insert(Rental.__table__, rentals),
            "rental_tenants": bulk_insert(RentalTenant.__table__, tenants),
            "shops": bulk_insert(Shop.__table__, shops),
        }

    def _households_of(self, grid: GridInfo) -> list[HouseholdInfo]:
        if not hasattr(self, "_by_grid"):
            self._by_grid: dict[int, list[HouseholdInfo]] = {}
            for info in self.households:
                self._by_grid.setdefault(info.grid.id, []).append(info)
        return self._by_grid.get(grid.id, [])

    def _organisations(self) -> dict[str, int]:
        rng = self.rng
        org_id = _Ids(Organisation.__table__)
        rows = []
        towns_done: set[str] = set()
        for grid in self.tree.grids:
            candidates = []
            if grid.town_name not in towns_done:
                towns_done.add(grid.town_name)
                candidates += [
                    ("resident_unit", f"{grid.town_name}卫生院", "12"),
                    ("resident_unit", f"{grid.town_name}中心小学", "12"),
                    ("resident_unit", f"{grid.town_name}派出所", "11"),
                    ("party_org", f"中共{grid.town_name}委员会", None),
                ]
            if grid.code.endswith("001"):
                candidates += [
                    (
                        "party_org",
                        f"中共{grid.community_name}{'委员会' if grid.kind == 'urban' else '支部委员会'}",
                        None,
                    ),
                    ("social_org", f"{grid.community_name}老年协会", "52"),
                    ("social_org", f"{grid.community_name}志愿者协会", "51"),
                ]
            for _index in range(rng.randint(0, 2)):
                word = rng.choice(("建材", "农业科技", "商贸", "物流", "食品", "建筑工程", "电子商务", "家政服务"))
                candidates.append(
                    (
                        "private_enterprise",
                        f"示范县{rng.choice(('鑫', '恒', '泰', '华', '盛', '德', '瑞', '兴'))}"
                        f"{rng.choice(('源', '达', '丰', '隆', '祥', '通', '利', '安'))}{word}有限公司",
                        "91",
                    )
                )
            for org_type, name, prefix in candidates:
                employees = rng.randint(3, 300)
                rows.append(
                    {
                        "id": org_id(),
                        "grid_id": grid.id,
                        "name": name,
                        "org_type": org_type,
                        "credit_code": credit_code(rng, prefix, self.credit_codes) if prefix else None,
                        "address": f"{grid.street}{rng.randint(1, 120)}号",
                        "contact_name": random_name(rng),
                        "contact_phone": self.people.phone(),
                        "party_organisation": ""
                        if org_type == "party_org"
                        else (f"{name}党支部" if rng.random() < 0.3 else ""),
                        "party_member_count": rng.randint(3, 60) if org_type == "party_org" else None,
                        "employee_count": None if org_type == "party_org" else employees,
                        "note": "",
                        "created_at": self.now,
                    }
                )
        return {"organisations": bulk_insert(Organisation.__table__, rows)}

    def _groups(self) -> dict[str, int]:
        """十户联防: two or three groups of about ten neighbouring households in one
        grid out of eight."""
        rng = self.rng
        group_id, member_id = _Ids(JointDefenceGroup.__table__), _Ids(JointDefenceMember.__table__)
        groups, members = [], []
        for grid in self.tree.grids[::8]:
            households = self._households_of(grid)
            start = 0
            for number in range(1, rng.randint(2, 3) + 1):
                size = rng.randint(8, 12)
                chosen = households[start : start + size]
                start += size
                if not chosen:
                    break
                new_id = group_id()
                groups.append(
                    {
                        "id": new_id,
                        "grid_id": grid.id,
                        "name": f"第{number}联防组",
                        "leader_resident_id": chosen[0].members[0],
                        "note": "",
                    }
                )
                members += [{"id": member_id(), "group_id": new_id, "household_id": h.id} for h in chosen]
        return {
            "joint_defence_groups": bulk_insert(JointDefenceGroup.__table__, groups),
            "joint_defence_members": bulk_insert(JointDefenceMember.__table__, members),
        }

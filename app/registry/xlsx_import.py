"""Excel in and out for the population register: the masked exports of residents
and households, the import template, and the import of residents with their
households from one sheet (one row per person).

An import is all or nothing. It runs the register's own services row by row
(register_resident, update_resident, create_household, add_member …) inside a
SAVEPOINT, so a preview finds every refusal the real import would meet and then
rolls back; the real import keeps the changes only when no row was refused.
People are matched by ID number and households by grid + household number, so
importing the same file again updates instead of duplicating. Blank cells never
clear what the register already holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.core.forms import RuleError
from app.core.identity import ID_TYPE_LABELS, IdType, check_document, id_check_char, normalise_text_digits
from app.core.scoping import is_visible
from app.core.timeutil import local_today
from app.core.xlsx import ImportColumn, ReadResult, read_table, template_workbook
from app.extensions import db
from app.org.models import Building, Division
from app.registry import reference, services, visit_classes
from app.registry.models import CareTag, Household, Resident

# --- Spellings -----------------------------------------------------------------------
# Stations write in Chinese whatever language the user reads the app in: every
# header and value is accepted as the app shows it now and as it reads in Chinese.

SOURCE_LOCALE = "zh_CN"


def _spellings(*texts) -> list[str]:
    shown = [str(t) for t in texts]
    with force_locale(SOURCE_LOCALE):
        source = [str(t) for t in texts]
    return list(dict.fromkeys(shown + source))


def _choices(labels: dict, extra: dict | None = None) -> dict[str, Any]:
    """{spelling: code}: each label first (offered in drop-downs), then the extras."""
    found: dict[str, Any] = {}
    for code, label in labels.items():
        for spelling in _spellings(label):
            found.setdefault(spelling, code)
    for code, texts in (extra or {}).items():
        for spelling in _spellings(*texts):
            found.setdefault(spelling, code)
    return found


RELATION_ALIASES = {
    "head": (_l("本人"), _l("户主本人")),
    "spouse": (_l("妻子"), _l("丈夫"), _l("妻"), _l("夫")),
    "child": (_l("儿子"), _l("女儿"), _l("子"), _l("女"), _l("长子"), _l("次子"), _l("长女"), _l("次女")),
    "parent": (_l("父亲"), _l("母亲"), _l("父"), _l("母")),
    "grandchild": (_l("孙子"), _l("孙女"), _l("外孙子"), _l("外孙女")),
    "sibling": (_l("哥哥"), _l("弟弟"), _l("姐姐"), _l("妹妹"), _l("兄"), _l("弟"), _l("姐"), _l("妹")),
    "other": (_l("儿媳"), _l("女婿"), _l("其他亲属"), _l("祖父母")),
}
ID_TYPE_ALIASES = {IdType.RESIDENT_ID.value: (_l("身份证"), _l("二代身份证"))}
SEX_ALIASES = {"M": (_l("男性"),), "F": (_l("女性"),)}
POPULATION_ALIASES = {"registered": (_l("户籍"),), "floating": (_l("流动"),), "overseas": (_l("境外"),)}
HOUSEHOLD_ALIASES = {"registered": (_l("户籍"),), "permanent": (_l("常住"),), "floating": (_l("流动"),),
                     "rental": (_l("出租"),)}
POLITICAL_ALIASES = {"cpc_member": (_l("党员"),), "cpc_probationary": (_l("预备党员"),),
                     "cyl_member": (_l("团员"),)}
# The county names its visit classes (app.registry.visit_classes); these spellings are
# accepted whatever the names are now, so files filled in before a rename still load.
VISIT_ALIASES = {1: (_l("一类"), _l("一类户"), "1"), 2: (_l("二类"), _l("二类户"), "2"),
                 3: (_l("三类"), _l("三类户"), "3")}

# Below the request limit (MAX_CONTENT_LENGTH, 8 MiB), so a big file is refused on the form.
IMPORT_MAX_BYTES = 6 * 1024 * 1024
HOUSEHOLD_KEYS = ("household_type", "visit_class", "building", "unit", "room", "address")
# , ， 、 ; ； / and spaces between care tag names.
TAG_SEPARATORS = re.compile(r"[,\uff0c\u3001;\uff1b/\s]+")
# 族, as in 汉 → 汉族 (built from its code point: data, not UI text).
ETHNIC_SUFFIX = chr(0x65CF)
# Which column a service's refusal (RuleError.field) belongs to.
FIELD_COLUMNS = {"resident_id": "id_number", "grid_id": "grid_code", "building_id": "building",
                 "address_text": "address"}


def import_columns() -> list[ImportColumn]:
    """The columns of the import sheet (and of its template), in template order."""
    claimed: set[str] = set()

    def column(key, header, *aliases, kind="text", choices=None, width=14, required=False):
        # A translation that happens to equal another column's name is left out.
        names = [n for n in _spellings(header, *aliases) if "".join(n.split()).lower() not in claimed]
        claimed.update("".join(n.split()).lower() for n in names)
        return ImportColumn(key, names[0], kind, required=required, aliases=tuple(names[1:]),
                            choices=choices or {}, width=width)

    return [
        column("grid_code", _l("网格编码"), _l("网格代码"), _l("网格编号"), width=18),
        column("household_number", _l("户号"), _l("户编号"), _l("住户编号"), width=10),
        column("relation", _l("与户主关系"), _l("与户主的关系"), _l("关系"), kind="choice",
               choices=_choices(reference.RELATIONS, RELATION_ALIASES), width=12),
        column("name", _l("姓名"), _l("名字"), required=True, width=10),
        column("id_type", _l("证件类型"), kind="choice", choices=_choices(ID_TYPE_LABELS, ID_TYPE_ALIASES),
               width=14),
        column("id_number", _l("证件号码"), _l("身份证号"), _l("身份证号码"), _l("公民身份号码"), _l("身份证"),
               _l("证件号"), kind="id_number", width=22),
        column("sex", _l("性别"), kind="choice", choices=_choices(reference.SEXES, SEX_ALIASES), width=6),
        column("birth_date", _l("出生日期"), _l("出生年月日"), _l("生日"), kind="date", width=12),
        column("ethnicity", _l("民族"), width=8),
        column("phone", _l("联系电话"), _l("电话"), _l("手机"), _l("手机号"), _l("手机号码"), _l("联系方式"),
               kind="phone", width=15),
        column("population_type", _l("人口类型"), _l("人员类型"), kind="choice",
               choices=_choices(reference.POPULATION_TYPES, POPULATION_ALIASES), width=10),
        column("household_type", _l("户类型"), _l("住户类型"), kind="choice",
               choices=_choices(reference.HOUSEHOLD_TYPES, HOUSEHOLD_ALIASES), width=10),
        column("visit_class", _l("户分类"), _l("走访分类"), _l("住户分类"), kind="choice",
               choices=_choices(visit_classes.names(), VISIT_ALIASES), width=8),
        column("building", _l("楼栋"), _l("楼号"), _l("楼栋号"), width=10),
        column("unit", _l("单元"), _l("单元号"), width=6),
        column("room", _l("室"), _l("房号"), _l("室号"), _l("门牌号"), width=8),
        column("address", _l("地址"), _l("农村地址"), _l("住址"), _l("家庭住址"), width=28),
        column("registered_address", _l("户籍地址"), _l("户籍地"), width=28),
        column("current_address", _l("现住地址"), _l("现住址"), _l("居住地址"), width=28),
        column("political_status", _l("政治面貌"), kind="choice",
               choices=_choices(reference.POLITICAL_STATUSES, POLITICAL_ALIASES), width=12),
        column("workplace", _l("工作单位"), _l("工作单位或学校"), _l("单位"), _l("学校"), width=20),
        column("tags", _l("关爱标签"), _l("标签"), width=16),
        column("note", _l("备注"), width=24),
    ]


# --- Template ------------------------------------------------------------------------

EXAMPLE_MARKER = _l("示例行，导入前请删除")
EXAMPLE_PREFIX = _l("示例")


def _example_id(birth: str, sequence: int) -> str:
    first17 = f"110101{birth}{sequence:03d}"
    return first17 + id_check_char(first17)


def template_bytes(grids: list[Division], tag_names: list[str]) -> bytes:
    """The import template: header, a made-up example household (marked, and refused
    if left in), and the notes on how to fill it in."""
    household = {"grid_code": grids[0].code if grids else "", "household_number": _("示例001"),
                 "household_type": str(reference.HOUSEHOLD_TYPES["permanent"]),
                 "visit_class": visit_classes.visit_class_name(3), "building": _("1号楼"), "unit": "1",
                 "room": "101", "note": str(EXAMPLE_MARKER)}
    examples = [
        {**household, "relation": str(reference.RELATIONS["head"]), "name": _("示例张三"),
         "id_type": str(ID_TYPE_LABELS[IdType.RESIDENT_ID]), "id_number": _example_id("19800101", 11),
         "ethnicity": reference.ETHNICITIES[0], "phone": "13800000000",
         "population_type": str(reference.POPULATION_TYPES["registered"]),
         "political_status": str(reference.POLITICAL_STATUSES["masses"]), "workplace": _("县一中")},
        {**household, "relation": str(reference.RELATIONS["spouse"]), "name": _("示例李四"),
         "id_number": _example_id("19820202", 22), "ethnicity": reference.ETHNICITIES[0]},
        {**household, "relation": str(reference.RELATIONS["child"]), "name": _("示例张小五"),
         "id_number": _example_id("20150303", 33), "tags": tag_names[0] if tag_names else ""},
    ]
    join = _("、")
    notes = [
        _("每行填写一人。同一户的人员填写相同的网格编码和户号，每户须有一人的“与户主关系”为“户主”。"),
        _("网格编码：15 位网格编码（见“区划与网格”页面）；在导入页面选定网格时可以不填。"),
        _("您可导入的网格：%(grids)s", grids=join.join(f"{g.code} {g.name}" for g in grids) or "—"),
        _("证件号码请按文本填写（本模板已将该列设为文本格式）。若 Excel 把身份证号显示成 1.1E+17 这样的数字，"
          "末几位已经丢失，须重新录入。"),
        _("证件类型不填时按居民身份证处理；居民身份证号码会自动带出性别和出生日期，末位 x 大小写均可。"),
        _("出生日期可写作 2024-01-05、2024/1/5、2024.1.5、2024年1月5日 或 20240105。"),
        _("与户主关系可填：%(values)s（也可写妻子、儿子、女儿、父亲、母亲等）。",
          values=join.join(str(v) for v in reference.RELATIONS.values())),
        _("人口类型可填：%(values)s；不填按户籍人口。",
          values=join.join(str(v) for v in reference.POPULATION_TYPES.values())),
        _("户类型可填：%(values)s；户分类可填：%(classes)s。",
          values=join.join(str(v) for v in reference.HOUSEHOLD_TYPES.values()),
          classes=join.join(visit_classes.names().values())),
        _("政治面貌可填：%(values)s；不填按群众。",
          values=join.join(str(v) for v in reference.POLITICAL_STATUSES.values())),
        _("民族填写全称，如“汉族”。"),
        _("城镇住户填写楼栋（与系统中的楼栋编号一致，如“1号楼”）、单元和室；农村住户填写地址。"
          "同一户的住址只需在其中一行填写。"),
        _("关爱标签可填多个，用逗号或顿号分隔。可选：%(values)s", values=join.join(tag_names) or "—"),
        _("重复导入同一文件不会重复登记：人员按证件号码匹配，住户按网格编码和户号匹配，已有的记录会被更新。"
          "空白单元格不会清除系统中已登记的信息。"),
        _("已登记在其他住户的人员不会被自动迁户，请在住户页面办理离户后再导入。"),
    ]
    return template_workbook(import_columns(), examples, notes, sheet_name=_("人员与住户"))


# --- Import --------------------------------------------------------------------------

@dataclass
class ImportScope:
    """Where an import may write. `grids` by code: the grids rows may name; `fixed`:
    the one grid every row belongs to (chosen on the page, or --grid). `user` None
    is the system (the CLI): it sees every resident."""
    grids: dict[str, Division]
    fixed: Division | None = None
    user: Any = None

    def may_see(self, resident: Resident) -> bool:
        return self.user is None or is_visible(resident, self.user)


@dataclass
class ImportProblem:
    row_number: int
    column: str
    message: str


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportReport:
    rows: int = 0
    sheet_name: str = ""
    problems: list[ImportProblem] = field(default_factory=list)
    residents: Tally = field(default_factory=Tally)
    households: Tally = field(default_factory=Tally)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return _("人员：新增 %(rc)d，更新 %(ru)d，未变 %(rn)d；住户：新立 %(hc)d，更新 %(hu)d，未变 %(hn)d。",
                 rc=self.residents.created, ru=self.residents.updated, rn=self.residents.unchanged,
                 hc=self.households.created, hu=self.households.updated, hn=self.households.unchanged)


def run_import(data: bytes, scope: ImportScope, *, dry_run: bool, max_bytes: int = IMPORT_MAX_BYTES) -> ImportReport:
    """Check (dry_run) or apply an import. Everything runs inside a SAVEPOINT that is
    rolled back on a dry run or when any row is refused; otherwise it is released and
    the caller commits. A file that cannot be read at all raises RuleError."""
    columns = import_columns()
    table = read_table(data, columns, max_bytes=max_bytes)
    savepoint = db.session.begin_nested()
    try:
        report = _Import(table, columns, scope).run()
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run or not report.ok:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


@dataclass
class _Row:
    number: int
    values: dict
    grid: Division
    id_key: str | None
    tag_ids: list[int] | None      # None: nothing written in the cell
    relation: str | None


class _Import:
    def __init__(self, table: ReadResult, columns: list[ImportColumn], scope: ImportScope):
        self.table, self.scope = table, scope
        self.headers = {c.key: table.columns.get(c.key, c.header) for c in columns}
        self.report = ImportReport(rows=len(table.rows), sheet_name=table.sheet_name)
        self.flagged: set[tuple[int, str | None]] = set()
        self.tags = {t.name: t.id for t in db.session.scalars(select(CareTag).where(CareTag.is_active))}
        self.today = local_today()
        self.example_notes = set(_spellings(EXAMPLE_MARKER))
        self.example_names = tuple(_spellings(EXAMPLE_PREFIX))
        self.members_added = 0

    def problem(self, row_number: int, key: str | None, message) -> None:
        """One message per cell: a cell already found unreadable is not refused twice."""
        if key is not None:
            if (row_number, key) in self.flagged:
                return
            self.flagged.add((row_number, key))
        self.report.problems.append(ImportProblem(row_number, self.headers.get(key, "") if key else "",
                                                  str(message)))

    def run(self) -> ImportReport:
        for problem in self.table.problems:
            self.problem(problem.row_number, problem.key, problem.message)
        seen_ids: dict[str, int] = {}
        groups: dict[tuple, list[_Row]] = {}
        for data in self.table.rows:
            row = self._prepare(data.row_number, data.values, seen_ids)
            if row is None:
                continue
            number = row.values.get("household_number")
            key = (row.grid.id, number) if number else ("single", row.number)
            groups.setdefault(key, []).append(row)
        self.known = self._residents_by_number(list(seen_ids))
        for rows in groups.values():
            if rows[0].values.get("household_number"):
                self._household(rows)
            else:
                self._resident_row(rows[0], None, head_failed=False)
        self.report.problems.sort(key=lambda p: p.row_number)
        return self.report

    @staticmethod
    def _residents_by_number(numbers: list[str]) -> dict[str, Resident]:
        """The people of the file already in the register, in one query per 500 numbers."""
        found = {}
        for start in range(0, len(numbers), 500):
            found.update((r.id_number, r) for r in db.session.scalars(
                select(Resident).where(Resident.id_number.in_(numbers[start:start + 500]))))
        return found

    # --- rows, before any service runs

    def _prepare(self, number: int, values: dict, seen_ids: dict[str, int]) -> _Row | None:
        if values.get("note") in self.example_notes or str(values.get("name") or "").startswith(self.example_names):
            self.problem(number, "name", _("这是模板中的示例行，请删除后再导入。"))
            return None
        grid = self._grid(number, values)
        if grid is None:
            return None
        id_key = None
        if values.get("id_number"):
            id_key = check_document(values.get("id_type") or IdType.RESIDENT_ID.value, values["id_number"]).number
            if id_key in seen_ids:
                self.problem(number, "id_number", _("与第 %(row)d 行是同一人（证件号码相同），请只保留一行。",
                                                    row=seen_ids[id_key]))
                return None
            seen_ids[id_key] = number
        ethnicity = values.get("ethnicity")
        if ethnicity and ethnicity not in reference.ETHNICITIES and ethnicity + ETHNIC_SUFFIX in reference.ETHNICITIES:
            values["ethnicity"] = ethnicity + ETHNIC_SUFFIX
        relation = values.get("relation")
        if relation and not values.get("household_number"):
            self.problem(number, "relation", _("填写了与户主关系，但没有填写户号。"))
        return _Row(number, values, grid, id_key, self._tag_ids(number, values.get("tags")), relation)

    def _grid(self, number: int, values: dict) -> Division | None:
        code = normalise_text_digits(values.get("grid_code"))
        fixed = self.scope.fixed
        if fixed is not None:
            if code and code != fixed.code:
                self.problem(number, "grid_code", _("网格编码 %(code)s 与所选网格（%(chosen)s %(name)s）不一致。",
                                                    code=code, chosen=fixed.code, name=fixed.name))
                return None
            return fixed
        if not code:
            self.problem(number, "grid_code", _("请填写网格编码，或在导入页面选定一个网格。"))
            return None
        grid = self.scope.grids.get(code)
        if grid is None:
            self.problem(number, "grid_code", _("没有网格编码为 %(code)s 的在用网格，或该网格不在您的管辖范围内。",
                                                code=code))
        return grid

    def _tag_ids(self, number: int, text: str | None) -> list[int] | None:
        names = [n for n in TAG_SEPARATORS.split(text or "") if n]
        if not names:
            return None
        unknown = [n for n in names if n not in self.tags]
        if unknown:
            self.problem(number, "tags", _("没有这些关爱标签：%(names)s。可选：%(choices)s。",
                                           names=_("、").join(unknown), choices=_("、").join(sorted(self.tags))))
        return [self.tags[n] for n in dict.fromkeys(names) if n in self.tags]

    # --- one household and its people

    def _household(self, rows: list[_Row]) -> None:
        if len(rows) == 1 and rows[0].relation is None:
            rows[0].relation = "head"  # a household of one: its only member heads it
        heads = [r for r in rows if r.relation == "head"]
        for row in rows:
            if row.relation is None:
                self.problem(row.number, "relation", _("请填写与户主关系。"))
        for extra in heads[1:]:
            self.problem(extra.number, "relation", _("同一户有两个户主，另见第 %(row)d 行。", row=heads[0].number))
            extra.relation = None
        ordered = heads[:1] + [r for r in rows if not heads or r is not heads[0]]
        household, outcome = self._find_or_create_household(ordered)
        joined_before = self.members_added
        # Without a head row a new household refuses its members (the service says why).
        head_failed = False
        for row in ordered:
            ok = self._resident_row(row, household, head_failed=head_failed)
            if row.relation == "head" and not ok:
                head_failed = True
        if outcome == "unchanged" and self.members_added > joined_before:
            outcome = "updated"  # the household gained members
        if outcome:
            self.report.households.add(outcome)

    def _household_values(self, rows: list[_Row]) -> tuple[dict, dict]:
        """The household's cells, from the first row that fills each one; another row
        of the same household saying something else is a problem at that row."""
        values, sources = {}, {}
        for row in rows:
            for key in HOUSEHOLD_KEYS:
                value = row.values.get(key)
                if value in (None, ""):
                    continue
                if key not in values:
                    values[key], sources[key] = value, row.number
                elif values[key] != value:
                    self.problem(row.number, key, _("同一户的“%(column)s”与第 %(row)d 行不一致。",
                                                    column=self.headers[key], row=sources[key]))
        return values, sources

    def _find_or_create_household(self, rows: list[_Row]) -> tuple[Household | None, str | None]:
        """The household and whether it was created, updated or left unchanged; None
        when it could not be made (its people are then checked but not put into it)."""
        grid, number = rows[0].grid, rows[0].values["household_number"]
        given, sources = self._household_values(rows)
        first = rows[0].number
        building_id = None
        if given.get("building"):
            building_id = db.session.scalar(select(Building.id).where(
                Building.grid_id == grid.id, or_(Building.number == given["building"],
                                                 Building.name == given["building"])))
            if building_id is None:
                self.problem(sources["building"], "building",
                             _("本网格没有楼栋“%(name)s”，请先在网格页面添加楼栋，或改填地址。", name=given["building"]))
                return None, None
        existing = db.session.scalar(select(Household).where(Household.grid_id == grid.id,
                                                             Household.household_number == number))
        base = existing or SimpleNamespace(household_type="permanent", visit_class=3, building_id=None,
                                           unit="", room="", address_text="", note="")
        values = services.HouseholdValues(
            household_number=number, household_type=given.get("household_type") or base.household_type,
            visit_class=given.get("visit_class") or base.visit_class,
            building_id=building_id or (base.building_id if "address" not in given else None),
            unit=given.get("unit") or base.unit, room=given.get("room") or base.room,
            address_text=given.get("address") or base.address_text, note=base.note)
        savepoint = db.session.begin_nested()
        try:
            if existing is None:
                household = services.create_household(values, grid, user=self.scope.user)
                outcome = "created"
            else:
                household = existing
                before = _household_fields(existing)
                if before != (values.household_type, values.visit_class, values.building_id, values.unit,
                              values.room, values.address_text):
                    services.update_household(existing, values, user=self.scope.user)
                outcome = "updated" if _household_fields(existing) != before else "unchanged"
        except RuleError as error:
            savepoint.rollback()
            key = FIELD_COLUMNS.get(error.field, error.field)
            self.problem(sources.get(key, first), key if key in self.headers else None, error)
            return None, None
        savepoint.commit()
        return household, outcome

    def _resident_row(self, row: _Row, household: Household | None, *, head_failed: bool) -> bool:
        savepoint = db.session.begin_nested()
        try:
            outcome = self._resident(row, household, head_failed=head_failed)
        except RuleError as error:
            savepoint.rollback()
            key = FIELD_COLUMNS.get(error.field, error.field)
            self.problem(row.number, key if key in self.headers else None, error)
            return False
        savepoint.commit()
        self.report.residents.add(outcome)
        return True

    def _resident(self, row: _Row, household: Household | None, *, head_failed: bool) -> str:
        existing = self._find_resident(row, household)
        if existing is not None and not self.scope.may_see(existing):
            existing = None  # registering it again meets the service's refusal, which names only the station
        if existing is None:
            resident = services.register_resident(self._new_values(row), row.grid, user=self.scope.user)
            outcome = "created"
        else:
            resident = existing
            if resident.status != "active":
                raise services.RegistryError(_("该人员已不在册（%(status)s），请在人员页面处理。",
                                               status=resident.status_label), "id_number")
            if household is None and resident.grid_id != row.grid.id:
                raise services.RegistryError(_("此人已登记在 %(grid)s，与本行网格不一致；迁往其他网格请在住户页面办理。",
                                               grid=resident.grid.name), "grid_id")
            changed = services.update_resident(resident, self._merged_values(row, resident), user=self.scope.user)
            outcome = "updated" if changed else "unchanged"
        if household is None or row.relation is None:
            return outcome
        if row.relation != "head" and head_failed and household.head_id is None:
            return outcome  # the head's row is refused already; joining would only repeat it
        current = resident.current_membership if outcome != "created" else None
        if current is not None and current.household_id == household.id:
            if current.relation != row.relation:
                raise services.RegistryError(
                    _("此人在本户登记的与户主关系是“%(old)s”，与表中的“%(new)s”不同；请在住户页面变更户主或修改。",
                      old=current.relation_label, new=reference.label(reference.RELATIONS, row.relation)),
                    "relation")
            return outcome
        services.add_member(household, resident, row.relation, self.today, user=self.scope.user)
        self.members_added += 1
        return "updated" if outcome == "unchanged" else outcome

    def _find_resident(self, row: _Row, household: Household | None) -> Resident | None:
        if row.id_key:
            return self.known.get(row.id_key)
        name = row.values.get("name")
        if household is None or not name:
            return None
        # Without a number, someone already in this household under the same name.
        for membership in household.current_members:
            if membership.resident.name == name and not membership.resident.id_number:
                return membership.resident
        return None

    @staticmethod
    def _text(values: dict, key: str, default: str = "") -> str:
        value = values.get(key)
        return default if value in (None, "") else str(value)

    def _new_values(self, row: _Row) -> services.ResidentValues:
        v = row.values
        return services.ResidentValues(
            name=self._text(v, "name"), id_type=v.get("id_type") or IdType.RESIDENT_ID.value,
            id_number=self._text(v, "id_number"), sex=v.get("sex"), birth_date=v.get("birth_date"),
            ethnicity=v.get("ethnicity") or reference.ETHNICITIES[0], phone=self._text(v, "phone"),
            population_type=v.get("population_type") or "registered",
            registered_address=self._text(v, "registered_address"),
            current_address=self._text(v, "current_address"),
            political_status=v.get("political_status") or "masses", workplace=self._text(v, "workplace"),
            note=self._text(v, "note"), tag_ids=row.tag_ids or [])

    def _merged_values(self, row: _Row, resident: Resident) -> services.ResidentValues:
        """What the register holds, with every cell the row fills in replacing it."""
        v = row.values

        def given(key, current):
            value = v.get(key)
            return current if value in (None, "") else value

        return services.ResidentValues(
            name=given("name", resident.name), id_type=given("id_type", resident.id_type),
            id_number=given("id_number", resident.id_number or ""), sex=given("sex", resident.sex),
            birth_date=given("birth_date", resident.birth_date), ethnicity=given("ethnicity", resident.ethnicity),
            phone=given("phone", resident.phone), population_type=given("population_type", resident.population_type),
            registered_address=given("registered_address", resident.registered_address),
            current_address=given("current_address", resident.current_address),
            political_status=given("political_status", resident.political_status),
            workplace=given("workplace", resident.workplace), note=given("note", resident.note),
            tag_ids=row.tag_ids if row.tag_ids is not None else [t.id for t in resident.tags])


def _household_fields(household: Household) -> tuple:
    return (household.household_type, household.visit_class, household.building_id, household.unit,
            household.room, household.address_text)

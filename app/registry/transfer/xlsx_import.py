"""Excel in and out for the population register: the masked exports of residents
and households, the import template, and the import of residents with their
households from one sheet (one row per person).

An import is all or nothing. Every row is checked against the register's rules
without writing (app.registry.transfer.import_rows: plain Python and a few set-based
queries), so a preview finds every refusal the real import would meet; the real
import writes only when no row was refused, in bulk (app.registry.transfer.import_write).
People are matched by ID number and households by grid + household number, so
importing the same file again updates instead of duplicating. Blank cells never
clear what the register already holds.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.identity import ID_TYPE_LABELS, IdType, id_check_char
from app.core.xlsx import ImportColumn, read_table, template_workbook
from app.extensions import db
from app.org.models import Division
from app.registry.people import reference
from app.registry.settings import visit_classes
from app.registry.transfer.import_plan import (  # noqa: F401 (public names)
    ImportProblem,
    ImportReport,
    ImportScope,
    Plan,
    Tally,
)
from app.registry.transfer.import_rows import RowCheck
from app.registry.transfer.import_write import PreparedPlan, prepare_plan, write_prepared

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
POPULATION_ALIASES = {
    "registered": (_l("户籍"),),
    "permanent": (_l("常住"),),
    "floating": (_l("流动"),),
    "overseas": (_l("境外"),),
}
HOUSEHOLD_ALIASES = {
    "registered": (_l("户籍"),),
    "permanent": (_l("常住"),),
    "floating": (_l("流动"),),
    "rental": (_l("出租"),),
}
POLITICAL_ALIASES = {"cpc_member": (_l("党员"),), "cpc_probationary": (_l("预备党员"),), "cyl_member": (_l("团员"),)}
# The county names its visit classes (app.registry.settings.visit_classes); these spellings are
# accepted whatever the names are now, so files filled in before a rename still load.
VISIT_ALIASES = {
    1: (_l("一类"), _l("一类户"), "1"),
    2: (_l("二类"), _l("二类户"), "2"),
    3: (_l("三类"), _l("三类户"), "3"),
}

# Below the request limit (MAX_CONTENT_LENGTH, 8 MiB), so a big file is refused on the form.
IMPORT_MAX_BYTES = 6 * 1024 * 1024


def import_columns() -> list[ImportColumn]:
    """The columns of the import sheet (and of its template), in template order."""
    claimed: set[str] = set()

    def column(key, header, *aliases, kind="text", choices=None, width=14, required=False):
        # A translation that happens to equal another column's name is left out.
        names = [n for n in _spellings(header, *aliases) if "".join(n.split()).lower() not in claimed]
        claimed.update("".join(n.split()).lower() for n in names)
        return ImportColumn(
            key, names[0], kind, required=required, aliases=tuple(names[1:]), choices=choices or {}, width=width
        )

    return [
        column("grid_code", _l("网格编码"), _l("网格代码"), _l("网格编号"), width=18),
        column("household_number", _l("户号"), _l("户编号"), _l("住户编号"), width=10),
        column(
            "relation",
            _l("与户主关系"),
            _l("与户主的关系"),
            _l("关系"),
            kind="choice",
            choices=_choices(reference.RELATIONS, RELATION_ALIASES),
            width=12,
        ),
        column("name", _l("姓名"), _l("名字"), required=True, width=10),
        column("id_type", _l("证件类型"), kind="choice", choices=_choices(ID_TYPE_LABELS, ID_TYPE_ALIASES), width=14),
        column(
            "id_number",
            _l("证件号码"),
            _l("身份证号"),
            _l("身份证号码"),
            _l("公民身份号码"),
            _l("身份证"),
            _l("证件号"),
            kind="id_number",
            width=22,
        ),
        column("sex", _l("性别"), kind="choice", choices=_choices(reference.SEXES, SEX_ALIASES), width=6),
        column("birth_date", _l("出生日期"), _l("出生年月日"), _l("生日"), kind="date", width=12),
        column("ethnicity", _l("民族"), width=8),
        column(
            "phone",
            _l("联系电话"),
            _l("电话"),
            _l("手机"),
            _l("手机号"),
            _l("手机号码"),
            _l("联系方式"),
            kind="phone",
            width=15,
        ),
        column(
            "population_type",
            _l("人口类型"),
            _l("人员类型"),
            kind="choice",
            choices=_choices(reference.POPULATION_TYPES, POPULATION_ALIASES),
            width=10,
        ),
        column(
            "household_type",
            _l("户类型"),
            _l("住户类型"),
            kind="choice",
            choices=_choices(reference.HOUSEHOLD_TYPES, HOUSEHOLD_ALIASES),
            width=10,
        ),
        column(
            "visit_class",
            _l("户分类"),
            _l("走访分类"),
            _l("住户分类"),
            kind="choice",
            choices=_choices(visit_classes.names(), VISIT_ALIASES),
            width=8,
        ),
        column("building", _l("楼栋"), _l("楼号"), _l("楼栋号"), width=10),
        column("unit", _l("单元"), _l("单元号"), width=6),
        column("room", _l("室"), _l("房号"), _l("室号"), _l("门牌号"), width=8),
        column("address", _l("地址"), _l("农村地址"), _l("住址"), _l("家庭住址"), width=28),
        column("registered_address", _l("户籍地址"), _l("户籍地"), width=28),
        column("current_address", _l("现住地址"), _l("现住址"), _l("居住地址"), width=28),
        column(
            "political_status",
            _l("政治面貌"),
            kind="choice",
            choices=_choices(reference.POLITICAL_STATUSES, POLITICAL_ALIASES),
            width=12,
        ),
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
    household = {
        "grid_code": grids[0].code if grids else "",
        "household_number": _("示例001"),
        "household_type": str(reference.HOUSEHOLD_TYPES["permanent"]),
        "visit_class": visit_classes.visit_class_name(3),
        "building": _("1号楼"),
        "unit": "1",
        "room": "101",
        "note": str(EXAMPLE_MARKER),
    }
    examples = [
        {
            **household,
            "relation": str(reference.RELATIONS["head"]),
            "name": _("示例张三"),
            "id_type": str(ID_TYPE_LABELS[IdType.RESIDENT_ID]),
            "id_number": _example_id("19800101", 11),
            "ethnicity": reference.ETHNICITIES[0],
            "phone": "13800000000",
            "population_type": str(reference.POPULATION_TYPES["registered"]),
            "political_status": str(reference.POLITICAL_STATUSES["masses"]),
            "workplace": _("县一中"),
        },
        {
            **household,
            "relation": str(reference.RELATIONS["spouse"]),
            "name": _("示例李四"),
            "id_number": _example_id("19820202", 22),
            "ethnicity": reference.ETHNICITIES[0],
        },
        {
            **household,
            "relation": str(reference.RELATIONS["child"]),
            "name": _("示例张小五"),
            "id_number": _example_id("20150303", 33),
            "tags": tag_names[0] if tag_names else "",
        },
    ]
    join = _("、")
    notes = [
        _("每行填写一人。同一户的人员填写相同的网格编码和户号，每户须有一人的“与户主关系”为“户主”。"),
        _("网格编码：15 位网格编码（见“区划与网格”页面）；在导入页面选定网格时可以不填。"),
        _("您可导入的网格：%(grids)s", grids=join.join(f"{g.code} {g.name}" for g in grids) or "—"),
        _(
            "证件号码请按文本填写（本模板已将该列设为文本格式）。若 Excel 把身份证号显示成 1.1E+17 这样的数字，"
            "末几位已经丢失，须重新录入。"
        ),
        _("证件类型不填时按居民身份证处理；居民身份证号码会自动带出性别和出生日期，末位 x 大小写均可。"),
        _("出生日期可写作 2024-01-05、2024/1/5、2024.1.5、2024年1月5日 或 20240105。"),
        _(
            "与户主关系可填：%(values)s（也可写妻子、儿子、女儿、父亲、母亲等）。",
            values=join.join(str(v) for v in reference.RELATIONS.values()),
        ),
        _(
            "人口类型可填：%(values)s；不填按户籍人口。",
            values=join.join(str(v) for v in reference.POPULATION_TYPES.values()),
        ),
        _(
            "户类型可填：%(values)s；户分类可填：%(classes)s。",
            values=join.join(str(v) for v in reference.HOUSEHOLD_TYPES.values()),
            classes=join.join(visit_classes.names().values()),
        ),
        _(
            "政治面貌可填：%(values)s；不填按群众。",
            values=join.join(str(v) for v in reference.POLITICAL_STATUSES.values()),
        ),
        _("民族填写全称，如“汉族”。"),
        _(
            "城镇住户填写楼栋（与系统中的楼栋编号一致，如“1号楼”）、单元和室；农村住户填写地址。"
            "同一户的住址只需在其中一行填写。"
        ),
        _("关爱标签可填多个，用逗号或顿号分隔。可选：%(values)s", values=join.join(tag_names) or "—"),
        _(
            "重复导入同一文件不会重复登记：人员按证件号码匹配，住户按网格编码和户号匹配，已有的记录会被更新。"
            "空白单元格不会清除系统中已登记的信息。"
        ),
        _("已登记在其他住户的人员不会被自动迁户，请在住户页面办理离户后再导入。"),
    ]
    return template_workbook(import_columns(), examples, notes, sheet_name=_("人员与住户"))


# --- Import --------------------------------------------------------------------------


def run_import(data: bytes, scope: ImportScope, *, dry_run: bool, max_bytes: int = IMPORT_MAX_BYTES) -> ImportReport:
    """Check (dry_run) or apply an import. The check writes nothing; when it finds no
    problem and this is not a dry run, the plan is written inside a SAVEPOINT (rolled
    back if writing fails) and the caller commits. A file that cannot be read at all
    raises RuleError."""
    report, plan = check_import(data, scope, record=not dry_run, max_bytes=max_bytes)
    if dry_run or not report.ok:
        return report
    apply_plan(prepare_plan(plan))
    return report


def check_import(
    data: bytes, scope: ImportScope, *, record: bool, max_bytes: int = IMPORT_MAX_BYTES
) -> tuple[ImportReport, Plan]:
    """Every row through the register's rules, against the register as it is: the
    report, and the plan of what to write (with the events to record when `record`).
    Reads only, so it may run outside any write transaction."""
    columns = import_columns()
    table = read_table(data, columns, max_bytes=max_bytes)
    headers = {c.key: table.columns.get(c.key, c.header) for c in columns}
    visit_levels = set(next(c for c in columns if c.key == "visit_class").choices.values())
    return RowCheck(
        table,
        headers,
        scope,
        record=record,
        example_notes=set(_spellings(EXAMPLE_MARKER)),
        example_names=tuple(_spellings(EXAMPLE_PREFIX)),
        visit_levels=visit_levels,
    ).run()


def apply_plan(prepared: PreparedPlan) -> None:
    """Write a checked plan, prepared (prepare_plan) before the write transaction
    began where others wait for it, inside a SAVEPOINT (rolled back if writing fails);
    the caller commits."""
    savepoint = db.session.begin_nested()
    try:
        write_prepared(prepared)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


def register_state() -> tuple:
    """Something that changes whenever a resident, a household or a membership is
    added or changed: compared before and after an import's check, to know whether its
    plan still describes the register."""
    from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident

    state: list = []
    for model in (Resident, Household):
        state.extend(db.session.execute(select(func.max(model.id), func.max(model.updated_at))).one())
    # Joining and leaving a household: new rows, and an event each (动态信息).
    state.append(db.session.scalar(select(func.max(HouseholdMember.id))))
    state.append(db.session.scalar(select(func.max(PopulationEvent.id))))
    return tuple(state)

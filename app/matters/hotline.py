"""12345 hotline work orders: importing them from the hotline's xlsx into the matters
loop, and the 回单 (results sent back) as xlsx in the hotline's columns.

Import. Columns 工单编号, 来电时间, 诉求内容, 地址, 办结时限, 类别, 紧急程度, 网格编码
(plus optional 来电人, 联系电话); headers in any order, a title row above them is
skipped (app.core.xlsx). A work order must land in a grid: the row's 网格编码 (the
15-digit code, or the grid's name when no other grid in the user's scope shares it),
or else the grid chosen on the upload page; a row naming another grid than the one
chosen is refused, as in the resident import. 类别 maps to the six classes (a few
hotline spellings accepted); 紧急程度 一般/紧急/重大 (blank: 一般). 来电时间 becomes the
matter's reported time (its number and its verification clock start there);
办结时限, a date (the end of that day) or a date and time, is kept on the matter
(hotline_due_at) and, when it falls before the verification deadline, that deadline
moves up to it. The importing user is the matter's first receiver (首问).

Work orders are de-duplicated by 工单编号 (Matter.hotline_number, unique in the
county): a number already imported is skipped and counted, so importing the same file
again creates nothing; the same number twice in one file is a problem. Checking
writes nothing and lists every problem by row and column; applying happens only when
no row has a problem, all rows in one SAVEPOINT (the caller commits).

Dates: Excel date cells, serial numbers (1900 date system), and text such as
2026-11-20 09:30, 2026/11/20 9:30, 2026.11.20, 2026年11月20日 9时30分, 20261120 or
202611200930, read as Beijing time (app.matters.hotline_sheet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.identity import check_phone
from app.core.timeutil import local_to_utc, utcnow
from app.core.xlsx import read_table
from app.extensions import db
from app.matters import reference, reporting, workdays
from app.matters.hotline_sheet import (
    EXAMPLE_PREFIX,
    BadMoment,
    fold,
    import_columns,
    parse_moment,
    spellings,
)
from app.matters.models import Matter
from app.org.models import Division
from app.org.services import grid_label

IMPORT_MAX_BYTES = 6 * 1024 * 1024  # below the request limit (MAX_CONTENT_LENGTH)
CHUNK = 500
# A call "in the future" by more than this is a typing error, not a clock difference.
CLOCK_TOLERANCE = timedelta(minutes=10)
MAX_NUMBER = 40  # Matter.hotline_number
MAX_ADDRESS = 200  # Matter.address
MAX_NAME = 32  # Matter.reporter_name / reporter_phone
MAX_DESCRIPTION = 2000


# --- Checking ------------------------------------------------------------------------


@dataclass
class HotlineScope:
    """Where an import may put work orders: the user's grids, and the one grid chosen
    on the page (rows without a grid go there)."""

    grids: list[Division]
    fixed: Division | None = None
    user: object = None


@dataclass
class HotlineProblem:
    row_number: int
    column: str
    message: str


@dataclass
class WorkOrder:
    """One checked row, ready to become a matter."""

    row_number: int
    hotline_number: str
    called_at: datetime  # naive UTC
    description: str
    class_code: str
    urgency: str
    grid: Division
    address: str = ""
    due_at: datetime | None = None  # naive UTC
    caller_name: str = ""
    caller_phone: str = ""
    matter_number: str = ""  # once created

    @property
    def class_label(self) -> str:
        return reference.label(reference.CLASSES, self.class_code)

    @property
    def grid_label(self) -> str:
        return grid_label(self.grid)


@dataclass
class Skipped:
    row_number: int
    hotline_number: str


@dataclass
class HotlineReport:
    sheet_name: str = ""
    rows: int = 0
    orders: list[WorkOrder] = field(default_factory=list)  # to create (or created)
    skipped: list[Skipped] = field(default_factory=list)  # imported before
    problems: list[HotlineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return _(
            "新建 %(created)d 件，跳过已导入的 %(skipped)d 件。", created=len(self.orders), skipped=len(self.skipped)
        )


def _compact(text: str) -> str:
    return re.sub(r"[\s\u00b7\u30fb.]+", "", fold(text))


class _GridFinder:
    """A row's grid: by 15-digit code, or by a name only one of the user's grids has
    (东关一网格, or 东关社区 东关一网格)."""

    def __init__(self, scope: HotlineScope):
        self.scope = scope
        self.by_code = {g.code: g for g in scope.grids}
        self.by_name: dict[str, list[Division]] = {}
        for grid in scope.grids:
            names = {_compact(grid.name)} | ({_compact(grid.parent.name + grid.name)} if grid.parent else set())
            for name in names:
                self.by_name.setdefault(name, []).append(grid)

    def find(self, value: str | None) -> Division:
        """The grid; ValueError with the person's message when there is none."""
        fixed = self.scope.fixed
        if not value:
            if fixed is None:
                raise ValueError(_("请填写网格编码，或在导入页面选定网格。"))
            return fixed
        text = _compact(value)
        if text.isdigit():
            grid = self.by_code.get(text)
            if grid is None:
                raise ValueError(_("网格编码 %(code)s 不存在或不在您的管辖范围内。", code=text))
        else:
            found = self.by_name.get(text, [])
            if len(found) > 1:
                raise ValueError(_("有 %(n)d 个网格叫“%(name)s”，请填写网格编码。", n=len(found), name=value))
            if not found:
                raise ValueError(_("找不到网格“%(name)s”（须在您的管辖范围内）。", name=value))
            grid = found[0]
        if fixed is not None and grid.id != fixed.id:
            raise ValueError(_("与导入页面选定的网格（%(grid)s）不一致。", grid=fixed.name))
        return grid


class _RowReader:
    def __init__(self, headers: dict[str, str], report: HotlineReport, now: datetime):
        self.headers, self.report, self.now = headers, report, now

    def problem(self, row_number: int, key: str, message: str) -> None:
        self.report.problems.append(HotlineProblem(row_number, self.headers[key], message))

    def text(self, row, key: str, limit: int) -> str:
        value = (row.values.get(key) or "").strip()
        if len(value) > limit:
            self.problem(row.row_number, key, _("不能超过 %(n)d 个字。", n=limit))
        return value[:limit]

    def moment(self, row, key: str) -> tuple[datetime, bool] | None:
        value = row.values.get(key)
        if not value:
            return None
        try:
            return parse_moment(value)
        except BadMoment:
            self.problem(row.row_number, key, _("日期时间无法识别：%(value)s（可写作 2026-11-20 09:30）", value=value))
            return None


def check(
    data: bytes, scope: HotlineScope, *, now: datetime | None = None, max_bytes: int = IMPORT_MAX_BYTES
) -> HotlineReport:
    """Read and check a hotline file; writes nothing. A file that cannot be read at
    all raises RuleError (from read_table)."""
    now = now or utcnow()
    columns = import_columns()
    table = read_table(data, columns, max_bytes=max_bytes)
    headers = {c.key: table.columns.get(c.key, c.header) for c in columns}
    report = HotlineReport(sheet_name=table.sheet_name, rows=len(table.rows))
    report.problems.extend(HotlineProblem(p.row_number, p.column, p.message) for p in table.problems)
    unreadable_rows = {p.row_number for p in table.problems}
    examples = tuple(spellings(EXAMPLE_PREFIX))
    reader, grids = _RowReader(headers, report, now), _GridFinder(scope)
    first_row: dict[str, int] = {}
    candidates: list[WorkOrder] = []
    for row in table.rows:
        before = len(report.problems)
        number = re.sub(r"\s+", "", reader.text(row, "hotline_number", MAX_NUMBER))
        if number.startswith(examples):
            reader.problem(row.row_number, "hotline_number", _("这是模板的示例行，请删除后再导入。"))
        elif number and number in first_row:
            reader.problem(row.row_number, "hotline_number", _("工单编号与第 %(row)d 行重复。", row=first_row[number]))
        elif number:
            first_row[number] = row.row_number
        description = reader.text(row, "description", MAX_DESCRIPTION)
        address = reader.text(row, "address", MAX_ADDRESS)
        caller_name = reader.text(row, "caller_name", MAX_NAME)
        caller_phone = reader.text(row, "caller_phone", MAX_NAME)
        phone = check_phone(caller_phone) if caller_phone else None
        if phone is not None and phone.error is None:
            caller_phone = phone.number  # kept as written when it is not a valid number (masked ones are)
        called = reader.moment(row, "called_at")
        called_at = local_to_utc(called[0]) if called else None
        if called_at is not None and called_at > now + CLOCK_TOLERANCE:
            reader.problem(row.row_number, "called_at", _("来电时间晚于当前时间。"))
        due = reader.moment(row, "due")
        due_at = None
        if due is not None:
            moment, has_time = due
            due_at = local_to_utc(moment) if has_time else workdays.end_of_day_utc(moment.date())
            if called_at is not None and due_at <= called_at:
                reader.problem(row.row_number, "due", _("办结时限早于来电时间。"))
        grid = None
        try:
            grid = grids.find(row.values.get("grid"))
        except ValueError as error:
            reader.problem(row.row_number, "grid", str(error))
        if len(report.problems) > before or row.row_number in unreadable_rows:
            continue
        candidates.append(
            WorkOrder(
                row.row_number,
                number,
                called_at,
                description,
                row.values["class_code"],
                row.values.get("urgency") or "normal",
                grid,
                address,
                due_at,
                caller_name,
                caller_phone,
            )
        )
    report.problems.sort(key=lambda p: p.row_number)
    imported = _imported_numbers([order.hotline_number for order in candidates])
    for order in candidates:
        if order.hotline_number in imported:
            report.skipped.append(Skipped(order.row_number, order.hotline_number))
        else:
            report.orders.append(order)
    return report


def _imported_numbers(numbers: list[str]) -> set[str]:
    """The work-order numbers already in the county (any scope: the number is unique)."""
    found: set[str] = set()
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        found.update(db.session.scalars(select(Matter.hotline_number).where(Matter.hotline_number.in_(chunk))))
    return found


# --- Applying ------------------------------------------------------------------------


def create_matter(order: WorkOrder, user) -> Matter:
    """One work order as a matter reported at its call time."""
    matter = reporting.report(
        reporting.MatterValues(
            class_code=order.class_code,
            description=order.description,
            grid=order.grid,
            source="hotline",
            address=order.address,
            urgency=order.urgency,
            reporter_name=order.caller_name,
            reporter_phone=order.caller_phone,
            hotline_number=order.hotline_number,
        ),
        reporter=user,
        now=order.called_at,
    )
    matter.hotline_due_at = order.due_at
    if order.due_at is not None and matter.due_at is not None and order.due_at < matter.due_at:
        # The hotline wants it sooner than the loop's verification limit: its limit wins.
        matter.due_at = matter.verify_due_at = order.due_at
    return matter


def run_import(
    data: bytes, scope: HotlineScope, *, dry_run: bool, now: datetime | None = None, max_bytes: int = IMPORT_MAX_BYTES
) -> HotlineReport:
    """Check (dry_run), or check and apply when no row has a problem: every work order
    in one SAVEPOINT, rolled back if any fails. The caller commits."""
    report = check(data, scope, now=now, max_bytes=max_bytes)
    if dry_run or not report.ok:
        return report
    savepoint = db.session.begin_nested()
    try:
        for order in report.orders:
            order.matter_number = create_matter(order, scope.user).number
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return report

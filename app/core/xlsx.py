"""Excel in and out for every register.

Writing streams rows (openpyxl write-only mode), so a 200,000-row export stays in
constant memory. Text that Excel/WPS would run as a formula gets a leading `'`, and
text cells carry the `@` (text) format so ID and phone numbers never become 1.1E+17.

Reading takes what village stations really send: a title row above the header,
headers in any order and spelling, blank rows, full-width digits, IDs that Excel
already turned into numbers, dates as serials or text. Each cell problem becomes a
`Problem` for that row; only a file that cannot be read at all is refused (RuleError).
The ZIP directory is checked before openpyxl parses anything (an xlsx bomb), and
openpyxl parses the XML through defusedxml.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import openpyxl
from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from app.core.forms import RuleError

log = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_UNCOMPRESSED = 100 * MIB      # the whole ZIP, expanded
MAX_RATIO = 100                   # expanded / compressed, for any member over 1 MiB
MAX_MEMBERS = 10_000
HEADER_SCAN_ROWS = 10
MAX_CELL_CHARS = 32_767           # Excel's limit; longer text makes Excel "repair" the file
TEMPLATE_ROWS = 5_000             # rows of the template that get formats and drop-downs

WRITE_KINDS = {"text", "date", "datetime", "int"}
READ_KINDS = {"text", "id_number", "phone", "date", "int", "choice"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
EXAMPLE_FONT = Font(italic=True, color="808080")
CENTER = Alignment(horizontal="center", vertical="center")

# Full-width ASCII (U+FF01–FF5E) → ASCII, and the ideographic space → space.
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


# ---------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column:
    """One exported column. `key` is a dict key, an attribute name, or a callable
    taking the row; `width` is in characters; `choices` become a drop-down list in
    `template_workbook`."""
    key: str | Callable[[Any], Any]
    header: str
    width: float = 12
    kind: str = "text"  # text | date | datetime | int
    choices: Sequence[str] = ()

    def __post_init__(self):
        if self.kind not in WRITE_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True, eq=False)
class ImportColumn:
    """One column read by `read_table`. `choices` maps each accepted spelling to the
    stored value ({"男": "M", "男性": "M", "女": "F"}); the first spelling of each
    value is the one offered in drop-downs and messages."""
    key: str
    header: str
    kind: str = "text"  # text | id_number | phone | date | int | choice
    required: bool = False
    aliases: Sequence[str] = ()
    choices: Mapping[str, Any] = field(default_factory=dict)
    width: float = 14

    def __post_init__(self):
        if self.kind not in READ_KINDS:
            raise ValueError(f"unknown import column kind {self.kind!r}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"{self.key}: choices go with kind='choice' (and only with it)")

    @property
    def offered_choices(self) -> list[str]:
        seen, offered = set(), []
        for spelling, value in self.choices.items():
            if value not in seen:
                seen.add(value)
                offered.append(spelling)
        return offered


@dataclass
class RowData:
    row_number: int               # as Excel shows it
    values: dict[str, Any]        # key → clean value (None when empty or unreadable)


@dataclass
class Problem:
    row_number: int
    column: str                   # the header as written in the file
    message: str
    key: str | None = None


@dataclass
class ReadResult:
    rows: list[RowData]
    problems: list[Problem]
    header_row: int
    sheet_name: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # key → header as written

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- writing

def escape_formula(text: str) -> str:
    """Text as a spreadsheet cell may hold it: control characters removed, and a
    leading `'` when Excel/WPS would take it for a formula (also for CSV)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text[:MAX_CELL_CHARS]


def _sheet_title(name: str | None) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", name or "").strip().strip("'")[:31]
    return title or "Sheet1"


def _value_of(row: Any, key: str | Callable[[Any], Any]) -> Any:
    if callable(key):
        return key(row)
    if isinstance(row, Mapping):
        return row.get(key)
    return getattr(row, key)


def _typed(value: Any, kind: str) -> tuple[Any, str]:
    """The value to put in a cell of a `kind` column, and its number format."""
    if kind in ("date", "datetime") and isinstance(value, dt.date):
        if kind == "date" and isinstance(value, dt.datetime):
            value = value.date()
        return value, DATE_FORMAT if kind == "date" else DATETIME_FORMAT
    if kind == "int" and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value, "0" if isinstance(value, int) else "General"
    return escape_formula(str(value)), TEXT_FORMAT


class _RowCells:
    """One styled cell per column and format, reused row after row: write-only mode
    serialises a row as soon as it is appended, and styling a new cell for each of
    200,000 × n values would cost more than writing them."""

    def __init__(self, sheet, columns: Sequence[Column]):
        self.sheet, self.columns, self.cells = sheet, columns, {}

    def __call__(self, row: Any) -> list[WriteOnlyCell | None]:
        out = []
        for index, column in enumerate(self.columns):
            value = _value_of(row, column.key)
            if value is None:
                out.append(None)
                continue
            value, number_format = _typed(value, column.kind)
            cell = self.cells.get((index, number_format))
            if cell is None:
                cell = self.cells[index, number_format] = WriteOnlyCell(self.sheet)
                cell.number_format = number_format
            cell.value = value
            out.append(cell)
        return out


def _header_cells(sheet, columns: Sequence[Column | ImportColumn]) -> list[WriteOnlyCell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, escape_formula(column.header))
        cell.font, cell.alignment = BOLD, CENTER
        cells.append(cell)
    return cells


def write_table(columns: Sequence[Column], rows: Iterable[Mapping | object], title: str | None = None,
                sheet_name: str | None = None) -> bytes:
    """An .xlsx of `rows`: optional merged bold title row, bold frozen header row
    (repeated on every printed page), one row per item. `sheet_name` defaults to the
    title. Rows are streamed: pass a generator for big registers."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(sheet_name or title))
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 2 if title else 1
    # Write-only: the sheet's view and print settings go out with the first row.
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    if title:
        cell = WriteOnlyCell(sheet, escape_formula(title))
        cell.font, cell.alignment = TITLE_FONT, CENTER
        sheet.append([cell])
        if len(columns) > 1:
            sheet.merged_cells.add(f"A1:{get_column_letter(len(columns))}1")
    sheet.append(_header_cells(sheet, columns))
    cells_of = _RowCells(sheet, columns)
    for row in rows:
        sheet.append(cells_of(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _column_kind(column: Column | ImportColumn) -> str:
    """The write kind of a column; for an import column, IDs, phones and choices are text."""
    if isinstance(column, Column):
        return column.kind
    return {"date": "date", "int": "int"}.get(column.kind, "text")


def _choices(column: Column | ImportColumn) -> list[str]:
    if isinstance(column, ImportColumn):
        return column.offered_choices
    return list(column.choices)


def template_workbook(columns: Sequence[Column | ImportColumn], example_rows: Iterable[Mapping | object],
                      notes: Sequence[str], sheet_name: str | None = None) -> bytes:
    """An import template: the header row (required import columns marked `*`), the
    example rows in grey italics, text/date formats preset on each column so IDs
    typed in later stay text, drop-down lists for columns with choices, and a second
    sheet "填写说明" with the notes."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _sheet_title(sheet_name)
    last_row = TEMPLATE_ROWS + 1
    lists = None
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        kind = _column_kind(column)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        # Column styles are what Excel/WPS apply to cells typed in later.
        dimension.number_format = {"text": TEXT_FORMAT, "date": DATE_FORMAT,
                                   "datetime": DATETIME_FORMAT}.get(kind, "General")
        choices = _choices(column)
        if not choices:
            continue
        formula = '"' + ",".join(choices) + '"'
        if len(formula) > 255 or any(c in choice for choice in choices for c in ',"'):
            # Too long (or unquotable) for an inline list: keep it on a hidden sheet.
            if lists is None:
                lists = book.create_sheet("_choices")
                lists.sheet_state = "hidden"
            for number, choice in enumerate(choices, 1):
                lists.cell(number, index, choice)
            formula = f"'_choices'!${letter}$1:${letter}${len(choices)}"
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)
    for index, column in enumerate(columns, 1):
        mark = "*" if getattr(column, "required", False) else ""
        cell = sheet.cell(1, index, escape_formula(mark + column.header))
        cell.font, cell.alignment, cell.number_format = BOLD, CENTER, "General"
    sheet.freeze_panes = "A2"
    for row_number, row in enumerate(example_rows, 2):
        for index, column in enumerate(columns, 1):
            target = sheet.cell(row_number, index)
            target.font = EXAMPLE_FONT
            value = _value_of(row, column.key)
            if value is not None:
                target.value, target.number_format = _typed(value, _column_kind(column))

    guide = book.create_sheet(_("填写说明"), 1)
    guide.column_dimensions["A"].width = 100
    lines = list(notes)
    if any(getattr(c, "required", False) for c in columns):
        lines.append(_("带 * 的列为必填项。"))
    lines.append(_("灰色斜体的是示例行，导入前请删除。"))
    for number, line in enumerate(lines, 1):
        guide.cell(number, 1, escape_formula(line)).alignment = Alignment(wrap_text=True, vertical="top")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- reading

def _not_xlsx() -> RuleError:
    return RuleError(_("只能导入 Excel .xlsx 文件（WPS 请另存为 .xlsx）。"))


def _megabytes(size: int) -> str:
    return f"{size / MIB:g} MB"


def _join(items: Iterable[str]) -> str:
    return _("、").join(items)


def _check_zip(data: bytes, max_bytes: int) -> None:
    """Refuse what openpyxl should never open: not a ZIP, too big, or a ZIP whose
    directory promises far more than a register (an xlsx bomb)."""
    if len(data) > max_bytes:
        raise RuleError(_("文件超过 %(limit)s，请拆分后分批导入。", limit=_megabytes(max_bytes)))
    if not data.startswith(b"PK\x03\x04"):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _not_xlsx() from error
    expanded = sum(m.file_size for m in members)
    too_dense = any(m.file_size > MIB and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
    if len(members) > MAX_MEMBERS or expanded > MAX_UNCOMPRESSED or too_dense:
        raise RuleError(_("文件解压后异常巨大，不像正常的 Excel 表格，已拒绝导入。"))


def _fold(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _normalise(value: Any) -> str:
    """身份证号码 （必填） / *身份证号码 / 身份 证号码 → 身份证号码 (lower-cased ASCII):
    whitespace (also full-width and zero-width), '*' and full-width forms folded."""
    if value is None:
        return ""
    text = _fold(str(value)).lower()
    return re.sub(r"[\s\u200b\ufeff*]+", "", text)


# A remark in brackets before or after the name: (必填), [必填], 【选填】, （格式:2024-01-05）.
_BRACKETS = r"[(\[\uff08\u3010][^()\[\]\uff08\uff09\u3010\u3011]*[)\]\uff09\u3011]"
_REMARK = re.compile(rf"^{_BRACKETS}|{_BRACKETS}$")


class _HeaderIndex:
    """Finds the ImportColumn a header cell names (header or alias, remark ignored)."""

    def __init__(self, columns: Sequence[ImportColumn]):
        self.by_name: dict[str, ImportColumn] = {}
        for column in columns:
            for name in (column.header, *column.aliases):
                norm = _normalise(name)
                other = self.by_name.setdefault(norm, column)
                if other is not column:
                    raise ValueError(f"header {name!r} names both {other.key} and {column.key}")

    def find(self, value: Any) -> ImportColumn | None:
        norm = _normalise(value)
        if not norm:
            return None
        found = self.by_name.get(norm)
        if found is None:
            stripped = _REMARK.sub("", norm)
            found = self.by_name.get(stripped) if stripped else None
        return found

    def score(self, row: Sequence[Any]) -> int:
        return len({c.key for c in map(self.find, row) if c is not None})


def _as_written(value: Any) -> str:
    """A header as the person wrote it, less marks and remarks: for messages."""
    text = re.sub(r"[\s\u200b\ufeff*]+", "", str(value))
    return _REMARK.sub("", text) or text


def _rows(sheet, min_row: int = 1, max_row: int | None = None) -> Iterator[tuple]:
    """Rows of values; openpyxl's own failures (a broken sheet) become the refusal."""
    try:
        yield from sheet.iter_rows(min_row=min_row, max_row=max_row, values_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged sheet
        log.info("unreadable worksheet: %r", error)
        raise _not_xlsx() from error


def _with_upper_row(row: Sequence[Any], above: Sequence[Any]) -> list[Any]:
    """A two-level header: where this row is empty, the cell above names the column
    (姓名 merged down over both rows, 联系方式 over 电话 | 微信)."""
    return [row[p] if p < len(row) and _normalise(row[p]) else (above[p] if p < len(above) else None)
            for p in range(max(len(row), len(above)))]


def _locate_header(book, index: _HeaderIndex, columns: Sequence[ImportColumn]):
    """The sheet and row (within the first 10) naming the most known columns, the
    first on a tie; rows above it (a merged title) are skipped. Returns the sheet,
    the header row number, {position: column} and {key: header as written}."""
    best = None
    for sheet in book.worksheets:
        sheet.reset_dimensions()  # some writers record a wrong size; read what is there
        top = list(_rows(sheet, 1, HEADER_SCAN_ROWS))
        for number, row in enumerate(top, 1):
            header = _with_upper_row(row, top[number - 2] if number > 1 else ())
            score = index.score(header)
            if score and (best is None or score > best[0]):
                best = (score, sheet, number, header)
    if best is None:
        raise RuleError(_("找不到表头行。表格前 %(n)d 行中应有这些列名：%(headers)s。",
                          n=HEADER_SCAN_ROWS, headers=_join(c.header for c in columns)))
    _score, sheet, number, header = best
    positions: dict[int, ImportColumn] = {}
    written: dict[str, str] = {}
    for position, value in enumerate(header):
        column = index.find(value)
        if column is None:
            continue
        if column.key in written:
            raise RuleError(_("“%(header)s”列出现了不止一次，请只保留一列。", header=column.header))
        positions[position] = column
        written[column.key] = _as_written(value)
    missing = [c.header for c in columns if c.required and c.key not in written]
    if missing:
        raise RuleError(_("缺少必填列：%(headers)s。", headers=_join(missing)))
    return sheet, number, positions, written


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integral_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


class _Unreadable(ValueError):
    """A cell value that cannot be used; the message is for the person."""


_SCIENTIFIC = re.compile(r"\d+(\.\d+)?E[+-]?\d+")
# 2024-1-5, 2024/01/05, 2024.1.5, 2024年1月5日 (\u5e74 年, \u6708 月, \u65e5 日), with an
# optional time after it (text copied from other systems).
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.\u5e74]\s*(\d{1,2})\s*[-/.\u6708]\s*(\d{1,2})\s*\u65e5?"
                        r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _id_number(value: Any) -> str:
    """Excel keeps 15 significant digits: an 18-digit ID that became a number (or
    its text, 1.10101E+17) has lost its last digits for good; it is not guessed back."""
    lost = _is_number(value)
    text = "" if lost else re.sub(r"\s+", "", _fold(str(value))).lstrip("'").upper()
    if lost or _SCIENTIFIC.fullmatch(text):
        raise _Unreadable(_("身份证号被存成了数字，末几位已丢失，请把该列设为文本后重新填写。"))
    return text


def _phone(value: Any) -> str:
    if _is_number(value):
        return _integral_text(value)
    return re.sub(r"\s+", "", _fold(str(value))).lstrip("'")


def _date(value: Any, epoch: dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _is_number(value):
        if value == int(value) and 19000101 <= value <= 29991231:
            return _date(str(int(value)), epoch)  # 20240105 typed into a number cell
        # A bare year (1990) would otherwise pass as the serial of a day in 1905.
        if 1 <= value < 2958466 and not (value == int(value) and 1000 <= value <= 2999):
            return from_excel(value, epoch).date()
    elif isinstance(value, str):
        text = _fold(value).strip()
        match = _DATE_TEXT.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError:
                pass
    shown = value.strip() if isinstance(value, str) else value
    raise _Unreadable(_("日期格式无法识别：%(value)s", value=shown))


def _int(value: Any) -> int:
    if _is_number(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        text = _fold(value).strip().replace(",", "")
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
    shown = value.strip() if isinstance(value, str) else value
    raise _Unreadable(_("应填整数：%(value)s", value=shown))


def _choice(value: Any, column: ImportColumn) -> Any:
    wanted = _normalise(_integral_text(value) if _is_number(value) else value)
    for spelling, stored in column.choices.items():
        if _normalise(spelling) == wanted:
            return stored
    raise _Unreadable(_("“%(value)s”不是可选的值，可选：%(choices)s。",
                        value=str(value).strip(), choices=_join(column.offered_choices)))


def _text(value: Any) -> str:
    if _is_number(value):
        return _integral_text(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in "=+-@":
        text = text[1:]  # our own export escaped it (escape_formula)
    return text


def _clean_cell(value: Any, column: ImportColumn, epoch: dt.datetime = WINDOWS_EPOCH) -> Any:
    """The value to store for one cell; raises _Unreadable with the person's message.
    Blank cells are None."""
    if _blank(value):
        return None
    kind = column.kind
    if kind == "id_number":
        return _id_number(value)
    if kind == "phone":
        return _phone(value)
    if kind == "date":
        return _date(value, epoch)
    if kind == "int":
        return _int(value)
    if kind == "choice":
        return _choice(value, column)
    return _text(value)


def read_table(data: bytes, columns: Sequence[ImportColumn], max_bytes: int = 10 * MIB,
               max_rows: int = 50_000) -> ReadResult:
    """Read the register in an uploaded .xlsx: the header row is found, every
    non-blank row below it cleaned. Unreadable files raise RuleError; unreadable
    cells become Problems (the row is kept, that value is None)."""
    index = _HeaderIndex(columns)
    _check_zip(data, max_bytes)
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a file that is not a workbook
        log.info("not an xlsx workbook: %r", error)
        raise _not_xlsx() from error
    try:
        sheet, header_row, positions, written = _locate_header(book, index, columns)
        epoch = book.epoch
        result = ReadResult([], [], header_row, sheet.title, written)
        for row_number, row in enumerate(_rows(sheet, header_row + 1), header_row + 1):
            cells = {p: row[p] if p < len(row) else None for p in positions}
            if all(_blank(v) for v in cells.values()):
                continue
            if len(result.rows) >= max_rows:
                raise RuleError(_("数据超过 %(limit)d 行，请拆分后分批导入。", limit=max_rows))
            values = {}
            for position, raw in cells.items():
                column = positions[position]
                try:
                    values[column.key] = _clean_cell(raw, column, epoch)
                except _Unreadable as problem:
                    values[column.key] = None
                    result.problems.append(Problem(row_number, written[column.key], str(problem), column.key))
                    continue
                if column.required and values[column.key] in (None, ""):
                    result.problems.append(Problem(row_number, written[column.key], _("此项为必填项。"),
                                                   column.key))
            result.rows.append(RowData(row_number, values))
        return result
    finally:
        book.close()

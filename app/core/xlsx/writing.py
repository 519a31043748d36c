"""Writing registers and import templates (streamed: constant memory)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.core.masking import mask_numbers
from app.core.xlsx.columns import (
    BOLD,
    CENTER,
    DATE_FORMAT,
    DATETIME_FORMAT,
    EXAMPLE_FONT,
    FORMULA_START,
    MAX_CELL_CHARS,
    TEMPLATE_ROWS,
    TEXT_FORMAT,
    TITLE_FONT,
    Column,
    ImportColumn,
)


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
        self.sheet, self.columns = sheet, columns
        self.cells: dict[tuple[int, str], WriteOnlyCell] = {}

    def __call__(self, row: Any) -> list[WriteOnlyCell | None]:
        out: list[WriteOnlyCell | None] = []
        for index, column in enumerate(self.columns):
            value = _value_of(row, column.key)
            if value is None:
                out.append(None)
                continue
            value, number_format = _typed(value, column.kind)
            if number_format == TEXT_FORMAT and not column.not_personal:
                value = mask_numbers(value)
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


def write_table(
    columns: Sequence[Column],
    rows: Iterable[Mapping | object],
    title: str | None = None,
    sheet_name: str | None = None,
    landscape: bool = False,
) -> bytes:
    """An .xlsx of `rows`: optional merged bold title row, bold frozen header row
    (repeated on every printed page), one row per item. `sheet_name` defaults to the
    title. Rows are streamed: pass a generator for big registers. ID numbers and
    mobiles in text cells are masked, except in columns marked `not_personal`.

    It prints as it opens: A4 (`landscape` for wide ledgers), every column on the
    page's width and as many pages down as the rows take, the header row on each
    page, centred, with page numbers in the footer."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(sheet_name or title))
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 2 if title else 1
    # Write-only: the sheet's view and print settings go out with the first row.
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    _set_up_pages(sheet, landscape)
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


def _set_up_pages(sheet, landscape: bool) -> None:
    """A4, fit to the page's width (fitToHeight 0: as many pages as needed), 1.5 cm
    margins, centred, "第 N 页 共 M 页" below."""
    setup = sheet.page_setup
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left = margins.right = margins.top = margins.bottom = 0.6  # inches: 1.5 cm
    sheet.oddFooter.center.text = _("第 &P 页 共 &N 页")


def _column_kind(column: Column | ImportColumn) -> str:
    """The write kind of a column; for an import column, IDs, phones and choices are text."""
    if isinstance(column, Column):
        return column.kind
    return {"date": "date", "int": "int"}.get(column.kind, "text")


def _choices(column: Column | ImportColumn) -> list[str]:
    if isinstance(column, ImportColumn):
        return column.offered_choices
    return list(column.choices)


def template_workbook(
    columns: Sequence[Column | ImportColumn],
    example_rows: Iterable[Mapping | object],
    notes: Sequence[str],
    sheet_name: str | None = None,
) -> bytes:
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
        dimension.number_format = {"text": TEXT_FORMAT, "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}.get(
            kind, "General"
        )
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

"""Reading the Excel files village stations really send (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import weakref
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from typing import Any

import openpyxl
from flask import has_app_context
from flask_babel import gettext as _
from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

from app.core.forms import RuleError
from app.core.settings import setting
from app.core.text import clean_text
from app.core.xlsx.columns import (
    _FULL_WIDTH,
    HEADER_SCAN_ROWS,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    MIB,
    ImportColumn,
    Problem,
    ReadResult,
    RowData,
)

log = logging.getLogger(__name__)


def _not_xlsx() -> RuleError:
    return RuleError(_("只能导入 Excel .xlsx 文件（WPS 请另存为 .xlsx）。"))


# A password-protected .xlsx is no ZIP: Excel and WPS wrap it in an OLE compound file
# (this magic) holding the streams EncryptionInfo and EncryptedPackage. A legacy .xls
# is an OLE file too, but without that stream: it is refused as not an .xlsx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _megabytes(size: int) -> str:
    return f"{size / MIB:g} MB"


def _join(items: Iterable[str]) -> str:
    return _("、").join(items)


def _check_zip(data: bytes, max_bytes: int) -> None:
    """Refuse what openpyxl should never open: not a ZIP, too big, or a ZIP whose
    directory promises far more than a register (an xlsx bomb)."""
    if len(data) > max_bytes:
        raise RuleError(_("文件超过 %(limit)s，请拆分后分批导入。", limit=_megabytes(max_bytes)))
    if data.startswith(_OLE_MAGIC) and _ENCRYPTED_PACKAGE in data:
        raise RuleError(_("文件已加密，请取消密码后再导入。"))
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


def _rows(sheet, min_row: int = 1, max_row: int | None = None, max_col: int | None = None) -> Iterator[tuple]:
    """Rows of values; openpyxl's own failures (a broken sheet) become the refusal."""
    try:
        yield from sheet.iter_rows(min_row=min_row, max_row=max_row, max_col=max_col, values_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged sheet
        log.info("unreadable worksheet: %r", error)
        raise _not_xlsx() from error


def _with_upper_row(row: Sequence[Any], above: Sequence[Any]) -> list[Any]:
    """A two-level header: where this row is empty, the cell above names the column
    (姓名 merged down over both rows, 联系方式 over 电话 | 微信)."""
    return [
        row[p] if p < len(row) and _normalise(row[p]) else (above[p] if p < len(above) else None)
        for p in range(max(len(row), len(above)))
    ]


# The default of the IMPORT_MAX_ROWS setting (app/config.py).
MAX_SHEET_ROWS = 100_000


def sheet_row_limit() -> int:
    if has_app_context():
        return setting("IMPORT_MAX_ROWS") or MAX_SHEET_ROWS
    return MAX_SHEET_ROWS


def _too_many_rows(sheet_title: str, limit: int) -> RuleError:
    return RuleError(
        _(
            "工作表“%(sheet)s”超过 %(limit)d 行（空行也算在内），请删除多余的行或拆分后分批导入。",
            sheet=sheet_title,
            limit=limit,
        )
    )


def _check_declared_sizes(book, limit: int) -> None:
    """Refuse a sheet whose recorded size (<dimension ref="A1:K5000000">, read by
    openpyxl from the start of the sheet) passes the limit, before any row is read:
    openpyxl hands out every missing row up to the last one, so one cell at row
    5,000,000 of a 5 KB file would cost five million empty rows. A size recorded
    too small is caught while reading (read_table stops at the limit)."""
    for sheet in book.worksheets:
        if (sheet.max_row or 0) > limit:
            raise _too_many_rows(sheet.title, limit)


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
        raise RuleError(
            _(
                "找不到表头行。表格前 %(n)d 行中应有这些列名：%(headers)s。",
                n=HEADER_SCAN_ROWS,
                headers=_join(c.header for c in columns),
            )
        )
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
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.\u5e74]\s*(\d{1,2})\s*[-/.\u6708]\s*(\d{1,2})\s*\u65e5?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
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


# Each choice column's spellings, normalised once: {normalised spelling: stored value},
# the first spelling winning as in the column's order.
_NORMALISED_CHOICES: weakref.WeakKeyDictionary[ImportColumn, dict[str, Any]] = weakref.WeakKeyDictionary()
_NO_CHOICE = object()


def _choice(value: Any, column: ImportColumn) -> Any:
    wanted = _normalise(_integral_text(value) if _is_number(value) else value)
    spellings = _NORMALISED_CHOICES.get(column)
    if spellings is None:
        spellings = {}
        for spelling, stored in column.choices.items():
            spellings.setdefault(_normalise(spelling), stored)
        _NORMALISED_CHOICES[column] = spellings
    stored = spellings.get(wanted, _NO_CHOICE)
    if stored is not _NO_CHOICE:
        return stored
    raise _Unreadable(
        _(
            "“%(value)s”不是可选的值，可选：%(choices)s。",
            value=str(value).strip(),
            choices=_join(column.offered_choices),
        )
    )


def _text(value: Any) -> str:
    if _is_number(value):
        return _integral_text(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = clean_text(str(value)).strip()
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


def read_table(
    data: bytes,
    columns: Sequence[ImportColumn],
    max_bytes: int = 10 * MIB,
    max_rows: int = 50_000,
    max_sheet_rows: int | None = None,
) -> ReadResult:
    """Read the register in an uploaded .xlsx: the header row is found, every
    non-blank row below it cleaned. Unreadable files raise RuleError; unreadable
    cells become Problems (the row is kept, that value is None). `max_rows` bounds
    the rows with data, `max_sheet_rows` (IMPORT_MAX_ROWS) the sheet's rows, blank
    ones included: by its recorded size before reading, and as read."""
    index = _HeaderIndex(columns)
    max_sheet_rows = max_sheet_rows or sheet_row_limit()
    _check_zip(data, max_bytes)
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a file that is not a workbook
        log.info("not an xlsx workbook: %r", error)
        raise _not_xlsx() from error
    try:
        _check_declared_sizes(book, max_sheet_rows)
        sheet, header_row, positions, written = _locate_header(book, index, columns)
        epoch = book.epoch
        result = ReadResult([], [], header_row, sheet.title, written)
        # Only as wide as the columns read: a cell far to the right (column XFD) does
        # not make every row 16,384 cells long.
        width = max(positions) + 1
        for row_number, row in enumerate(_rows(sheet, header_row + 1, max_col=width), header_row + 1):
            if row_number > max_sheet_rows:
                raise _too_many_rows(sheet.title, max_sheet_rows)
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
                    result.problems.append(Problem(row_number, written[column.key], _("此项为必填项。"), column.key))
            result.rows.append(RowData(row_number, values))
        return result
    finally:
        book.close()

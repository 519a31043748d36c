"""The ledgers (台账) of the grid work manual — the 14 the manual names (docs/domain.md,
002 篇四) and the 督导台帐 (15) of supervision (002 篇九): each filled
from the records of a grid or community for a period, blank with ruled rows for
handwriting, or as xlsx. A ledger is a title, columns (header, width in mm, value)
and a query; the PDF and the xlsx are made from the same definition.

Personal numbers are masked in ledgers as everywhere else (a printed page travels
further than a screen): every cell, free text included, in the PDF (app.printing.pdf
masks what a print template outputs) and in the xlsx (app.core.xlsx masks text cells)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.pdf_layout import page_count
from app.core.timeutil import to_local, utcnow
from app.core.xlsx import Column as XlsxColumn
from app.core.xlsx import write_table
from app.org.models import Division
from app.printing.pdf import (
    PrintJob,
    PrintResult,
    job_missing_glyphs,
    lay_out,
    prepare_print,
    printed_by,
    share_fonts,
)


@dataclass(frozen=True)
class LedgerScope:
    """A grid or a community, and the period the ledger covers."""

    division: Division
    start: date
    end: date

    def grid_ids(self) -> Any:
        """The ids of the grids under the division (a grid: itself)."""
        return select(Division.id).where(
            Division.level == "grid", Division.code.startswith(self.division.code, autoescape=True)
        )

    @property
    def period_label(self) -> str:
        return f"{self.start.isoformat()} — {self.end.isoformat()}"


@dataclass(frozen=True)
class LedgerColumn:
    header: Any
    width_mm: int
    value: Callable[[Any], Any]
    # Every cell is printed and exported with the ID numbers and mobiles in it masked
    # (app.core.masking.mask_numbers), free text included; a column of numbers that
    # are not personal (licence numbers) is marked here and kept as written.
    not_personal: bool = False
    # Handwritten lines a blank form's cell needs: 1 for a name or a date, 2 for an
    # address or a short account, 3 for a narrative (what happened, what was done).
    lines: int = 1
    # Filled in only by the system (事件编号): left off the blank form.
    system_only: bool = False
    # Added up in the 合计 row (a ledger of counts).
    summed: bool = False


@dataclass(frozen=True)
class Ledger:
    number: int
    title: Any
    columns: list[LedgerColumn]
    rows: Callable[[LedgerScope], Iterable[Any]]
    landscape: bool = True
    # One record per page (form 13's case record), its lines as label and value, with
    # the signature lines under it; the xlsx stays a list.
    per_record: bool = False
    signatures: list = field(default_factory=list)
    # The table's type size in points (the page's is 10): smaller for a form of many columns.
    font_pt: float = 10
    # Key-person ledgers (forms 7–11) are seen only by those who may see key persons.
    key_persons: bool = False
    note: Any = ""
    extra: dict = field(default_factory=dict)

    @property
    def blank_columns(self) -> list[LedgerColumn]:
        return [c for c in self.columns if not c.system_only]

    @property
    def blank_row_mm(self) -> int:
        """A blank row's height: room for the handwriting of its tallest column."""
        return BLANK_ROW_MM[min(max(c.lines for c in self.blank_columns), 3)]

    @property
    def template(self) -> str:
        return "print/ledger_record.html" if self.per_record else "print/ledger.html"

    def total_cells(self, rows: list[list[str]]) -> list[str] | None:
        """The 合计 row of a ledger with summed columns: "合计" in the first column, the
        sum under each summed one; None for a ledger without."""
        if not any(c.summed for c in self.columns):
            return None
        cells = [
            str(sum(int(row[index] or 0) for row in rows)) if column.summed else ""
            for index, column in enumerate(self.columns)
        ]
        cells[0] = _("合计")
        return cells

    def headers(self) -> list[str]:
        return [str(c.header) for c in self.columns]

    def cells(self, row) -> list[str]:
        return ["" if (v := c.value(row)) is None else str(v) for c in self.columns]


# A blank row's height by the handwritten lines its tallest column needs (a 7 mm line,
# as on ruled paper, and room above and below).
BLANK_ROW_MM = {1: 9, 2: 15, 3: 21}
# What a blank form's row count is searched between (blank_row_count).
MOST_BLANK_ROWS = 48

# Rows per part of a long ledger: about five pages of wrapped rows. Smaller parts lay
# out faster (WeasyPrint's table layout grows faster than its rows) and keep each worker
# small; each part may end on a partly filled page (bench/print_bench.py: 50 keeps the
# county's form 6 under 400 MB, 60 went 13 MB over once it had twelve columns).
ROWS_PER_PART = 50


def ledger_jobs(
    ledger: Ledger, scope: LedgerScope, blank: bool = False, numbered: bool = True
) -> tuple[list[PrintJob], int]:
    """The ledger as print jobs — one, or one per ROWS_PER_PART rows; a ledger of
    several parts is laid out without page footers (assembly.join_and_number stamps
    one numbering over the joined pages) — and how many records it holds."""
    if blank:
        rows = 1 if ledger.per_record else blank_row_count(ledger, scope)
        return [_blank_job(ledger, scope, rows, numbered)], 0
    rows = [ledger.cells(row) for row in ledger.rows(scope)]
    totals = ledger.total_cells(rows) if rows else None
    chunks = [rows[i : i + ROWS_PER_PART] for i in range(0, len(rows), ROWS_PER_PART)] or [[]]
    jobs = [
        prepare_print(
            ledger.template,
            title=f"{ledger.number}. {ledger.title}",
            ledger=ledger,
            scope=scope,
            rows=chunk,
            totals=totals if index == len(chunks) - 1 else None,
            blank=False,
            first_number=index * ROWS_PER_PART + 1,
            first_part=index == 0,
            last_part=index == len(chunks) - 1,
            numbered=numbered and len(chunks) == 1,
            page_size="A4 landscape" if ledger.landscape else "A4",
        )
        for index, chunk in enumerate(chunks)
    ]
    return jobs, len(rows)


def _blank_job(ledger: Ledger, scope: LedgerScope, rows: int, numbered: bool = True) -> PrintJob:
    return prepare_print(
        ledger.template,
        # Named apart from the filled form in the page header and the PDF's title.
        title=_("%(title)s（空白表）", title=f"{ledger.number}. {ledger.title}"),
        ledger=ledger,
        scope=scope,
        rows=[],
        blank=True,
        blank_rows=rows,
        numbered=numbered,
        page_size="A4 landscape" if ledger.landscape else "A4",
    )


_blank_rows: dict[tuple, int] = {}


def blank_row_count(ledger: Ledger, scope: LedgerScope) -> int:
    """As many ruled rows as fill one page with the seal block at its foot: found by
    laying the form out (headers wrap, notes run long, the translation differs), the
    most rows that still make one page; kept per form, language and unit name."""
    key = (ledger.number, str(get_locale()), scope.division.full_name)
    if key not in _blank_rows:
        fewest, most = 1, MOST_BLANK_ROWS
        while fewest < most:
            middle = (fewest + most + 1) // 2
            if page_count(_blank_job(ledger, scope, middle)) == 1:
                fewest = middle
            else:
                most = middle - 1
        _blank_rows[key] = fewest
    return _blank_rows[key]


def ledger_pdf(ledger: Ledger, scope: LedgerScope, blank: bool = False) -> tuple[PrintResult, int]:
    """The PDF and how many records it holds (0 for a blank form). A long ledger is
    laid out in parts on every core (app/printing/assembly.py)."""
    from app.printing.assembly import join_and_number, lay_out_parts

    jobs, count = ledger_jobs(ledger, scope, blank)
    glyphs = [glyph for job in jobs for glyph in job_missing_glyphs(job)]
    if len(jobs) == 1:
        laid_out = lay_out(jobs[0])
        return PrintResult(laid_out.pdf, laid_out.pages, glyphs), count
    parts = lay_out_parts(share_fonts(jobs))
    printed_at = to_local(utcnow())
    pdf, pages = join_and_number([part.laid_out.pdf for part in parts], jobs[0].title, printed_at, printed_by())
    return PrintResult(pdf, pages, glyphs), count


def ledger_xlsx(ledger: Ledger, scope: LedgerScope) -> tuple[bytes, int]:
    # 序号 first, as on the printed form: an inspector counts and cites rows by it.
    cells = [ledger.cells(row) for row in ledger.rows(scope)]
    rows: list[list[Any]] = [[number, *row] for number, row in enumerate(cells, 1)]
    totals = ledger.total_cells(cells) if cells else None
    if totals is not None:
        rows.append(["", *totals])
    columns = [XlsxColumn(lambda r: r[0], _("序号"), 6, kind="int")] + [
        XlsxColumn(
            (lambda r, i=i: int(r[i]) if str(r[i]).isdigit() else r[i]) if c.summed else (lambda r, i=i: r[i]),
            str(c.header),
            max(6, c.width_mm // 3),
            kind="int" if c.summed else "text",
            not_personal=c.not_personal,
        )
        for i, c in enumerate(ledger.columns, 1)
    ]
    title = _(
        "%(title)s（%(unit)s，%(period)s）", title=ledger.title, unit=scope.division.name, period=scope.period_label
    )
    payload = write_table(columns, rows, title=title, sheet_name=str(ledger.title)[:30], landscape=True)
    return payload, len(cells)


@cache
def _ledgers() -> dict[int, Ledger]:
    """Every ledger, listed here in one place, by its form number. (Imported on first
    use: the definitions import this module for Ledger and LedgerColumn.)"""
    from app.printing import ledger_forms, ledger_forms_area, ledger_forms_disputes, ledger_forms_people
    from app.supervision import ledger as supervision_ledger

    listed = [
        ledger_forms_area.LEDGER_1,
        ledger_forms_area.LEDGER_2,
        ledger_forms_area.LEDGER_3,
        ledger_forms_area.LEDGER_4,
        ledger_forms_area.LEDGER_5,
        ledger_forms.LEDGER_6,
        ledger_forms_people.LEDGER_7,
        ledger_forms_people.LEDGER_8,
        ledger_forms_people.LEDGER_9,
        ledger_forms_people.LEDGER_10,
        ledger_forms_people.LEDGER_11,
        ledger_forms_disputes.LEDGER_12,
        ledger_forms_disputes.LEDGER_13,
        ledger_forms_area.LEDGER_14,
        supervision_ledger.LEDGER_15,
    ]
    return {ledger.number: ledger for ledger in listed}


def get_ledger(number: int) -> Ledger | None:
    return _ledgers().get(number)


def all_ledgers() -> list[Ledger]:
    ledgers = _ledgers()
    return [ledgers[number] for number in sorted(ledgers)]

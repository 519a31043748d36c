"""What a column of a register sheet is, for writing and for reading, and the
limits both sides share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.styles import Alignment, Font

MIB = 1024 * 1024
MAX_UNCOMPRESSED = 100 * MIB  # the whole ZIP, expanded
MAX_RATIO = 100  # expanded / compressed, for any member over 1 MiB
MAX_MEMBERS = 10_000
HEADER_SCAN_ROWS = 10
MAX_CELL_CHARS = 32_767  # Excel's limit; longer text makes Excel "repair" the file
TEMPLATE_ROWS = 5_000  # rows of the template that get formats and drop-downs

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


@dataclass(frozen=True)
class Column:
    """One exported column. `key` is a dict key, an attribute name, or a callable
    taking the row; `width` is in characters; `choices` become a drop-down list in
    `template_workbook`. Text cells are written with the ID numbers and mobiles in them
    masked (app.core.masking.mask_numbers), free text included; `not_personal` keeps
    a column of numbers that are not personal data (licence and credit codes, 12345
    work order numbers) as written."""

    key: str | Callable[[Any], Any]
    header: str
    width: float = 12
    kind: str = "text"  # text | date | datetime | int
    choices: Sequence[str] = ()
    not_personal: bool = False

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
    row_number: int  # as Excel shows it
    values: dict[str, Any]  # key → clean value (None when empty or unreadable)


@dataclass
class Problem:
    row_number: int
    column: str  # the header as written in the file
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

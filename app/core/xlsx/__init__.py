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

from app.core.xlsx.columns import MIB, Column, ImportColumn, Problem, ReadResult, RowData
from app.core.xlsx.reading import _HeaderIndex, read_table
from app.core.xlsx.writing import escape_formula, template_workbook, write_table

"""A print laid out in parts carries each font once: the parts share fonts cut to the
whole print's characters, embedded whole, and the join keeps one copy — so the print
in parts is about the size of the same print as one document."""

from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from app.printing import ledgers
from app.printing.pdf import lay_out

pytestmark = pytest.mark.slow

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"


def long_ledger(rows: int) -> ledgers.Ledger:
    """Form 6's columns over `rows` made-up rows (a few hundred distinct characters)."""
    form = ledgers.get_ledger(6)
    cells = [
        [
            f"{SURNAMES[n % len(SURNAMES)]}{SURNAMES[(n * 7) % len(SURNAMES)]}",
            "男",
            str(20 + n % 40),
            f"610102********{n:04d}",
            f"河南省周口市{SURNAMES[n % 11]}县",
            f"东关路{n}号{SURNAMES[n % 17]}家院",
            "2025-03-15",
            "务工",
            "",
            f"{SURNAMES[n % 23]}氏商贸",
            f"{SURNAMES[n % 29]}房东",
            "138****0000",
        ]
        for n in range(rows)
    ]
    columns = [ledgers.LedgerColumn(c.header, c.width_mm, lambda row, i=i: row[i]) for i, c in enumerate(form.columns)]
    return ledgers.Ledger(6, form.title, columns, lambda _scope: cells, font_pt=9)


def font_files(pdf: bytes) -> list[tuple[str, int]]:
    """(font name, stream object number) of every embedded font file."""
    found = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found.add((str(descriptor["/FontName"]), descriptor.raw_get(key).idnum))
    return sorted(found)


def test_a_ledger_in_parts_carries_each_font_once(app, world, monkeypatch):
    ledger = long_ledger(150)  # three parts of ROWS_PER_PART (50) rows
    scope = ledgers.LedgerScope(world.grid_a, date(2026, 1, 1), date(2026, 12, 31))
    with app.test_request_context():
        result, count = ledgers.ledger_pdf(ledger, scope)
        monkeypatch.setattr(ledgers, "ROWS_PER_PART", 1000)
        whole = lay_out(ledgers.ledger_jobs(ledger, scope)[0][0])
    assert count == 150 and result.pages >= whole.pages >= 5
    # The ledger's own font, Regular and Bold, once each (the page stamps have theirs).
    shared = [name for name, _number in font_files(result.pdf) if "Gridbook-CJK" in name]
    assert len(shared) == 2, font_files(result.pdf)
    assert len(result.pdf) <= 1.5 * len(whole.pdf), (len(result.pdf), len(whole.pdf))

"""Ledgers filled from the records, blank for handwriting, and as xlsx; each print audited."""

import re
from datetime import datetime
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from app.registry.people import services
from tests.conftest import fresh
from tests.factories import make_id_number
from tests.printing.helpers import squeezed


def _floating(world):
    with write_transactions():
        services.register_resident(
            services.ResidentValues(
                name="赵流动",
                id_number=make_id_number("19920304", 41),
                phone="13612345678",
                population_type="floating",
                registered_address="河南省周口市某村",
                workplace="东关菜市场",
            ),
            world.grid_a,
        )
        services.register_resident(
            services.ResidentValues(
                name="钱外地", id_number=make_id_number("19930304", 42), population_type="floating"
            ),
            world.grid_b,
        )
        db.session.commit()


def _get(client, world, **args):
    query = {
        "number": 6,
        "division_id": world.grid_a.id,
        "start": "2024-01-01",
        "end": "2026-12-31",
        "output": "pdf",
        **args,
    }
    return client.get("/ledgers/", query_string=query)


def test_the_floating_population_ledger_is_filled_masked_and_audited(client_as, world):
    _floating(world)
    response = _get(client_as("worker_a"), world)
    assert response.mimetype == "application/pdf"
    text = squeezed(response.data)
    assert "社区流动人口登记表" in text and "赵流动" in text and "钱外地" not in text
    assert "河南省周口市某村" in text and "136****5678" in text
    assert make_id_number("19920304", 41) not in text
    assert "填报单位（盖章）" in text and "第1页/共1页" in text
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "printed"))
    assert event.detail["records"] == 1 and "东关一网格" in event.detail["scope"]


def test_a_blank_form_has_ruled_rows_and_no_records(client_as, world):
    _floating(world)
    text = squeezed(_get(client_as("worker_a"), world, output="blank").data)
    assert "社区流动人口登记表" in text and "赵流动" not in text and "序号" in text


def test_the_xlsx_has_the_same_columns(client_as, world):
    _floating(world)
    response = _get(client_as("station_a"), world, output="xlsx", division_id=world.community_a.id)
    sheet = openpyxl.load_workbook(BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "姓名" in rows[1] and "证件号码" in rows[1]
    assert any("赵流动" in (row or ()) for row in rows[2:])
    # 序号 first, numbered as the printed form numbers its rows.
    assert rows[1][0] == "序号" and [row[0] for row in rows[2:]] == list(range(1, len(rows) - 1))


def test_the_xlsx_prints_on_a4_landscape_one_page_wide(client_as, world):
    _floating(world)
    response = _get(client_as("station_a"), world, output="xlsx", division_id=world.community_a.id)
    sheet = openpyxl.load_workbook(BytesIO(response.data)).worksheets[0]
    setup = sheet.page_setup
    assert (int(setup.paperSize), setup.orientation) == (9, "landscape")  # 9: A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$2:$2"  # the header row on every page
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text


def test_another_grid_cannot_be_printed(client_as, world):
    response = _get(client_as("worker_a"), world, division_id=world.grid_b.id)
    assert response.status_code == 400 and "管辖范围" in response.get_data(as_text=True)
    assert client_as("dept").get("/ledgers/").status_code == 403


def test_the_command_line_prints_a_ledger_and_audits_it(app, runner, world, tmp_path):
    _floating(world)
    out = tmp_path / "6.pdf"
    result = runner.invoke(
        args=["print", "ledger", "--form", "6", "--grid", world.grid_a.code, "--period", "2026", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "赵流动" in squeezed(out.read_bytes())
    blank = tmp_path / "6b.pdf"
    assert (
        runner.invoke(
            args=["print", "ledger", "--form", "6", "--grid", world.grid_a.code, "--blank", "--out", str(blank)]
        ).exit_code
        == 0
    )
    assert "赵流动" not in squeezed(blank.read_bytes())
    assert (
        runner.invoke(
            args=["print", "ledger", "--form", "99", "--grid", world.grid_a.code, "--out", str(blank)]
        ).exit_code
        != 0
    )
    fresh()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "printed")))
    assert len(events) == 2 and events[0].actor_name == "cli"


def test_every_ledger_defined_is_listed_once_by_its_number():
    """The ledgers are listed in one place (app/printing/ledgers.py); a definition left
    out of the list, or listed under another number, fails here."""
    import importlib
    import re

    from app.printing.ledgers import all_ledgers

    defined = {}
    for module in (
        "app.printing.ledger_forms",
        "app.printing.ledger_forms_area",
        "app.printing.ledger_forms_people",
        "app.printing.ledger_forms_disputes",
        "app.supervision.ledger",
    ):
        for name, value in vars(importlib.import_module(module)).items():
            if match := re.fullmatch(r"LEDGER_(\d+)", name):
                defined[int(match.group(1))] = value
    listed = all_ledgers()
    assert [ledger.number for ledger in listed] == list(range(1, 16)) == sorted(defined)
    assert all(defined[ledger.number] is ledger for ledger in listed)


def test_an_internal_print_names_who_printed_it_on_every_page(app, client_as, world):
    """GB/T 35273: the account in each page's footer, and a faint watermark image of
    the account and the time across each page."""
    from PIL import Image
    from pypdf import PdfReader

    from app.printing.pdf import _watermark_png, font_file, watermark_text

    _floating(world)
    data = _get(client_as("station_a"), world, division_id=world.community_a.id).data
    reader = PdfReader(BytesIO(data))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert texts and all("打印人：station_a（station_a）" in text for text in texts), texts[0][-200:]
    assert all("内部资料" in text for text in texts)
    printed = re.search(r"打印时间：(\d{4}-\d\d-\d\d \d\d:\d\d)", texts[0])[1]
    with app.test_request_context():
        expected = Image.open(
            BytesIO(
                _watermark_png(
                    watermark_text("station_a（station_a）", datetime.strptime(printed, "%Y-%m-%d %H:%M")),
                    str(font_file("normal")),
                )
            )
        )
    for page in reader.pages:
        assert expected.size in {image.image.size for image in page.images}


def test_a_print_from_the_command_line_says_so(runner, world, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "6.pdf"
    args = ["print", "ledger", "--form", "6", "--grid", world.grid_a.code, "--period", "2026", "--out", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    assert "打印人：命令行" in " ".join(PdfReader(out).pages[0].extract_text().split())


def test_a_public_print_names_no_one(client_as, world):
    """The 上岗公示 poster is posted in the street: no footer name, no watermark."""
    from pypdf import PdfReader

    response = client_as("station_a").get(f"/grids/{world.grid_a.id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "打印人" not in text and "station_a" not in text


@pytest.mark.slow  # some twenty prints
def test_the_seal_block_always_shares_its_page_with_rows(client_as, world):
    """However many rows fill the page before it, the seal block (and the note) go to
    the next page with the last rows, never alone; the title never ends a page."""
    from pypdf import PdfReader

    client = client_as("station_a")
    spilled = 0
    for number in range(1, 25):
        fresh()  # the print's read ends before the next write
        with write_transactions():
            services.register_resident(
                services.ResidentValues(
                    name=f"流动{number:02d}",
                    id_number=make_id_number("19900101", 100 + number),
                    population_type="floating",
                    registered_address="河南省周口市某县某乡某村" * 2,
                    workplace="东关菜市场",
                ),
                world.grid_a,
            )
            db.session.commit()
        data = _get(client, world, division_id=world.grid_a.id).data
        pages = [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(data)).pages]
        assert "填报单位（盖章）" in pages[-1]
        if len(pages) > 1:
            spilled += 1
            # The last page carries rows too: the header repeated above them, a row's name.
            assert "序号" in pages[-1] and "流动" in pages[-1].split("填报单位")[0], (number, pages[-1][:200])
        for text in pages[:-1]:
            assert not text.rstrip().endswith("社区流动人口登记表")
    assert spilled  # the rows did run onto a second page

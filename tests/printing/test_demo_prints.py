"""What the station prints for the demo county, read back from the PDFs: every ledger
filled and blank, the poster, this month's roster — the checks an inspector makes on
paper (no page holding only the seal block, blank forms filling their page, one-sheet
notices, rare names printed, who printed it). Page images: tests/artifacts/pdf/."""

import io
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.demo.county import load_demo
from app.demo.population import RARE_NAME
from app.extensions import db
from app.org.models import Division
from app.printing.ledgers import all_ledgers
from tests.conftest import login
from tests.printing.helpers import keep_first_page, page_png
from tests.printing.test_poster import decode_qr

pytestmark = pytest.mark.slow
DEMO_GRID = "990101001001001"


@pytest.fixture()
def demo(app):
    """The demo county; the station account (东门社区) signed in, its password changed."""
    with write_transactions():
        accounts = {username: password for username, _role, password in load_demo()}
        from app.auth.models import User

        for user in db.session.scalars(select(User)):
            user.must_change_password = False
        db.session.commit()
    grid = db.session.scalar(select(Division).where(Division.code == DEMO_GRID))
    grid_id = grid.id
    db.session.remove()
    client = app.test_client()
    assert login(client, "station", accounts["station"]).status_code == 302
    return client, grid_id


def page_texts(pdf: bytes) -> list[str]:
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_ledger_of_the_demo_grid_filled_and_blank(demo, tmp_path):
    client, grid_id = demo
    year = local_today().year
    for ledger in all_ledgers():
        for output in ("pdf", "blank"):
            response = client.get(
                "/ledgers/",
                query_string={
                    "number": ledger.number,
                    "division_id": grid_id,
                    "start": f"{year}-01-01",
                    "end": f"{year}-12-31",
                    "output": output,
                },
            )
            assert response.status_code == 200, (ledger.number, output)
            keep_first_page(response.data)
            pages = page_texts(response.data)
            where = f"form {ledger.number} ({output})"
            if ledger.per_record:  # form 13: a case a page, signed by the parties and mediators
                assert all("调解人（签名）" in text for text in pages) or "本期没有记录" in pages[0], where
            else:
                # The seal block never stands alone: its page has rows (their header) too.
                for number, text in enumerate(pages, 1):
                    if "填报单位（盖章）" in text:
                        assert "序号" in text, f"{where}: page {number} holds only the seal block"
                assert "填报单位（盖章）" in pages[-1], where
            # The inspector's columns, filled and blank.
            for column in ledger.columns if "本期没有记录" not in pages[0] else ():
                if not (output == "blank" and column.system_only):
                    assert "".join(str(column.header).split()) in "".join(pages), (where, column.header)
            # Who printed it, on every page.
            assert all("打印人：演示村（社区）工作站（网格长、站员）（station）" in text for text in pages), (
                where,
                pages[0][-120:],
            )
            if output == "blank":
                assert len(pages) == 1, where
            if ledger.number == 6 and output == "pdf":
                assert RARE_NAME in "".join(pages), "黎𠮷 in the floating-population ledger"
                path = tmp_path / "form6.pdf"
                path.write_bytes(response.data)
                fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
                rare = [line for line in fonts.splitlines() if "Gridbook-Rare" in line]
                assert rare and all(" yes " in line for line in rare), fonts


def test_the_demo_grid_poster_and_this_months_roster_are_one_sheet_each(app, demo, runner, tmp_path):
    client, grid_id = demo
    app.config["PUBLIC_BASE_URL"] = "https://wg.example.cn/"
    poster = client.get(f"/grids/{grid_id}/poster.pdf")
    assert poster.status_code == 200
    assert len(PdfReader(io.BytesIO(poster.data)).pages) == 1
    assert decode_qr(page_png(poster.data)) == [f"https://wg.example.cn/public/grids/{DEMO_GRID}/"]
    out = tmp_path / "roster.pdf"
    result = runner.invoke(args=["print", "roster", "--grid", DEMO_GRID, "--period", "month", "--out", str(out)])
    assert result.exit_code == 0, result.output
    roster = PdfReader(out)
    assert len(roster.pages) == 1
    assert float(roster.pages[0].mediabox.width) > float(roster.pages[0].mediabox.height)  # landscape
    keep_first_page(out.read_bytes())

"""上岗公示 poster: A3, the grid's staff with work phones and the boundary, no
residents, a QR code that decodes to the grid's public page; scoped and audited."""

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org import photos
from app.printing import publicity
from tests.printing.helpers import ARTIFACTS, page_png, squeezed


def decode_qr(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def with_photo(app, staff):
    image = Image.new("RGB", (300, 400), (200, 120, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    staff.photo_filename = photos.save(out.getvalue(), app.config["UPLOAD_FOLDER"])
    db.session.commit()


def test_poster_pdf_content_size_and_qr(app, world):
    app.config["PUBLIC_BASE_URL"] = "https://wg.example.cn/"
    with_photo(app, world.staff["worker_a"])
    result, count = publicity.poster_pdf(world.grid_a)
    assert count == 2 and result.pages == 1
    text = squeezed(result.pdf)
    for expected in (
        "网格员上岗公示",
        "东关一网格",
        "东关社区",
        "员工chief_a",
        "员工worker_a",
        "网格长",
        "专职网格员",
        "13800000000",
        "东街",
        "南路",
        "西巷",
        "北河",
        "12345",
        "城关镇",
    ):
        assert expected in text, expected
    for absent in ("张伟", "李娜", "13912345678", "19700312", "员工worker_b"):
        assert absent not in text
    box = PdfReader(io.BytesIO(result.pdf)).pages[0].mediabox
    assert abs(float(box.width) - 842) < 2 and abs(float(box.height) - 1191) < 2
    png = page_png(result.pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "poster-page1.png").write_bytes(png)
    url = "https://wg.example.cn/public/grids/%s/" % world.grid_a.code
    assert url in text
    assert decode_qr(png) == [url]


def test_qr_function_decodes(app, world):
    url = publicity.public_grid_url(world.grid_a)
    assert url.endswith(f"/public/grids/{world.grid_a.code}/")
    out = io.BytesIO()
    publicity.qr_code(url).save(out, kind="png", scale=6)
    assert decode_qr(out.getvalue()) == [url]


def test_poster_route_scoped_audited_and_current(client_as, world):
    client = client_as("station_a")
    response = client.get(f"/grids/{world.grid_a.id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "员工worker_a" in squeezed(response.data)
    db.session.rollback()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "printed").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and "上岗公示" in event.summary
    # A staff change shows on the next print: the poster is made from today's data.
    world.staff["worker_a"].name = "王新"
    db.session.commit()
    assert "王新" in squeezed(client.get(f"/grids/{world.grid_a.id}/poster.pdf").data)
    # A community is not a grid; another town's grid is out of scope.
    assert client.get(f"/grids/{world.community_a.id}/poster.pdf").status_code == 404
    assert client.get(f"/grids/{world.grid_b.id}/poster.pdf").status_code == 404
    assert client_as("worker_a").get(f"/grids/{world.grid_a2.id}/poster.pdf").status_code == 404


def test_publicity_page_lists_grids(client_as, world):
    page = client_as("station_a").get("/publicity/").get_data(as_text=True)
    assert "东关一网格" in page and "滨河一网格" not in page


def test_cli_poster(app, world, runner, tmp_path):
    out = tmp_path / "poster.pdf"
    result = runner.invoke(args=["print", "poster", "--grid", world.grid_a.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "员工chief_a" in squeezed(out.read_bytes())
    result = runner.invoke(args=["print", "poster", "--grid", world.community_a.code, "--out", str(out)])
    assert result.exit_code != 0

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
from app.org.models import StaffAssignment, StaffMember, StaffRole
from app.printing import publicity
from tests.factories import START
from tests.printing.helpers import ARTIFACTS, page_png, pdf_text, squeezed


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


def add_staff(app, grid, count):
    """`count` more staff in `grid`, with photos and four-character names (the widest
    common name), the roles a full grid has."""
    roles = [StaffRole.PART_TIME_WORKER, StaffRole.BUILDING_CHIEF, StaffRole.PARTY_HEAD, StaffRole.VOLUNTEER]
    names = []
    for number in range(count):
        member = StaffMember(home_division=grid.parent, name=f"欧阳志{number:02d}", phone=f"1390000{number:04d}")
        db.session.add(member)
        db.session.add(StaffAssignment(staff=member, division=grid, role=roles[number % 4].value, start_date=START))
        db.session.flush()
        with_photo(app, member)
        names.append(member.name)
    db.session.commit()
    return names


@pytest.mark.slow
@pytest.mark.parametrize("extra", [3, 8, 14])
def test_the_poster_is_one_a3_sheet_for_up_to_16_staff(app, world, extra):
    """5, 10 and 16 staff (each size of card) with photos: one sheet, every card, the
    QR code that still decodes, the complaint channel at the foot."""
    app.config["PUBLIC_BASE_URL"] = "https://wg.example.cn/"
    names = add_staff(app, world.grid_a, extra)
    result, count = publicity.poster_pdf(world.grid_a)
    assert count == extra + 2
    (ARTIFACTS / "pdf").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "pdf" / f"poster-{count}-staff.png").write_bytes(page_png(result.pdf))
    assert result.pages == 1
    text = "".join(pdf_text(result.pdf, layout=False).split())
    for name in names + ["员工chief_a", "员工worker_a", "13900000000", "12345"]:
        assert name in text, name
    assert decode_qr(page_png(result.pdf)) == ["https://wg.example.cn/public/grids/%s/" % world.grid_a.code]


@pytest.mark.slow
def test_past_16_staff_a_second_sheet_lists_the_rest(app, world):
    app.config["PUBLIC_BASE_URL"] = "https://wg.example.cn/"
    names = add_staff(app, world.grid_a, 16)
    result, count = publicity.poster_pdf(world.grid_a)
    assert count == 18 and result.pages == 2
    first, second = ["".join(page.split()) for page in pdf_text(result.pdf, layout=False).split("\f")[:2]]
    assert "员工chief_a" in first and "另有2名工作人员见续页" in first and "12345" in first
    on_cards = [name for name in names if name in first]
    assert len(on_cards) == 14
    assert "网格员上岗公示（续）" in second
    for name in set(names) - set(on_cards):
        assert name in second
    assert decode_qr(page_png(result.pdf)) == ["https://wg.example.cn/public/grids/%s/" % world.grid_a.code]


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

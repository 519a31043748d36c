"""Bad uploads cost nothing (issue #13 item 8): the public form refuses a throttled
client before any photo is opened; a photo's pixels are counted from its header and
refused above PHOTO_MAX_PIXELS before a pixel is decoded; stored photos keep no
EXIF, XMP or comment; an xlsx whose sheet spans more than IMPORT_MAX_ROWS rows is
refused at the file field before its rows are read, also when its recorded size lies."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from PIL import Image, ImageFile, PngImagePlugin
from sqlalchemy import func, select

from app.extensions import db
from app.matters.models import Matter, MatterPhoto
from app.org.models import StaffMember
from tests.conftest import fresh
from tests.web import Upload, choose, form_on, press, visible_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOO_LARGE = "照片尺寸过大（最多 4000 万像素），请缩小后再上传。"


def png(width: int, height: int, mode: str = "1") -> bytes:
    """A PNG of one colour: a few kilobytes however many pixels it holds."""
    out = io.BytesIO()
    Image.new(mode, (width, height), 1 if mode == "1" else (255, 255, 255)).save(out, format="PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header (IHDR, CRC recomputed) claims width × height."""
    data = bytearray(png(8, 8))
    assert data[12:16] == b"IHDR"
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_with_secrets() -> bytes:
    """A phone photo: EXIF with the camera and a GPS position, XMP and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (34.0, 15.0, 30.0), 3: "E", 4: (108.0, 56.0, 10.0)}
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(
        out,
        format="JPEG",
        exif=exif,
        comment=b"SecretComment",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>',
    )
    return out.getvalue()


def report_form(web, world):
    """The grid's public form as rendered, with what a visitor types."""
    form = form_on(web.get(f"/public/grids/{world.grid_a.code}/report"), button="提交")
    choose(form, "service", "城市管理（其他）")
    form["address"] = "东关路与北街路口"
    form["description"] = "路口的井盖不见了，很危险"
    return form


def matters_count() -> int:
    fresh()
    return db.session.scalar(select(func.count(Matter.id)))


@pytest.fixture()
def decoding(monkeypatch):
    """Every decoding of image data by Pillow (ImageFile.load) is recorded."""
    seen = []
    original = ImageFile.ImageFile.load

    def load(image):
        seen.append(image.size)
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


# --- Photos ---------------------------------------------------------------------------


def test_a_59_megapixel_png_of_a_few_kilobytes_is_refused_from_its_header(app, web, world, decoding):
    """The tester's photo: 59 MP (under the old 60 MP limit) in a 20 KB PNG."""
    data = png(7700, 7700)
    assert len(data) < 64 * 1024
    before = matters_count()
    form = report_form(web, world)
    form["photos"] = [Upload("scan.png", data, "image/png")]
    response = press(form, "提交", status=400)
    assert response.html.find(id="photos-error").get_text(strip=True) == TOO_LARGE
    assert decoding == []  # not one pixel decoded
    assert matters_count() == before
    again = form_on(response, button="提交")
    assert again["description"].value == "路口的井盖不见了，很危险"


@pytest.mark.parametrize("width, height", [(10000, 10000), (20000, 10000)])
def test_a_header_beyond_pillows_own_limit_gets_the_same_message(app, web_as, world, decoding, width, height):
    """A PNG header claiming 100 MP (Pillow warns) or 200 MP (Pillow refuses while
    reading the header): the person is told the photo is too large, not that it is no
    picture."""
    form = form_on(web_as("station_a").get("/staff/new"))
    form["name"] = "张三"
    choose(form, "home_division_id", "东关一网格")
    form["photo"] = Upload("big.png", png_claiming(width, height), "image/png")
    response = press(form, "保存")
    assert response.html.find(id="photo-error").get_text(strip=True) == TOO_LARGE
    assert decoding == []
    fresh()
    assert db.session.scalar(select(StaffMember).where(StaffMember.name == "张三")) is None


def test_the_pixel_limit_is_a_setting(app, web, world, decoding):
    app.config["PHOTO_MAX_PIXELS"] = 1_000_000
    form = report_form(web, world)
    form["photos"] = [Upload("a.png", png(1200, 1000, "RGB"), "image/png")]
    response = press(form, "提交", status=400)
    assert "照片尺寸过大（最多 100 万像素）" in visible_text(response) and decoding == []
    form = report_form(web, world)
    form["photos"] = [Upload("a.png", png(1000, 1000, "RGB"), "image/png")]
    assert press(form, "提交").status_int == 303


def test_a_throttled_client_is_refused_before_its_photos_are_opened(app, web, world, monkeypatch):
    app.config["PUBLIC_REPORTS_PER_HOUR"] = 1
    assert press(report_form(web, world), "提交").status_int == 303
    fresh()
    photos_before = db.session.scalar(select(func.count(MatterPhoto.id)))
    opened = []
    original = Image.open

    def spy(*args, **kwargs):
        opened.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(Image, "open", spy)
    form = report_form(web, world)
    form["photos"] = [Upload(f"{n}.png", png(6000, 6000), "image/png") for n in range(3)]
    response = press(form, "提交", status=429)
    assert "提交过于频繁" in visible_text(response)
    assert opened == []
    fresh()
    assert db.session.scalar(select(func.count(MatterPhoto.id))) == photos_before


def test_a_photo_refused_for_another_reason_is_not_decoded(app, web, world, decoding):
    """A bad phone number is found before the photos are decoded."""
    form = report_form(web, world)
    form["reporter_phone"] = "12345"
    form["photos"] = [Upload("a.png", png(2000, 2000, "RGB"), "image/png")]
    response = press(form, "提交", status=400)
    assert "11 位手机号" in visible_text(response) and decoding == []


def test_stored_photos_and_thumbnails_keep_no_exif_xmp_or_comment(app, web, world):
    form = report_form(web, world)
    form["photos"] = [Upload("phone.jpg", jpeg_with_secrets(), "image/jpeg")]
    assert press(form, "提交").status_int == 303
    fresh()
    photo = db.session.scalar(select(MatterPhoto).order_by(MatterPhoto.id.desc()))
    folder = Path(app.config["UPLOAD_FOLDER"]) / "matters"
    for name in (photo.filename, photo.thumbnail):
        data = (folder / name).read_bytes()
        assert b"Secret" not in data
        with Image.open(io.BytesIO(data)) as stored:
            assert not stored.getexif()
            assert not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info)


def test_a_png_text_chunk_named_comment_does_not_reach_the_staff_photo(app, web_as, world):
    """Pillow carries im.info["comment"] into a JPEG it saves; a PNG's tEXt chunk
    named "comment" lands there."""
    text = PngImagePlugin.PngInfo()
    text.add_text("comment", "SecretComment")
    text.add_text("Author", "SecretAuthor")
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 30, 30)).save(out, format="PNG", pnginfo=text)
    form = form_on(web_as("station_a").get("/staff/new"))
    form["name"] = "张三"
    choose(form, "home_division_id", "东关一网格")
    form["photo"] = Upload("me.png", out.getvalue(), "image/png")
    assert press(form, "保存").status_int == 303
    fresh()
    staff = db.session.scalar(select(StaffMember).where(StaffMember.name == "张三"))
    stored = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    assert b"Secret" not in stored.read_bytes()
    with Image.open(stored) as image:
        assert "comment" not in image.info and image.size == (60, 80)


# --- xlsx -----------------------------------------------------------------------------

HEADER = ["网格编码", "户号", "与户主关系", "姓名", "证件号码"]


def far_row_xlsx(recorded: str | None = "keep") -> bytes:
    """A 5 KB workbook: the header, and one cell at row 5,000,000 (past Excel's own
    1,048,576, which the reader accepts all the same). `recorded` replaces the
    sheet's <dimension> element ("" removes it); "keep" leaves A1:E5000000."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.cell(row=1_000_000, column=4, value="某某")
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                body = body.replace(b"1000000", b"5000000")
                if recorded != "keep":
                    body = re.sub(rb"<dimension [^>]*/>", recorded.encode(), body)
            target.writestr(item, body)
    return crafted.getvalue()


def upload_xlsx(web, data: bytes):
    form = form_on(web.get("/residents/import"), field="file", button="上传并检查")
    form["file"] = Upload("人口台账.xlsx", data, XLSX)
    return press(form, "上传并检查")


def file_error(response) -> str:
    error = response.html.find(id="file-error")
    return error.get_text(" ", strip=True) if error is not None else ""


ROWS_REFUSED = "工作表“Sheet”超过 100000 行（空行也算在内），请删除多余的行或拆分后分批导入。"


def test_an_xlsx_recording_five_million_rows_is_refused_before_its_rows_are_read(app, web_as, world, monkeypatch):
    rows_read = []
    original = ReadOnlyWorksheet._cells_by_row

    def spy(sheet, *args, **kwargs):
        rows_read.append(sheet.title)
        return original(sheet, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", spy)
    data = far_row_xlsx()
    assert len(data) < 10 * 1024
    response = upload_xlsx(web_as("worker_a"), data)
    assert file_error(response) == ROWS_REFUSED
    assert "导入检查结果" not in visible_text(response)
    assert rows_read == []


@pytest.mark.parametrize("recorded", ['<dimension ref="A1:E1"/>', ""])
def test_an_xlsx_whose_recorded_size_lies_is_stopped_at_the_limit(app, web_as, world, recorded):
    """The same file saying it holds one row, or nothing: reading stops at the limit
    instead of walking five million empty rows."""
    response = upload_xlsx(web_as("worker_a"), far_row_xlsx(recorded))
    assert file_error(response) == ROWS_REFUSED


def test_the_row_limit_is_a_setting(app, web_as, world):
    app.config["IMPORT_MAX_ROWS"] = 50
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.cell(row=60, column=4, value="某某")
    out = io.BytesIO()
    book.save(out)
    response = upload_xlsx(web_as("worker_a"), out.getvalue())
    assert file_error(response) == "工作表“Sheet”超过 50 行（空行也算在内），请删除多余的行或拆分后分批导入。"

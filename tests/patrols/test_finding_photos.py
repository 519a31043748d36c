"""Photos of a patrol finding: sent with the finding form as rendered, shown on the
patrol's page and served to those who see the patrol (404 for another grid's user),
passed on to the matter when the finding is reported, refused in Chinese at the
field with what was typed kept, and their files deleted with the finding."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from webtest import Upload

from app.extensions import db
from app.patrols.models import PatrolFinding
from tests.conftest import fresh
from tests.web import choose, form_on, press, visible_text


def jpeg(colour=(30, 120, 200)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="JPEG")
    return out.getvalue()


def _finding_form(web, patrol):
    return form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")


def _finding(description: str) -> PatrolFinding:
    fresh()
    return db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == description))


def test_a_finding_keeps_its_photos_and_only_its_grid_sees_them(web_as, world, app):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = _finding_form(web, patrol)
    form["description"] = "路灯杆倾斜"
    form["place"] = "东关路20号"
    form["photos"] = [Upload("a.jpg", jpeg(), "image/jpeg"), Upload("b.jpg", jpeg((200, 30, 30)), "image/jpeg")]
    response = press(form, "添加")
    assert response.status_int == 303, visible_text(response)[:500]
    finding = _finding("路灯杆倾斜")
    assert len(finding.photos) == 2
    page = web.get(f"/patrols/{patrol.id}")
    thumbnails = page.html.select(f"a[href^='/patrols/{patrol.id}/findings/{finding.id}/photos/'] img")
    assert [img["alt"] for img in thumbnails] == ["现场照片", "现场照片"]
    photo = web.get(thumbnails[0]["src"])
    assert photo.content_type == "image/jpeg" and photo.headers["Cache-Control"] == "private, no-store"
    assert max(Image.open(BytesIO(photo.body)).size) <= 240  # the thumbnail
    assert Image.open(BytesIO(web.get(thumbnails[0].parent["href"]).body)).size == (640, 480)
    # Another grid's worker: the patrol and its photos do not exist for them.
    other = web_as("worker_b")
    assert other.get(thumbnails[0]["src"], expect_errors=True).status_int == 404
    assert other.get(f"/patrols/{patrol.id}", expect_errors=True).status_int == 404


def test_a_reported_finding_gives_the_matter_its_photos(web_as, world):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = _finding_form(web, patrol)
    form["description"] = "垃圾桶破损"
    choose(form, "matter_class", "城市管理")
    form["photos"] = [Upload("a.jpg", jpeg(), "image/jpeg")]
    assert press(form, "添加").status_int == 303
    matter = _finding("垃圾桶破损").matter
    assert matter is not None and [p.stage for p in matter.photos] == ["report"]
    page = web.get(f"/matters/{matter.id}")
    assert page.html.select("img[alt=现场照片]")


def test_photos_refused_at_the_field_keep_what_was_typed(web_as, world):
    patrol = world.records["a"]["patrol"]
    form = _finding_form(web_as("worker_a"), patrol)
    form["description"] = "围墙开裂"
    form["place"] = "东关路30号"
    form["photos"] = [Upload("not-a-photo.jpg", b"%PDF-1.4 not an image", "image/jpeg")]
    response = press(form, "添加")
    assert response.status_int == 200
    again = form_on(response, action=f"/patrols/{patrol.id}/findings")
    assert again["description"].value == "围墙开裂" and again["place"].value == "东关路30号"
    errors = visible_text(response)
    assert "照片" in errors and "未保存" in errors
    assert _finding("围墙开裂") is None


def test_deleting_a_finding_deletes_its_photo_files(web_as, world, app):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = _finding_form(web, patrol)
    form["description"] = "井盖松动"
    form["photos"] = [Upload("a.jpg", jpeg(), "image/jpeg")]
    assert press(form, "添加").status_int == 303
    finding = _finding("井盖松动")
    folder = Path(app.config["UPLOAD_FOLDER"]) / "findings"
    files = [folder / finding.photos[0].filename, folder / finding.photos[0].thumbnail]
    assert all(f.is_file() for f in files)
    confirm = web.get(f"/patrols/{patrol.id}/findings/{finding.id}/delete")
    assert press(form_on(confirm, button="确定删除"), "确定删除").status_int == 303
    assert _finding("井盖松动") is None
    assert not any(f.exists() for f in files)

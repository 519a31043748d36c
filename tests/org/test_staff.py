"""Grid staff: create and edit, phone rules, photos checked by content, the scoped
photo route, linked accounts, assignments, and what another grid's worker sees.
Forms are filled and sent as rendered (tests/web.py)."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org import photos
from app.org import staff_services as rules
from app.org.models import StaffAssignment, StaffMember
from app.org.services import OrgError
from tests.conftest import fresh, text_of
from tests.web import Upload, choose, forge, form_on, options, press, visible_text


def image_bytes(size=(40, 30), fmt="PNG", **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save_args)
    return out.getvalue()


def new_staff_form(web, **typed):
    """/staff/new as rendered, with what a station types for 张三."""
    form = form_on(web.get("/staff/new"))
    form["name"] = "张三"
    form["phone"] = "13912345678"
    choose(form, "home_division_id", "东关一网格")
    form["note"] = "负责一号楼"
    for name, value in typed.items():
        form[name] = value
    return form


def photo(data: bytes, name: str = "me.png", mimetype: str = "image/png") -> Upload:
    return Upload(name, data, mimetype)


def by_name(name):
    fresh()
    return db.session.scalar(select(StaffMember).where(StaffMember.name == name))


def audited(action, target_id=None):
    statement = select(AuditEvent).where(AuditEvent.action == action)
    if target_id is not None:
        statement = statement.where(AuditEvent.target_id == target_id)
    return db.session.scalar(statement) is not None


# --- Create and edit -----------------------------------------------------------------


def test_station_creates_and_edits_a_staff_member_with_a_photo(app, web_as, world):
    web = web_as("station_a")
    page = web.get("/staff/").click(description="新建人员")
    assert 'enctype="multipart/form-data"' in page.text
    form = new_staff_form(web)
    form["photo"] = photo(image_bytes())
    response = press(form, "保存")
    assert response.status_int == 303
    staff = by_name("张三")
    assert staff.phone == "13912345678" and staff.home_division_id == world.grid_a.id
    assert staff.note == "负责一号楼" and staff.user_id is None
    stored = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", staff.photo_filename) and stored.is_file()
    with Image.open(stored) as saved:
        assert saved.format == "JPEG"
    photo_response = web.get(f"/staff/{staff.id}/photo")
    assert photo_response.status_int == 200 and photo_response.content_type == "image/jpeg"
    assert photo_response.body == stored.read_bytes()
    assert audited("staff_created", staff.id)

    detail = response.follow()
    page = visible_text(detail)
    assert "张三" in page and "13912345678" in page and "东关一网格" in page

    form = form_on(detail.click(description="修改"))
    assert form["name"].value == "张三" and form["note"].value == "负责一号楼"
    form["name"] = "张三丰"
    form["phone"] = "0917-1234567"
    choose(form, "home_division_id", "东关社区")
    form["note"] = ""
    response = press(form, "保存")
    assert response.status_int == 303
    staff = by_name("张三丰")
    assert staff.phone == "0917-1234567" and staff.home_division_id == world.community_a.id
    assert staff.note == "" and stored.is_file()  # no new upload: the photo stays
    assert audited("staff_updated", staff.id)


def test_a_new_photo_replaces_the_old_file_and_removing_deletes_it(app, web_as, world):
    web = web_as("station_a")
    press(new_staff_form(web, photo=photo(image_bytes(), "a.png")), "保存")
    staff = by_name("张三")
    first = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    form = form_on(web.get(f"/staff/{staff.id}/edit"))
    form["photo"] = photo(image_bytes(fmt="JPEG"), "b.jpg", "image/jpeg")
    press(form, "保存")
    staff = by_name("张三")
    second = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    assert second.is_file() and not first.exists()
    form = form_on(web.get(f"/staff/{staff.id}/edit"))
    form["remove_photo"] = True
    press(form, "保存")
    staff = by_name("张三")
    assert staff.photo_filename is None and not second.exists()
    assert web.get(f"/staff/{staff.id}/photo", expect_errors=True).status_int == 404
    assert audited("staff_photo_removed", staff.id)
    assert "remove_photo" not in form_on(web.get(f"/staff/{staff.id}/edit")).fields  # nothing to remove now


def test_photos_are_shrunk_and_lose_their_exif(app, web_as, world):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° when shown
    big = image_bytes((1600, 1200), fmt="JPEG", exif=exif.tobytes())
    press(new_staff_form(web_as("station_a"), photo=photo(big, "big.jpg", "image/jpeg")), "保存")
    stored = Path(app.config["UPLOAD_FOLDER"]) / "staff" / by_name("张三").photo_filename
    with Image.open(stored) as saved:
        assert max(saved.size) <= photos.LONG_SIDE
        assert saved.size[1] > saved.size[0]  # the orientation was applied before EXIF went
        assert not saved.getexif()
    assert b"SecretCam" not in stored.read_bytes()


@pytest.mark.parametrize(
    "phone", ["12345678901", "1380000000", "138000000001", "2345678", "0917-123", "abc", "+86 138 0000 0000"]
)
def test_invalid_phone_is_refused_at_the_field_and_the_input_is_kept(web_as, world, phone):
    response = press(new_staff_form(web_as("station_a"), phone=phone, note="备注保留"), "保存")
    assert response.status_int == 200
    assert "电话号码格式不正确" in visible_text(response)
    assert 'id="phone-error"' in response.text  # the message sits at the phone field
    again = form_on(response)
    assert again["name"].value == "张三" and again["note"].value == "备注保留"
    assert again["home_division_id"].value == str(world.grid_a.id)
    assert by_name("张三") is None


@pytest.mark.parametrize(
    "phone,expected",
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("0917-1234567", "0917-1234567"),
        ("010-12345678", "010-12345678"),
        ("0917-1234567-801", "0917-1234567-801"),
        ("", ""),
    ],
)
def test_phone_rules(phone, expected):
    assert rules.clean_phone(phone) == expected


def test_service_numbers_only_for_departments():
    assert rules.clean_phone("12345", service_numbers=True) == "12345"
    with pytest.raises(OrgError):
        rules.clean_phone("12345")


def test_name_and_home_unit_are_required(web_as, world):
    web = web_as("station_a")
    form = new_staff_form(web, name="")
    choose(form, "home_division_id", "（请选择）")
    response = press(form, "保存")
    assert "此项为必填项" in visible_text(response)
    form = new_staff_form(web)
    choose(form, "home_division_id", "（请选择）")
    assert "请选择您管辖范围内" in visible_text(press(form, "保存"))
    assert by_name("张三") is None


def test_forged_home_unit_outside_scope_is_refused(web_as, world):
    """The page does not offer another town's grid: only a hand-built request names it."""
    web = web_as("station_a")
    offered = [value for value, _label in options(form_on(web.get("/staff/new")), "home_division_id")]
    assert str(world.grid_b.id) not in offered
    response = forge(
        web,
        "/staff/new",
        {"name": "张三", "phone": "13912345678", "home_division_id": str(world.grid_b.id), "note": ""},
    )
    assert "请选择您管辖范围内" in visible_text(response) and by_name("张三") is None


# --- Photos checked by content -------------------------------------------------------


def test_a_text_file_renamed_jpg_is_refused(app, web_as, world):
    form = new_staff_form(web_as("station_a"), photo=photo(b"not really a picture\n" * 20, "photo.jpg", "image/jpeg"))
    response = press(form, "保存")
    assert "照片须为 JPEG 或 PNG 图片。" in visible_text(response)
    assert form_on(response)["name"].value == "张三"
    assert by_name("张三") is None
    folder = Path(app.config["UPLOAD_FOLDER"]) / "staff"
    assert not folder.exists() or not any(folder.iterdir())


def test_other_image_formats_are_refused(web_as, world):
    form = new_staff_form(web_as("station_a"), photo=photo(image_bytes(fmt="GIF"), "photo.png"))
    response = press(form, "保存")
    assert "照片须为 JPEG 或 PNG 图片。" in visible_text(response) and by_name("张三") is None


def test_a_truncated_png_is_refused():
    data = image_bytes((300, 300))
    with pytest.raises(OrgError) as caught:
        photos.normalise(data[: len(data) // 2])
    assert caught.value.field == "photo"


def test_an_oversized_image_is_refused(app, web_as, world):
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3 * 1000 * 1000))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert out.tell() > app.config["PHOTO_MAX_BYTES"]
    response = press(new_staff_form(web_as("station_a"), photo=photo(out.getvalue(), "big.png")), "保存")
    assert "照片不能超过 2 MB。" in visible_text(response) and by_name("张三") is None


def test_a_good_photo_with_another_error_asks_to_choose_it_again(web_as, world):
    response = press(new_staff_form(web_as("station_a"), phone="123", photo=photo(image_bytes())), "保存")
    page = visible_text(response)
    assert "电话号码格式不正确" in page and "请重新选择照片" in page


def test_photo_route_is_scoped(app, client_as, web_as, world):
    worker_a = world.staff["worker_a"]
    form = form_on(web_as("station_a").get(f"/staff/{worker_a.id}/edit"))
    form["photo"] = photo(image_bytes())
    assert press(form, "保存").status_int == 303
    assert client_as("worker_a").get(f"/staff/{worker_a.id}/photo").status_code == 200
    assert client_as("worker_b").get(f"/staff/{worker_a.id}/photo").status_code == 404
    # In scope but without a photo: 404 too.
    assert client_as("admin").get(f"/staff/{world.staff['chief_a'].id}/photo").status_code == 404


# --- Linked accounts -----------------------------------------------------------------


def test_only_county_admins_link_accounts(web_as, world):
    chief = world.staff["chief_a"]
    station_form = form_on(web_as("station_a").get(f"/staff/{chief.id}/edit"))
    assert "user_id" not in station_form.fields  # the field is not there for them

    admin = web_as("admin")
    form = form_on(admin.get(f"/staff/{chief.id}/edit"))
    offered = [value for value, _label in options(form, "user_id")]
    # worker_b's account already belongs to another staff member: not offered.
    assert str(world.users["worker_b"].id) not in offered
    choose(form, "user_id", "town_a")
    response = press(form, "保存")
    assert response.status_int == 303
    assert by_name(chief.name).user_id == world.users["town_a"].id
    assert audited("staff_account_linked", chief.id)


def test_forged_account_links_are_refused(web_as, world):
    """A station's edit page has no account field, and the admin's does not offer an
    account already linked to someone else: hand-built requests only."""
    chief = world.staff["chief_a"]
    fields = {
        "name": chief.name,
        "phone": chief.phone,
        "home_division_id": str(chief.home_division_id),
        "note": "",
        "submit": "保存",
    }
    forge(web_as("station_a"), f"/staff/{chief.id}/edit", {**fields, "user_id": str(world.users["town_a"].id)})
    assert by_name(chief.name).user_id is None  # ignored: the field is not theirs
    response = forge(web_as("admin"), f"/staff/{chief.id}/edit", {**fields, "user_id": str(world.users["worker_b"].id)})
    assert "该账号不可选" in visible_text(response)
    assert by_name(chief.name).user_id is None


def test_grid_workers_may_view_but_not_edit(client_as, world):
    client = client_as("worker_a")
    own = world.staff["worker_a"]
    assert client.get(f"/staff/{own.id}").status_code == 200
    assert client.get(f"/staff/{own.id}/edit").status_code == 403
    assert client.get("/staff/new").status_code == 403
    assert "添加岗位" not in text_of(client.get(f"/staff/{own.id}"))


# --- Assignments ---------------------------------------------------------------------


def assignment_form(page, **typed):
    """The 添加岗位 form on a staff page, with a volunteer post in 东关二网格 typed in."""
    form = form_on(page, action="/assignments", button="添加岗位")
    choose(form, "division_id", "东关二网格")
    choose(form, "role", "志愿者")
    form["start_date"] = "2024-03-01"
    for name, value in typed.items():
        if name in ("division_id", "role"):
            choose(form, name, value)
        else:
            form[name] = value
    return form


def test_add_and_end_an_assignment(web_as, world):
    web = web_as("station_a")
    chief = world.staff["chief_a"]
    page = web.get(f"/staff/{chief.id}")
    response = press(assignment_form(page), "添加岗位")
    assert response.status_int == 303
    fresh()
    assignment = db.session.scalar(
        select(StaffAssignment).where(
            StaffAssignment.staff_id == chief.id, StaffAssignment.division_id == world.grid_a2.id
        )
    )
    assert assignment.role == "volunteer" and assignment.end_date is None
    assert audited("assignment_added", assignment.id)
    detail = response.follow()
    second_tab = web.get(f"/staff/{chief.id}")  # the page open twice
    page = visible_text(detail)
    assert "东关二网格" in page and "志愿者" in page and "2024-03-01" in page

    end = form_on(detail, action=f"/assignments/{assignment.id}/end")
    end["end_date"] = "2024-02-01"
    response = press(end, "结束岗位")
    assert response.status_int == 200
    assert "结束日期不能早于起始日期" in visible_text(response)
    assert form_on(response, action=f"/assignments/{assignment.id}/end")["end_date"].value == "2024-02-01"
    fresh()
    assert db.session.get(StaffAssignment, assignment.id).end_date is None

    end = form_on(response, action=f"/assignments/{assignment.id}/end")
    end["end_date"] = "2024-06-30"
    response = press(end, "结束岗位")
    assert response.status_int == 303
    fresh()
    assert db.session.get(StaffAssignment, assignment.id).end_date.isoformat() == "2024-06-30"
    assert audited("assignment_ended", assignment.id)
    # From the tab opened before, where the post still shows as current.
    stale = form_on(second_tab, action=f"/assignments/{assignment.id}/end")
    stale["end_date"] = "2024-07-30"
    assert "已于 2024-06-30 结束" in visible_text(press(stale, "结束岗位"))


@pytest.mark.parametrize(
    "typed,message",
    [
        ({"end_date": "2024-02-01"}, "结束日期不能早于起始日期"),
        ({"role": "其他"}, "请填写岗位名称"),
        ({"division_id": "（请选择）"}, "请选择您管辖范围内的网格"),
        ({"division_id": "东关社区"}, "“志愿者”应设在网格。"),
        ({"start_date": "2024-13-01"}, "有效日期"),
        ({"start_date": "2023-06-01"}, "不能早于网格设立日期"),
    ],
)
def test_assignment_errors_are_shown_at_the_field(web_as, world, typed, message):
    web = web_as("station_a")
    chief = world.staff["chief_a"]
    response = press(assignment_form(web.get(f"/staff/{chief.id}"), **typed), "添加岗位")
    assert response.status_int == 200 and message in visible_text(response)
    fresh()
    assert len(db.session.get(StaffMember, chief.id).assignments) == 1


@pytest.mark.parametrize("division", ["grid_b", "town_a"])
def test_forged_assignment_to_a_unit_not_offered_is_refused(web_as, world, division):
    """Another town's grid and the station's own town (above its scope) are not
    offered as where a post is held."""
    web = web_as("station_a")
    chief = world.staff["chief_a"]
    unit = getattr(world, division)
    page = web.get(f"/staff/{chief.id}")
    offered = [v for v, _label in options(form_on(page, action="/assignments", button="添加岗位"), "division_id")]
    assert str(unit.id) not in offered
    response = forge(
        web,
        f"/staff/{chief.id}/assignments",
        {"role": "volunteer", "start_date": "2024-03-01", "division_id": str(unit.id)},
    )
    assert "请选择您管辖范围内的网格" in visible_text(response)
    fresh()
    assert len(db.session.get(StaffMember, chief.id).assignments) == 1


def test_assignment_needs_an_active_grid(web_as, world):
    web = web_as("station_a")
    chief = world.staff["chief_a"]
    form = assignment_form(web.get(f"/staff/{chief.id}"))  # 东关二网格 offered when the page was read
    world.grid_a2.status = "retired"
    db.session.commit()
    response = press(form, "添加岗位")
    assert "请选择您管辖范围内的网格" in visible_text(response) or "已撤销" in visible_text(response)
    form = form_on(response, action="/assignments", button="添加岗位")
    assert not any("东关二网格" in label for _value, label in options(form, "division_id"))
    choose(form, "division_id", "东关一网格")
    choose(form, "role", "其他")
    form["role_note"] = "调解员"
    form["start_date"] = "2024-03-01"
    response = press(form, "添加岗位")
    assert response.status_int == 303
    fresh()
    assert {a.role_label for a in db.session.get(StaffMember, chief.id).assignments} == {"网格长", "调解员"}


def test_overlapping_same_post_is_refused(web_as, world):
    web = web_as("station_a")
    worker = world.staff["worker_a"]
    form = assignment_form(
        web.get(f"/staff/{worker.id}"), division_id="东关一网格", role="专职网格员", start_date="2024-05-01"
    )
    assert "时间重叠" in visible_text(press(form, "添加岗位"))


def test_forged_end_of_another_grids_assignment_is_404(web_as, world):
    other = world.staff["worker_b"].assignments[0]
    assert forge(web_as("station_a"), f"/assignments/{other.id}/end", {"end_date": "2024-06-30"}).status_int == 404


# --- Lists and scoping ---------------------------------------------------------------


def test_worker_b_cannot_see_staff_of_grid_a(client_as, world):
    client = client_as("worker_b")
    for key in ("worker_a", "chief_a"):
        assert client.get(f"/staff/{world.staff[key].id}").status_code == 404
    listing = text_of(client.get("/staff/"))
    assert "员工worker_b" in listing
    assert "员工worker_a" not in listing and "员工chief_a" not in listing
    assert "员工worker_a" not in text_of(client.get("/staff/?q=worker_a"))


def test_list_search_role_filter_and_pages(client_as, world):
    client = client_as("admin")
    assert "员工chief_a" in text_of(client.get("/staff/?q=chief"))
    assert "员工worker_a" not in text_of(client.get("/staff/?q=chief"))
    by_role = text_of(client.get("/staff/?role=grid_chief"))
    assert "员工chief_a" in by_role and "员工worker_b" not in by_role
    assert "没有符合条件的人员" in text_of(client.get("/staff/?q=nobody"))
    for number in range(35):
        db.session.add(StaffMember(name=f"批量{number:02d}", home_division=world.community_a))
    db.session.commit()
    first = text_of(client.get("/staff/"))
    assert "第 1 / 2 页" in first
    second = client.get("/staff/?page=2")
    assert second.status_code == 200 and "第 2 / 2 页" in text_of(second)

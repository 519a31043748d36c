"""Grid staff: create and edit, phone rules, photos checked by content, the scoped
photo route, linked accounts, assignments, and what another grid's worker sees."""
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


def image_bytes(size=(40, 30), fmt="PNG", **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save_args)
    return out.getvalue()


def staff_form(world, **overrides):
    data = {"name": "张三", "phone": "13912345678", "home_division_id": str(world.grid_a.id),
            "note": "负责一号楼"}
    data.update(overrides)
    return data


def post_staff(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


def by_name(name):
    fresh()
    return db.session.scalar(select(StaffMember).where(StaffMember.name == name))


def audited(action, target_id=None):
    statement = select(AuditEvent).where(AuditEvent.action == action)
    if target_id is not None:
        statement = statement.where(AuditEvent.target_id == target_id)
    return db.session.scalar(statement) is not None


# --- Create and edit -----------------------------------------------------------------

def test_station_creates_and_edits_a_staff_member_with_a_photo(app, client_as, world):
    client = client_as("station_a")
    form_page = client.get("/staff/new")
    assert 'enctype="multipart/form-data"' in form_page.get_data(as_text=True)
    response = post_staff(client, "/staff/new", staff_form(
        world, photo=(io.BytesIO(image_bytes()), "me.png")))
    assert response.status_code == 303
    staff = by_name("张三")
    assert staff.phone == "13912345678" and staff.home_division_id == world.grid_a.id
    assert staff.note == "负责一号楼" and staff.user_id is None
    stored = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", staff.photo_filename) and stored.is_file()
    with Image.open(stored) as saved:
        assert saved.format == "JPEG"
    photo = client.get(f"/staff/{staff.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data == stored.read_bytes()
    assert audited("staff_created", staff.id)

    page = text_of(client.get(f"/staff/{staff.id}"))
    assert "张三" in page and "13912345678" in page and "东关一网格" in page

    response = post_staff(client, f"/staff/{staff.id}/edit", staff_form(
        world, name="张三丰", phone="0917-1234567", home_division_id=str(world.community_a.id), note=""))
    assert response.status_code == 303
    staff = by_name("张三丰")
    assert staff.phone == "0917-1234567" and staff.home_division_id == world.community_a.id
    assert staff.note == "" and stored.is_file()  # no new upload: the photo stays
    assert audited("staff_updated", staff.id)


def test_a_new_photo_replaces_the_old_file_and_removing_deletes_it(app, client_as, world):
    client = client_as("station_a")
    post_staff(client, "/staff/new", staff_form(world, photo=(io.BytesIO(image_bytes()), "a.png")))
    staff = by_name("张三")
    first = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    post_staff(client, f"/staff/{staff.id}/edit", staff_form(
        world, photo=(io.BytesIO(image_bytes(fmt="JPEG")), "b.jpg")))
    staff = by_name("张三")
    second = Path(app.config["UPLOAD_FOLDER"]) / "staff" / staff.photo_filename
    assert second.is_file() and not first.exists()
    assert "remove_photo" in client.get(f"/staff/{staff.id}/edit").get_data(as_text=True)
    post_staff(client, f"/staff/{staff.id}/edit", staff_form(world, remove_photo="y"))
    staff = by_name("张三")
    assert staff.photo_filename is None and not second.exists()
    assert client.get(f"/staff/{staff.id}/photo").status_code == 404
    assert audited("staff_photo_removed", staff.id)


def test_photos_are_shrunk_and_lose_their_exif(app, client_as, world):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6            # Orientation: rotate 90° when shown
    big = image_bytes((1600, 1200), fmt="JPEG", exif=exif.tobytes())
    client = client_as("station_a")
    post_staff(client, "/staff/new", staff_form(world, photo=(io.BytesIO(big), "big.jpg")))
    stored = Path(app.config["UPLOAD_FOLDER"]) / "staff" / by_name("张三").photo_filename
    with Image.open(stored) as saved:
        assert max(saved.size) <= photos.LONG_SIDE
        assert saved.size[1] > saved.size[0]  # the orientation was applied before EXIF went
        assert not saved.getexif()
    assert b"SecretCam" not in stored.read_bytes()


@pytest.mark.parametrize("phone", ["12345678901", "1380000000", "138000000001", "2345678",
                                   "0917-123", "abc", "+86 138 0000 0000"])
def test_invalid_phone_is_refused_at_the_field_and_the_input_is_kept(client_as, world, phone):
    client = client_as("station_a")
    response = post_staff(client, "/staff/new", staff_form(world, phone=phone, note="备注保留"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "电话号码格式不正确" in text_of(response)
    assert 'id="phone-error"' in html  # the message sits at the phone field
    assert 'value="张三"' in html and "备注保留" in html
    assert f'selected value="{world.grid_a.id}"' in html
    assert by_name("张三") is None


@pytest.mark.parametrize("phone,expected", [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"), ("0917-1234567", "0917-1234567"),
    ("010-12345678", "010-12345678"), ("0917-1234567-801", "0917-1234567-801"), ("", "")])
def test_phone_rules(phone, expected):
    assert rules.clean_phone(phone) == expected


def test_service_numbers_only_for_departments():
    assert rules.clean_phone("12345", service_numbers=True) == "12345"
    with pytest.raises(OrgError):
        rules.clean_phone("12345")


def test_name_and_home_unit_are_required(client_as, world):
    client = client_as("station_a")
    response = post_staff(client, "/staff/new", staff_form(world, name="", home_division_id="0"))
    assert "此项为必填项" in text_of(response)
    response = post_staff(client, "/staff/new", staff_form(world, home_division_id="0"))
    assert "请选择您管辖范围内" in text_of(response)
    # A unit outside the station's scope is refused even if typed into the request.
    response = post_staff(client, "/staff/new", staff_form(world, home_division_id=str(world.grid_b.id)))
    assert "请选择您管辖范围内" in text_of(response) and by_name("张三") is None


# --- Photos checked by content -------------------------------------------------------

def test_a_text_file_renamed_jpg_is_refused(app, client_as, world):
    client = client_as("station_a")
    response = post_staff(client, "/staff/new", staff_form(
        world, photo=(io.BytesIO(b"not really a picture\n" * 20), "photo.jpg")))
    assert "照片须为 JPEG 或 PNG 图片。" in text_of(response)
    assert 'value="张三"' in response.get_data(as_text=True)
    assert by_name("张三") is None
    folder = Path(app.config["UPLOAD_FOLDER"]) / "staff"
    assert not folder.exists() or not any(folder.iterdir())


def test_other_image_formats_are_refused(client_as, world):
    client = client_as("station_a")
    response = post_staff(client, "/staff/new", staff_form(
        world, photo=(io.BytesIO(image_bytes(fmt="GIF")), "photo.png")))
    assert "照片须为 JPEG 或 PNG 图片。" in text_of(response) and by_name("张三") is None


def test_a_truncated_png_is_refused():
    data = image_bytes((300, 300))
    with pytest.raises(OrgError) as caught:
        photos.normalise(data[: len(data) // 2])
    assert caught.value.field == "photo"


def test_an_oversized_image_is_refused(app, client_as, world):
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3 * 1000 * 1000))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert out.tell() > app.config["PHOTO_MAX_BYTES"]
    out.seek(0)
    client = client_as("station_a")
    response = post_staff(client, "/staff/new", staff_form(world, photo=(out, "big.png")))
    assert "照片不能超过 2 MB。" in text_of(response) and by_name("张三") is None


def test_a_good_photo_with_another_error_asks_to_choose_it_again(client_as, world):
    client = client_as("station_a")
    response = post_staff(client, "/staff/new", staff_form(
        world, phone="123", photo=(io.BytesIO(image_bytes()), "me.png")))
    page = text_of(response)
    assert "电话号码格式不正确" in page and "请重新选择照片" in page


def test_photo_route_is_scoped(app, client_as, world):
    worker_a = world.staff["worker_a"]
    post_staff(client_as("station_a"), f"/staff/{worker_a.id}/edit", staff_form(
        world, name=worker_a.name, photo=(io.BytesIO(image_bytes()), "me.png")))
    assert client_as("worker_a").get(f"/staff/{worker_a.id}/photo").status_code == 200
    assert client_as("worker_b").get(f"/staff/{worker_a.id}/photo").status_code == 404
    # In scope but without a photo: 404 too.
    assert client_as("admin").get(f"/staff/{world.staff['chief_a'].id}/photo").status_code == 404


# --- Linked accounts -----------------------------------------------------------------

def test_only_county_admins_link_accounts(client_as, world):
    chief = world.staff["chief_a"]
    station = client_as("station_a")
    assert 'name="user_id"' not in station.get(f"/staff/{chief.id}/edit").get_data(as_text=True)
    post_staff(station, f"/staff/{chief.id}/edit",
               staff_form(world, name=chief.name, user_id=str(world.users["town_a"].id)))
    assert by_name(chief.name).user_id is None  # the field is not there for them

    admin = client_as("admin")
    html = admin.get(f"/staff/{chief.id}/edit").get_data(as_text=True)
    assert 'name="user_id"' in html
    # worker_b's account already belongs to another staff member: not offered.
    assert f'value="{world.users["worker_b"].id}"' not in re.search(
        r'<select[^>]*name="user_id".*?</select>', html, re.S).group(0)
    response = post_staff(admin, f"/staff/{chief.id}/edit",
                          staff_form(world, name=chief.name, user_id=str(world.users["worker_b"].id)))
    assert "该账号不可选" in text_of(response)
    response = post_staff(admin, f"/staff/{chief.id}/edit",
                          staff_form(world, name=chief.name, user_id=str(world.users["town_a"].id)))
    assert response.status_code == 303
    assert by_name(chief.name).user_id == world.users["town_a"].id
    assert audited("staff_account_linked", chief.id)


def test_grid_workers_may_view_but_not_edit(client_as, world):
    client = client_as("worker_a")
    own = world.staff["worker_a"]
    assert client.get(f"/staff/{own.id}").status_code == 200
    assert client.get(f"/staff/{own.id}/edit").status_code == 403
    assert client.get("/staff/new").status_code == 403
    assert "添加岗位" not in text_of(client.get(f"/staff/{own.id}"))


# --- Assignments ---------------------------------------------------------------------

def test_add_and_end_an_assignment(client_as, world):
    client = client_as("station_a")
    chief = world.staff["chief_a"]
    page = client.get(f"/staff/{chief.id}").get_data(as_text=True)
    assert 'name="start_date"' in page
    response = client.post(f"/staff/{chief.id}/assignments", data={
        "division_id": str(world.grid_a2.id), "role": "volunteer", "start_date": "2024-03-01"})
    assert response.status_code == 303
    fresh()
    assignment = db.session.scalar(select(StaffAssignment).where(
        StaffAssignment.staff_id == chief.id, StaffAssignment.division_id == world.grid_a2.id))
    assert assignment.role == "volunteer" and assignment.end_date is None
    assert audited("assignment_added", assignment.id)
    page = text_of(client.get(f"/staff/{chief.id}"))
    assert "东关二网格" in page and "志愿者" in page and "2024-03-01" in page

    response = client.post(f"/assignments/{assignment.id}/end", data={"end_date": "2024-02-01"})
    assert response.status_code == 200
    assert "结束日期不能早于起始日期" in text_of(response)
    assert 'value="2024-02-01"' in response.get_data(as_text=True)
    fresh()
    assert db.session.get(StaffAssignment, assignment.id).end_date is None

    response = client.post(f"/assignments/{assignment.id}/end", data={"end_date": "2024-06-30"})
    assert response.status_code == 303
    fresh()
    assert db.session.get(StaffAssignment, assignment.id).end_date.isoformat() == "2024-06-30"
    assert audited("assignment_ended", assignment.id)
    response = client.post(f"/assignments/{assignment.id}/end", data={"end_date": "2024-07-30"})
    assert "已于 2024-06-30 结束" in text_of(response)


@pytest.mark.parametrize("overrides,message", [
    ({"end_date": "2024-02-01"}, "结束日期不能早于起始日期"),
    ({"role": "other"}, "请填写岗位名称"),
    ({"division_id": "0"}, "请选择您管辖范围内的网格"),
    ({"start_date": "2024-13-01"}, "有效日期"),
    ({"start_date": "2023-06-01"}, "不能早于网格设立日期"),
])
def test_assignment_errors_are_shown_at_the_field(client_as, world, overrides, message):
    client = client_as("station_a")
    chief = world.staff["chief_a"]
    data = {"division_id": str(world.grid_a2.id), "role": "volunteer", "start_date": "2024-03-01"}
    data.update(overrides)
    response = client.post(f"/staff/{chief.id}/assignments", data=data)
    assert response.status_code == 200 and message in text_of(response)
    fresh()
    assert len(db.session.get(StaffMember, chief.id).assignments) == 1


def test_assignment_needs_a_visible_active_grid(client_as, world):
    client = client_as("station_a")
    chief = world.staff["chief_a"]
    base = {"role": "volunteer", "start_date": "2024-03-01"}
    for division in (world.grid_b, world.community_a):
        response = client.post(f"/staff/{chief.id}/assignments", data={**base, "division_id": str(division.id)})
        assert "请选择您管辖范围内的网格" in text_of(response)
    world.grid_a2.status = "retired"
    db.session.commit()
    response = client.post(f"/staff/{chief.id}/assignments", data={**base, "division_id": str(world.grid_a2.id)})
    assert "请选择您管辖范围内的网格" in text_of(response) or "已撤销" in text_of(response)
    response = client.post(f"/staff/{chief.id}/assignments", data={
        **base, "role": "other", "role_note": "调解员", "division_id": str(world.grid_a.id)})
    assert response.status_code == 303
    fresh()
    assert {a.role_label for a in db.session.get(StaffMember, chief.id).assignments} == {"网格长", "调解员"}


def test_overlapping_same_post_is_refused(client_as, world):
    client = client_as("station_a")
    worker = world.staff["worker_a"]
    response = client.post(f"/staff/{worker.id}/assignments", data={
        "division_id": str(world.grid_a.id), "role": "full_time_worker", "start_date": "2024-05-01"})
    assert "时间重叠" in text_of(response)


def test_assignments_of_another_grid_cannot_be_ended(client_as, world):
    client = client_as("station_a")
    other = world.staff["worker_b"].assignments[0]
    assert client.post(f"/assignments/{other.id}/end", data={"end_date": "2024-06-30"}).status_code == 404


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

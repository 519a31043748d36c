"""Functional departments: everyone signed in reads them; county administrators
alone create, edit, deactivate and reactivate them."""
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import Department
from tests.conftest import fresh, text_of

NEW = {"name": "县民政局", "short_name": "民政", "contact_name": "王科长", "phone": "0917-7654321",
       "address": "县府路2号", "duties": "低保、养老\n救助"}


def department_named(name):
    fresh()
    return db.session.scalar(select(Department).where(Department.name == name))


def test_everyone_signed_in_reads_the_list(client_as, world):
    for username in ("worker_b", "dept", "leader_a"):
        page = text_of(client_as(username).get("/departments/"))
        assert "县城市管理局" in page and "0000-1234567" in page
        assert "新建职能部门" not in page
    assert client_as("worker_b").get(f"/departments/{world.department.id}").status_code == 200


@pytest.mark.parametrize("username", ["station_a", "town_a", "worker_a", "leader_a"])
def test_only_county_admins_change_departments(client_as, world, username):
    client = client_as(username)
    department_id = world.department.id
    assert client.get("/departments/new").status_code == 403
    assert client.post("/departments/new", data=NEW).status_code == 403
    assert client.get(f"/departments/{department_id}/edit").status_code == 403
    assert client.post(f"/departments/{department_id}/edit", data=NEW).status_code == 403
    assert client.post(f"/departments/{department_id}/deactivate").status_code == 403
    assert department_named("县民政局") is None and department_named("县城市管理局").is_active


def test_admin_creates_edits_deactivates_and_reactivates(client_as, world):
    client = client_as("admin")
    assert "新建职能部门" in text_of(client.get("/departments/"))
    response = client.post("/departments/new", data=NEW)
    assert response.status_code == 303
    department = department_named("县民政局")
    assert department.short_name == "民政" and department.phone == "0917-7654321"
    assert department.duties == "低保、养老\n救助" and department.is_active
    detail = text_of(client.get(f"/departments/{department.id}"))
    assert "王科长" in detail and "县府路2号" in detail

    response = client.post(f"/departments/{department.id}/edit", data={**NEW, "phone": "12345"})
    assert response.status_code == 303
    assert department_named("县民政局").phone == "12345"

    assert client.post(f"/departments/{department.id}/deactivate").status_code == 303
    assert not department_named("县民政局").is_active
    assert "已停用" in text_of(client.get("/departments/"))
    assert client.post(f"/departments/{department.id}/activate").status_code == 303
    assert department_named("县民政局").is_active
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == department.id,
                                                                     AuditEvent.target_type == "department")))
    assert {"department_created", "department_updated", "department_deactivated",
            "department_reactivated"} <= actions


def test_department_names_are_unique(client_as, world):
    client = client_as("admin")
    response = client.post("/departments/new", data={**NEW, "name": "县城市管理局"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "已有名为“县城市管理局”的职能部门" in text_of(response) and 'id="name-error"' in html
    assert 'value="王科长"' in html  # what was typed is kept
    client.post("/departments/new", data=NEW)
    other = department_named("县民政局")
    response = client.post(f"/departments/{other.id}/edit", data={**NEW, "name": "县城市管理局"})
    assert "已有名为" in text_of(response)
    # Keeping one's own name is not a clash.
    assert client.post(f"/departments/{other.id}/edit", data=NEW).status_code == 303


def test_department_phone_is_checked(client_as, world):
    response = client_as("admin").post("/departments/new", data={**NEW, "phone": "7654321"})
    assert "电话号码格式不正确" in text_of(response)
    assert department_named("县民政局") is None

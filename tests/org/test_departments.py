"""Functional departments: everyone signed in reads them; county administrators
alone create, edit, deactivate and reactivate them. Forms are filled and sent as
rendered (tests/web.py)."""

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import Department
from tests.conftest import fresh, text_of
from tests.web import forge, form_on, press, visible_text

NEW = {
    "name": "县民政局",
    "short_name": "民政",
    "contact_name": "王科长",
    "phone": "0917-7654321",
    "address": "县府路2号",
    "duties": "低保、养老\n救助",
}


def department_named(name):
    fresh()
    return db.session.scalar(select(Department).where(Department.name == name))


def type_into(form, **typed):
    for name, value in typed.items():
        form[name] = value
    return form


def test_everyone_signed_in_reads_the_list(client_as, world):
    for username in ("worker_b", "dept", "leader_a"):
        page = text_of(client_as(username).get("/departments/"))
        assert "县城市管理局" in page and "0000-1234567" in page
        assert "新建职能部门" not in page
    assert client_as("worker_b").get(f"/departments/{world.department.id}").status_code == 200


@pytest.mark.parametrize("username", ["station_a", "town_a", "worker_a", "leader_a"])
def test_forged_department_changes_by_other_roles_are_refused(web_as, world, username):
    """No page offers these roles the forms: hand-built requests are refused."""
    web = web_as(username)
    department_id = world.department.id
    page = web.get(f"/departments/{department_id}")
    assert f"/departments/{department_id}/edit" not in page.text and "停用" not in visible_text(page)
    assert web.get("/departments/new", expect_errors=True).status_int == 403
    assert forge(web, "/departments/new", NEW).status_int == 403
    assert web.get(f"/departments/{department_id}/edit", expect_errors=True).status_int == 403
    assert forge(web, f"/departments/{department_id}/edit", NEW).status_int == 403
    assert forge(web, f"/departments/{department_id}/deactivate").status_int == 403
    assert department_named("县民政局") is None and department_named("县城市管理局").is_active


def test_admin_creates_edits_deactivates_and_reactivates(web_as, world):
    web = web_as("admin")
    form = form_on(web.get("/departments/").click(description="新建职能部门"))
    response = press(type_into(form, **NEW), "保存")
    assert response.status_int == 303
    department = department_named("县民政局")
    assert department.short_name == "民政" and department.phone == "0917-7654321"
    assert department.duties == "低保、养老\n救助" and department.is_active
    detail = response.follow()
    assert "王科长" in visible_text(detail) and "县府路2号" in visible_text(detail)

    form = form_on(detail.click(description="修改"))
    assert form["contact_name"].value == "王科长"  # the saved values, as rendered
    form["phone"] = "12345"
    response = press(form, "保存")
    assert response.status_int == 303
    assert department_named("县民政局").phone == "12345"

    detail = response.follow()
    response = press(form_on(detail, button="停用"), "停用")
    assert response.status_int == 303
    assert not department_named("县民政局").is_active
    assert "已停用" in visible_text(web.get("/departments/"))
    response = press(form_on(response.follow(), button="重新启用"), "重新启用")
    assert response.status_int == 303
    assert department_named("县民政局").is_active
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.target_id == department.id, AuditEvent.target_type == "department"
            )
        )
    )
    assert {"department_created", "department_updated", "department_deactivated", "department_reactivated"} <= actions


def test_department_names_are_unique(web_as, world):
    web = web_as("admin")
    form = type_into(form_on(web.get("/departments/new")), **{**NEW, "name": "县城市管理局"})
    response = press(form, "保存")
    assert response.status_int == 200
    assert "已有名为“县城市管理局”的职能部门" in visible_text(response) and 'id="name-error"' in response.text
    assert form_on(response)["contact_name"].value == "王科长"  # what was typed is kept
    press(type_into(form_on(web.get("/departments/new")), **NEW), "保存")
    other = department_named("县民政局")
    form = form_on(web.get(f"/departments/{other.id}/edit"))
    form["name"] = "县城市管理局"
    assert "已有名为" in visible_text(press(form, "保存"))
    # Keeping one's own name is not a clash.
    form = form_on(web.get(f"/departments/{other.id}/edit"))
    form["duties"] = "低保"
    assert press(form, "保存").status_int == 303


def test_department_phone_is_checked(web_as, world):
    form = type_into(form_on(web_as("admin").get("/departments/new")), **{**NEW, "phone": "7654321"})
    assert "电话号码格式不正确" in visible_text(press(form, "保存"))
    assert department_named("县民政局") is None

"""三员分立: the system, security and audit administrators are separate roles, each
reaching only its own pages; two duties in one account only through an audited
setting; refused requests logged, and a burst of them raised to the audit
administrator. Forms are filled and sent as rendered (tests/web.py)."""

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent, User
from app.extensions import db
from tests.conftest import fresh
from tests.web import choose, forge, form_on, press, visible_text


def events(action: str) -> list[AuditEvent]:
    fresh()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize(
    "username, reaches, refused",
    [
        (
            "sysadmin",
            ["/admin/users/", "/admin/users/new", "/admin/settings/system"],
            ["/admin/audit", "/admin/settings/security", "/residents/", "/divisions/", "/matters/", "/staff/"],
        ),
        (
            "secadmin",
            ["/admin/users/", "/admin/settings/security"],
            ["/admin/audit", "/admin/users/new", "/admin/settings/system", "/residents/", "/key-persons/"],
        ),
        (
            "auditor",
            ["/admin/audit"],
            [
                "/admin/users/",
                "/admin/settings/system",
                "/admin/settings/security",
                "/residents/",
                "/divisions/",
                "/dashboard/",
            ],
        ),
        (
            "admin",
            ["/residents/", "/divisions/"],
            ["/admin/users/", "/admin/audit", "/admin/settings/system", "/admin/settings/security"],
        ),
    ],
)
def test_each_administrator_reaches_only_its_own_pages(client_as, world, username, reaches, refused):
    client = client_as(username)
    for path in reaches:
        assert client.get(path).status_code == 200, path
    for path in refused:
        assert client.get(path).status_code == 404, path


def test_the_menu_of_an_administrator_offers_only_its_pages(web_as, world):
    menu = web_as("auditor").get("/").html.find("nav", attrs={"aria-label": "主菜单"})
    assert [a.get_text() for a in menu.find_all("a")] == ["首页", "审计日志"]
    menu = web_as("sysadmin").get("/").html.find("nav", attrs={"aria-label": "主菜单"})
    assert [a.get_text() for a in menu.find_all("a")] == ["首页", "账号", "系统设置"]


def test_the_security_administrator_cannot_take_away_its_own_role(web_as, world):
    security = web_as("secadmin")
    form = form_on(security.get(f"/admin/users/{world.users['secadmin'].id}/access"))
    choose(form, "role", "审计管理员")
    response = press(form, "保存授权")
    assert response.status_int == 200 and "不能取消自己的安全管理员角色" in visible_text(response)
    fresh()
    assert db.session.get(User, world.users["secadmin"].id).role == "security_admin"


def test_two_duties_in_one_account_only_through_the_audited_setting(web_as, world):
    security = web_as("secadmin")
    auditor_id = world.users["auditor"].id
    # Off (the default): the page offers no second role, and a forged one is refused.
    page = security.get(f"/admin/users/{auditor_id}/access")
    assert "second_role" not in form_on(page).fields
    response = forge(
        security,
        f"/admin/users/{auditor_id}/access",
        {"role": "audit_admin", "second_role": "system_admin", "scope_division_id": "0", "scope_department_id": "0"},
    )
    assert "未开启" in visible_text(response)
    fresh()
    assert db.session.get(User, auditor_id).second_role is None

    form = form_on(security.get("/admin/settings/security"))
    form["ADMIN_DUTIES_COMBINED"] = True
    assert press(form, "保存设置").status_int == 303
    [changed] = events("setting_changed")
    assert changed.actor_name == "secadmin" and changed.detail == {
        "setting": "ADMIN_DUTIES_COMBINED",
        "before": 0,
        "after": 1,
    }

    form = form_on(security.get(f"/admin/users/{auditor_id}/access"))
    choose(form, "second_role", "系统管理员")
    assert press(form, "保存授权").status_int == 303
    fresh()
    assert db.session.get(User, auditor_id).second_role == "system_admin"
    both = web_as("auditor")
    assert both.get("/admin/audit").status_int == 200 and both.get("/admin/users/new").status_int == 200
    assert both.get("/residents/", expect_errors=True).status_int == 404

    # Never beside a working role, never the same role twice.
    form = form_on(security.get(f"/admin/users/{world.users['worker_a'].id}/access"))
    choose(form, "second_role", "审计管理员")
    response = press(form, "保存授权")
    assert "只有系统管理员、安全管理员、审计管理员三者之间可以兼任" in visible_text(response)

    # The setting cannot be turned off while an account holds two duties.
    form = form_on(security.get("/admin/settings/security"))
    form["ADMIN_DUTIES_COMBINED"] = False
    response = press(form, "保存设置")
    assert response.status_int == 200 and "auditor" in visible_text(response)
    fresh()
    assert len(events("setting_changed")) == 1


def test_settings_refuse_bad_values_at_the_field_and_keep_the_rest(web_as, world):
    system = web_as("sysadmin")
    form = form_on(system.get("/admin/settings/system"))
    form["IMPORT_MAX_ROWS"] = "5"
    form["PUBLIC_SURVEY_MIN_ANSWERS"] = "12"
    response = press(form, "保存设置")
    assert response.status_int == 200
    assert "请输入 1000 到 1000000 之间的整数" in visible_text(response)
    assert form_on(response)["PUBLIC_SURVEY_MIN_ANSWERS"].value == "12"
    assert events("setting_changed") == []
    form = form_on(response)
    form["IMPORT_MAX_ROWS"] = "20000"
    assert press(form, "保存设置").status_int == 303
    assert {e.detail["setting"] for e in events("setting_changed")} == {"IMPORT_MAX_ROWS", "PUBLIC_SURVEY_MIN_ANSWERS"}
    assert form_on(system.get("/admin/settings/system"))["IMPORT_MAX_ROWS"].value == "20000"


def test_a_saved_setting_is_the_one_in_force(web_as, world, app):
    """The lockout threshold lowered on the security page locks after that many failures."""
    form = form_on(web_as("secadmin").get("/admin/settings/security"))
    form["LOGIN_MAX_FAILURES"] = "3"
    press(form, "保存设置")
    from tests.web import Web

    stranger = Web(app)
    for _attempt in range(3):
        response = stranger.sign_in("worker_a", "wrong-Passw0rd")
    assert "已被锁定" in visible_text(response)


def test_the_security_administrator_unlocks_an_account(web_as, world, app):
    from tests.web import Web

    stranger = Web(app)
    for _attempt in range(5):
        stranger.sign_in("worker_a", "wrong-Passw0rd")
    assert "已被锁定" in visible_text(stranger.sign_in("worker_a"))
    security = web_as("secadmin")
    assert "worker_a" in visible_text(security.get("/"))  # listed as locked on the start page
    detail = security.get(f"/admin/users/{world.users['worker_a'].id}")
    assert press(form_on(detail, button="解除锁定"), "解除锁定").status_int == 303
    assert stranger.sign_in("worker_a").status_int == 302
    assert [e.actor_name for e in events("account_unlocked")] == ["secadmin"]


def test_refused_requests_are_logged_and_a_burst_alerts_the_audit_administrator(web_as, world):
    form = form_on(web_as("secadmin").get("/admin/settings/security"))
    form["REFUSED_BURST_COUNT"] = "3"
    press(form, "保存设置")
    worker = web_as("worker_a")
    other_grid = world.residents["b"]
    # Another grid's resident, a page the role may not open, an administrator's page.
    worker.get(f"/residents/{other_grid.id}", status=404)
    [refused] = events("access_refused")
    assert refused.actor_name == "worker_a" and refused.target_type is None
    assert refused.detail == {"status": 404, "target_type": "resident", "target_id": other_grid.id}
    assert events("refusal_burst") == []
    worker.get("/admin/audit", status=404)
    worker.get(f"/residents/{other_grid.id}/edit", status=404)
    worker.get(f"/residents/{other_grid.id}", status=404)  # past the threshold: still one alert
    assert len(events("access_refused")) == 4
    [alert] = events("refusal_burst")
    assert alert.actor_name == "worker_a" and alert.target_id == world.users["worker_a"].id
    # A record that does not exist is no refusal: nothing was there to refuse.
    worker.get("/residents/999999", status=404)
    assert len(events("access_refused")) == 4

    auditor = web_as("auditor")
    page = auditor.get("/admin/audit")
    alerts = page.html.find("section", class_="alerts")
    assert alerts is not None and "worker_a" in alerts.get_text() and "越权访问被拒绝" in alerts.get_text()
    # Above the log itself: the first table of the page.
    assert page.html.find("table") is alerts.find("table")
    assert "1 条越权访问告警待查看" in visible_text(auditor.get("/"))
    assert press(form_on(page, button="标记为已阅"), "标记为已阅").status_int == 303
    assert auditor.get("/admin/audit").html.find("section", class_="alerts") is None
    [read] = events("alert_acknowledged")
    assert read.actor_name == "auditor" and read.target_id == alert.id


def test_a_refused_write_saves_nothing(web_as, world):
    """A forged edit of another grid's resident: refused, logged, and the resident unchanged."""
    worker = web_as("worker_a")
    resident = world.residents["b"]
    name = resident.name
    response = forge(worker, f"/residents/{resident.id}/edit", {"name": "改名"})
    assert response.status_int == 404
    fresh()
    from app.registry.people.models import Resident

    assert db.session.get(Resident, resident.id).name == name
    assert [e.summary for e in events("access_refused")] == [f"POST /residents/{resident.id}/edit"]


def test_create_administrators_after_an_upgrade(runner, world):
    """A database set up before 三员分立 gets its administrators from the command line."""
    db.session.execute(User.__table__.delete().where(User.username.in_(["sysadmin", "auditor"])))
    db.session.commit()
    result = runner.invoke(args=["accounts", "create-administrators"])
    assert result.exit_code == 0, result.output
    assert "sysadmin" in result.output and "auditor" in result.output and "secadmin" not in result.output
    fresh()
    created = db.session.scalar(select(User).where(User.username == "sysadmin"))
    assert created.role == "system_admin" and created.must_change_password
    again = runner.invoke(args=["accounts", "create-administrators"])
    assert "均已存在" in again.output

"""Account administration and the append-only audit log. Forms are filled and sent
as rendered (tests/web.py)."""

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent, AuditLogIsAppendOnly, User
from app.extensions import db
from tests.conftest import fresh, text_of
from tests.web import Web, choose, form_on, press, visible_text

# What the system administrator types for a new account.
NEW_USER = {"username": "newworker", "display_name": "新网格员", "password": "Wangge#2026", "confirm": "Wangge#2026"}


def new_user_form(web, **typed):
    """/admin/users/new, reached from the account list, with 新网格员 typed in."""
    form = form_on(web.get("/admin/users/").click(description="新建账号"))
    for name, value in {**NEW_USER, **typed}.items():
        form[name] = value
    return form


def access_form(web, user_id: int, role: str = "网格员"):
    """The security administrator's 分配角色与范围 page for an account, the role chosen."""
    form = form_on(web.get(f"/admin/users/{user_id}").click(description="分配角色与范围"))
    choose(form, "role", role)
    return form


def test_an_account_is_created_by_one_administrator_and_authorised_by_another(app, web_as, world):
    response = press(new_user_form(web_as("sysadmin")), "创建账号")
    assert response.status_int == 303
    assert "安全管理员为其分配角色" in visible_text(response.follow())
    fresh()
    user = db.session.scalar(select(User).where(User.username == "newworker"))
    assert user.role is None and user.must_change_password
    # Until authorised it cannot sign in, whatever its password.
    newcomer = Web(app)
    assert "尚未授权" in visible_text(newcomer.sign_in("newworker", "Wangge#2026"))
    security = web_as("secadmin")
    assert "newworker" in visible_text(security.get("/"))  # waiting on the security administrator's start page
    form = access_form(security, user.id)
    choose(form, "scope_division_id", "东关一网格")
    assert press(form, "保存授权").status_int == 303
    fresh()
    user = db.session.get(User, user.id)
    assert user.role == "grid_worker" and user.scope_division_id == world.grid_a.id
    assert newcomer.sign_in("newworker", "Wangge#2026").headers["Location"].endswith("/password")


@pytest.mark.parametrize(
    "typed, message",
    [
        ({"username": "admin"}, "用户名已存在"),
        ({"password": "short", "confirm": "short"}, "至少需要 8 个字符"),
        ({"confirm": "Other1234"}, "两次输入的密码不一致"),
    ],
)
def test_account_errors_are_shown_at_the_field_and_keep_the_input(web_as, world, typed, message):
    response = press(new_user_form(web_as("sysadmin"), **typed), "创建账号")
    assert response.status_int == 200
    assert message in visible_text(response)
    assert form_on(response)["display_name"].value == "新网格员"


@pytest.mark.parametrize(
    "scope, role, message",
    [
        (None, "网格员", "请选择账号的管辖范围"),
        ("城关镇", "网格员", "该角色的管辖范围必须是一个网格"),
        (None, "职能部门经办人", "必须选择所属部门"),
    ],
)
def test_access_errors_are_shown_at_the_field(web_as, world, scope, role, message):
    form = access_form(web_as("secadmin"), world.users["worker_a"].id, role)
    choose(form, "scope_division_id", scope or "（无）")
    response = press(form, "保存授权")
    assert response.status_int == 200 and message in visible_text(response)


def test_role_and_scope_changes_are_audited_and_end_sessions(client_as, web_as, world):
    worker = client_as("worker_a")
    form = access_form(web_as("secadmin"), world.users["worker_a"].id, "村（社区）工作站（网格长、站员）")
    choose(form, "scope_division_id", "东关社区")
    assert press(form, "保存授权").status_int == 303
    fresh()
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.target_type == "user_account", AuditEvent.target_id == world.users["worker_a"].id
            )
        )
    ]
    assert "role_changed" in actions and "scope_changed" in actions
    assert worker.get("/").status_code == 302  # a new scope applies at once


def test_the_system_administrator_edits_names_not_roles(web_as, world):
    sysadmin = web_as("sysadmin")
    page = sysadmin.get(f"/admin/users/{world.users['worker_a'].id}")
    assert "分配角色与范围" not in visible_text(page)
    form = form_on(page.click(description="修改姓名与电话"))
    assert "role" not in form.fields and "scope_division_id" not in form.fields
    form["display_name"] = "张网格"
    assert press(form, "保存").status_int == 303
    fresh()
    assert db.session.get(User, world.users["worker_a"].id).display_name == "张网格"
    assert sysadmin.get(f"/admin/users/{world.users['worker_a'].id}/access", expect_errors=True).status_int == 404


def test_non_administrators_get_404_on_account_pages(client_as, world):
    for username in ("admin", "town_a", "station_a", "worker_a", "leader_a", "dept"):
        client = client_as(username)
        assert client.get("/admin/users/").status_code == 404
        assert client.get("/admin/audit").status_code == 404


def test_audit_log_records_logins_failures_and_lockouts_with_ip(web, world):
    web.extra_environ["REMOTE_ADDR"] = "203.0.113.9"  # the browser's address, as a server sees it
    web.sign_in("worker_a", "nope-nope-1")
    web.sign_in("ghost", "nope-nope-1")
    web.sign_in("worker_a")
    fresh()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.actor_name) for e in events][-3:] == [
        ("login_failed", "worker_a"),
        ("login_failed", "ghost"),
        ("login", "worker_a"),
    ]
    assert {e.ip_address for e in events[-3:]} == {"203.0.113.9"}


def test_the_audit_administrator_filters_the_audit_log(client_as, web_as, world):
    client = client_as("auditor")
    other = web_as("worker_a")
    sign_out(other)
    page = text_of(client.get("/admin/audit?action=logout"))
    assert "退出登录" in page and "worker_a" in page
    page = text_of(client.get("/admin/audit?action=logout&actor=station"))
    assert "worker_a" not in page
    page = text_of(client.get("/admin/audit?date_from=2020-13-01"))
    assert "日期格式应为 YYYY-MM-DD" in page


def sign_out(web):
    """Press 退出 in the page header (a navigation form: form_on leaves it aside)."""
    page = web.get("/")
    forms = [f for k, f in page.forms.items() if isinstance(k, int) and (f.action or "").endswith("/logout")]
    assert len(forms) == 1, [f.action for f in page.forms.values()]
    return press(forms[0], "退出")


def test_the_audit_log_cannot_be_changed_from_the_app(world):
    event = AuditEvent(action="login", actor_name="x")
    db.session.add(event)
    db.session.commit()
    event.summary = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).summary == ""


def test_account_search_answers_htmx_with_just_the_rows(client_as, world):
    client = client_as("sysadmin")
    full = client.get("/admin/users/?q=worker")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    fragment = client.get("/admin/users/?q=worker_b", headers={"HX-Request": "true", "HX-Target": "user-rows"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "worker_b" in body and "station_a" not in body
    # A boosted navigation also sends HX-Request but wants the whole page.
    boosted = client.get(
        "/admin/users/", headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "user-rows"}
    )
    assert "<html" in boosted.get_data(as_text=True)


def test_every_audited_action_has_a_label():
    """The audit page names each action in words; a new action needs a label."""
    import re
    from pathlib import Path

    from app.auth.audit_views import AUDIT_ACTIONS

    root = Path(__file__).resolve().parents[2] / "app"
    used = set()
    for path in root.rglob("*.py"):
        source = path.read_text()
        used |= set(re.findall(r'audit\.record\(\s*"([a-z_]+)"', source))
        # Actions chosen at run time ("account_enabled"); not flags such as "is_enabled".
        used |= set(
            re.findall(
                r'"((?!is_)[a-z]+_(?:enabled|disabled|deactivated|reactivated|removed|unlinked|linked))"', source
            )
        )
    assert used and used <= set(AUDIT_ACTIONS), used - set(AUDIT_ACTIONS)


def test_governance_duty_is_set_by_the_security_administrator_and_audited(web_as, world):
    security = web_as("secadmin")
    form = access_form(security, world.users["town_a"].id, "镇（街道）工作人员")
    form["governance_duty"] = True
    assert press(form, "保存授权").status_int == 303
    fresh()
    assert db.session.get(User, world.users["town_a"].id).governance_duty is True
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "scope_changed")).all()[-1]
    assert event.detail == {"governance_duty": True}
    # The duty means nothing for other roles: ticked for a station account, it is not kept.
    form = access_form(security, world.users["station_a"].id, "村（社区）工作站（网格长、站员）")
    form["governance_duty"] = True
    press(form, "保存授权")
    fresh()
    assert db.session.get(User, world.users["station_a"].id).governance_duty is False

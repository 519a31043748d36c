"""Account administration and the append-only audit log."""
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent, AuditLogIsAppendOnly, User
from app.extensions import db
from tests.conftest import fresh, login, text_of


def _new_user(**overrides):
    data = {"username": "newworker", "display_name": "新网格员", "role": "grid_worker", "phone": "",
            "scope_division_id": "0", "scope_department_id": "0", "password": "Welcome123", "confirm": "Welcome123"}
    data.update(overrides)
    return data


def test_admin_creates_an_account_that_must_change_its_password(app, client_as, world):
    admin = client_as("admin")
    response = admin.post("/admin/users/new", data=_new_user(scope_division_id=str(world.grid_a.id)))
    assert response.status_code == 303
    fresh()
    user = db.session.scalar(select(User).where(User.username == "newworker"))
    assert user.scope_division_id == world.grid_a.id and user.must_change_password
    client = app.test_client()
    assert login(client, "newworker", "Welcome123").headers["Location"].endswith("/password")


@pytest.mark.parametrize("overrides, message", [
    ({}, "请选择账号的管辖范围"),
    ({"scope_division_id": "TOWN"}, "该角色的管辖范围必须是一个网格"),
    ({"role": "department_handler"}, "必须选择所属部门"),
    ({"username": "admin", "scope_division_id": "GRID"}, "用户名已存在"),
    ({"password": "short", "confirm": "short", "scope_division_id": "GRID"}, "至少需要 8 个字符"),
    ({"confirm": "Other1234", "scope_division_id": "GRID"}, "两次输入的密码不一致"),
])
def test_account_errors_are_shown_at_the_field_and_keep_the_input(client_as, world, overrides, message):
    ids = {"TOWN": str(world.town_a.id), "GRID": str(world.grid_a.id)}
    overrides = {k: ids.get(v, v) for k, v in overrides.items()}
    response = client_as("admin").post("/admin/users/new", data=_new_user(**overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    assert 'value="新网格员"' in response.get_data(as_text=True)


def test_role_and_scope_changes_are_audited_and_end_sessions(client_as, world):
    worker = client_as("worker_a")
    admin = client_as("admin")
    response = admin.post(f"/admin/users/{world.users['worker_a'].id}/edit", data={
        "display_name": "worker_a", "role": "station_staff", "scope_division_id": str(world.community_a.id),
        "scope_department_id": "0", "phone": ""})
    assert response.status_code == 303
    fresh()
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "user_account", AuditEvent.target_id == world.users["worker_a"].id))]
    assert "role_changed" in actions and "scope_changed" in actions
    assert worker.get("/").status_code == 302  # a new scope applies at once


def test_non_admins_get_404_on_account_pages(client_as, world):
    for username in ("town_a", "station_a", "worker_a", "leader_a", "dept"):
        client = client_as(username)
        assert client.get("/admin/users/").status_code == 404
        assert client.get("/admin/audit").status_code == 404


def test_audit_log_records_logins_failures_and_lockouts_with_ip(client, world):
    login(client, "worker_a", "nope-nope-1")
    login(client, "ghost", "nope-nope-1")
    login(client, "worker_a")
    fresh()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.actor_name) for e in events][-3:] == [
        ("login_failed", "worker_a"), ("login_failed", "ghost"), ("login", "worker_a")]
    assert events[-1].ip_address == "127.0.0.1"


def test_admin_filters_the_audit_log(client_as, world):
    client = client_as("admin")
    other = client_as("worker_a")
    other.post("/logout")
    page = text_of(client.get("/admin/audit?action=logout"))
    assert "退出登录" in page and "worker_a" in page
    page = text_of(client.get("/admin/audit?action=logout&actor=station"))
    assert "worker_a" not in page
    page = text_of(client.get("/admin/audit?date_from=2020-13-01"))
    assert "日期格式应为 YYYY-MM-DD" in page


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
    client = client_as("admin")
    full = client.get("/admin/users/?q=worker")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    fragment = client.get("/admin/users/?q=worker_b", headers={"HX-Request": "true", "HX-Target": "user-rows"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "worker_b" in body and "station_a" not in body
    # A boosted navigation also sends HX-Request but wants the whole page.
    boosted = client.get("/admin/users/", headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "user-rows"})
    assert "<html" in boosted.get_data(as_text=True)


def test_every_audited_action_has_a_label():
    """The audit page names each action in words; a new action needs a label."""
    import re
    from pathlib import Path

    from app.auth.admin_views import AUDIT_ACTIONS
    root = Path(__file__).resolve().parents[2] / "app"
    used = set()
    for path in root.rglob("*.py"):
        source = path.read_text()
        used |= set(re.findall(r'audit\.record\(\s*"([a-z_]+)"', source))
        # Actions chosen at run time ("account_enabled"); not flags such as "is_enabled".
        used |= set(re.findall(r'"((?!is_)[a-z]+_(?:enabled|disabled|deactivated|reactivated|removed|unlinked|linked))"',
                               source))
    assert used and used <= set(AUDIT_ACTIONS), used - set(AUDIT_ACTIONS)


def test_governance_duty_is_set_by_admins_and_audited(client_as, world):
    client = client_as("admin")
    response = client.post(f"/admin/users/{world.users['town_a'].id}/edit", data={
        "display_name": "town_a", "role": "town_staff", "scope_division_id": str(world.town_a.id),
        "scope_department_id": "0", "phone": "", "governance_duty": "y"})
    assert response.status_code == 303
    fresh()
    assert db.session.get(User, world.users["town_a"].id).governance_duty is True
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "scope_changed")).all()[-1]
    assert event.detail == {"governance_duty": True}
    # The duty means nothing for other roles.
    client.post(f"/admin/users/{world.users['station_a'].id}/edit", data={
        "display_name": "station_a", "role": "station_staff", "scope_division_id": str(world.community_a.id),
        "scope_department_id": "0", "phone": "", "governance_duty": "y"})
    fresh()
    assert db.session.get(User, world.users["station_a"].id).governance_duty is False

"""Passwords, lockout, server-side sessions, forced password change, cookies, CSRF."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.auth import services
from app.auth.models import AuditEvent, LoginSession, User
from app.auth.passwords import password_problem
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import fresh, login, make_app, text_of
from tests.factories import PASSWORD


@pytest.mark.parametrize("password, accepted", [
    ("short1A", False),          # 7 characters
    ("abcdefgh", False),         # one class
    ("12345678", False),         # one class
    ("ABCDEFGH", False),
    ("abcdefg1", True),          # lower + digit
    ("ABCDEFG!", True),          # upper + symbol
    ("网格通网格通ab", True),     # non-ASCII counts as a symbol class
])
def test_password_rule(password, accepted):
    assert (password_problem(password) is None) is accepted


def test_wrong_password_shows_a_chinese_error_at_the_field(client, world):
    response = login(client, "worker_a", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in text_of(response)
    assert 'value="worker_a"' in response.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, world):
    for _ in range(4):
        assert "用户名或密码错误" in text_of(login(client, "worker_a", "bad-pass-1"))
    assert "已被锁定 15 分钟" in text_of(login(client, "worker_a", "bad-pass-1"))
    # Even the right password is refused while locked.
    response = login(client, "worker_a")
    assert response.status_code == 200 and "账号已被锁定" in text_of(response)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "worker_a"))
    assert "account_locked" in list(actions)


def test_lock_ends_after_fifteen_minutes(app, world):
    now = utcnow()
    for minute in range(5):
        services.authenticate("worker_a", "bad-pass-1", now + timedelta(minutes=minute))
    assert services.authenticate("worker_a", PASSWORD, now + timedelta(minutes=10)).user is None
    assert services.authenticate("worker_a", PASSWORD, now + timedelta(minutes=20)).user is not None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(app, world):
    start = utcnow()
    for minute in (0, 4, 8, 12, 16, 20):
        services.authenticate("worker_a", "bad-pass-1", start + timedelta(minutes=minute))
    assert world.users["worker_a"].locked_until is None


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_fails(app, world):
    client = app.test_client()
    login(client, "station_a")
    cookie = client.get_cookie("gridbook_session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("gridbook_session", cookie)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_idle_session_ends_after_the_timeout(client, world):
    login(client, "station_a")
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    response = client.get("/", follow_redirects=True)
    assert "长时间未操作" in text_of(response)
    fresh()
    assert db.session.scalar(select(LoginSession.end_reason)) == "idle"


def test_idle_timeout_is_configurable(tmp_path, migrated_database):
    app = make_app(tmp_path, migrated_database, IDLE_TIMEOUT=5)  # minutes, as in GRIDBOOK_IDLE_TIMEOUT
    with app.app_context():
        from app.core.database import write_transactions
        from tests.factories import build_world
        with write_transactions():
            build_world()
        client = app.test_client()
        login(client, "station_a")
        db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
        assert client.get("/").status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_activity_keeps_the_session_alive(client, world):
    login(client, "station_a")
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    assert client.get("/").status_code == 200
    fresh()
    last_seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert utcnow() - last_seen < timedelta(minutes=1)


def test_disabled_account_cannot_log_in_and_its_sessions_end(client_as, world):
    station = client_as("station_a")
    admin = client_as("admin")
    admin.post(f"/admin/users/{world.users['station_a'].id}/status", data={"enabled": "0"})
    assert station.get("/").status_code == 302
    response = login(station, "station_a")
    assert "已停用" in text_of(response)


def test_reset_forces_a_new_password_at_next_login(app, client_as, world):
    admin = client_as("admin")
    response = admin.post(f"/admin/users/{world.users['worker_a'].id}/reset")
    temporary = response.get_data(as_text=True).split('id="temporary-password">')[1].split("<")[0]
    client = app.test_client()
    assert login(client, "worker_a").status_code == 200  # the old password is gone
    response = login(client, "worker_a", temporary)
    assert response.headers["Location"].endswith("/password")
    assert client.get("/divisions/").headers["Location"].endswith("/password")
    response = client.post("/password", data={"current_password": temporary, "password": "short",
                                              "confirm": "short"})
    assert "至少需要 8 个字符" in text_of(response)
    client.post("/password", data={"current_password": temporary, "password": "NewPassw0rd",
                                   "confirm": "NewPassw0rd"})
    assert client.get("/divisions/").status_code == 200
    fresh()
    assert db.session.get(User, world.users["worker_a"].id).must_change_password is False


def test_session_cookie_is_httponly_and_samesite(client, world):
    response = login(client, "station_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_form_needs_a_csrf_token(tmp_path, migrated_database):
    app = make_app(tmp_path, migrated_database, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from app.core.database import write_transactions
        from tests.factories import build_world
        with write_transactions():
            build_world()
        client = app.test_client()
        response = client.post("/login", data={"username": "admin", "password": PASSWORD})
        assert response.status_code == 400
        assert "页面已过期" in text_of(response)
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        assert client.post("/logout").status_code == 400  # logout too
        db.session.remove()
        db.engine.dispose()


def test_login_does_not_redirect_to_another_site(client, world):
    response = client.post("/login?next=//evil.example/x", data={"username": "admin", "password": PASSWORD})
    assert response.headers["Location"] == "/"

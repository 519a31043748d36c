"""Passwords, lockout, server-side sessions, forced password change, cookies, CSRF.
The login rules are driven through the login page as a person uses it (tests/web.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.auth import signin
from app.auth.models import AuditEvent, LoginSession, User
from app.auth.passwords import password_problem
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import fresh, make_app
from tests.factories import PASSWORD
from tests.web import Web, form_on, press, visible_text


@pytest.mark.parametrize(
    "password, accepted",
    [
        ("short1A", False),  # 7 characters
        ("abcdefgh", False),  # one class
        ("12345678", False),  # one class
        ("ABCDEFGH", False),
        ("wangge2026", True),  # lower + digit
        ("ABCDEFG!", True),  # upper + symbol
        ("网格通网格通ab", True),  # non-ASCII counts as a symbol class
    ],
)
def test_password_rule(password, accepted):
    assert (password_problem(password) is None) is accepted


def sign_in(web, username, password=PASSWORD, url="/login"):
    """Type the account and password into the login page and press 登录."""
    form = form_on(web.get(url), action="/login")
    form["username"] = username
    form["password"] = password
    return press(form, "登录")


def sign_out(web):
    """Press 退出 in the page header (a navigation form: form_on leaves it aside)."""
    page = web.get("/")
    forms = [f for k, f in page.forms.items() if isinstance(k, int) and (f.action or "").endswith("/logout")]
    assert len(forms) == 1, [f.action for f in page.forms.values()]
    return press(forms[0], "退出")


def test_wrong_password_shows_a_chinese_error_at_the_field(web, world):
    response = sign_in(web, "worker_a", "wrong-password-1")
    assert response.status_int == 200
    assert "用户名或密码错误" in visible_text(response)
    again = form_on(response, action="/login")
    assert again["username"].value == "worker_a" and again["password"].value == ""


def test_five_failures_lock_the_account_for_fifteen_minutes(web, world):
    for _ in range(4):
        assert "用户名或密码错误" in visible_text(sign_in(web, "worker_a", "bad-pass-1"))
    assert "已被锁定 15 分钟" in visible_text(sign_in(web, "worker_a", "bad-pass-1"))
    # Even the right password is refused while locked.
    response = sign_in(web, "worker_a")
    assert response.status_int == 200 and "账号已被锁定" in visible_text(response)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "worker_a"))
    assert "account_locked" in list(actions)


def test_lock_ends_after_fifteen_minutes(app, world):
    now = utcnow()
    for minute in range(5):
        signin.authenticate("worker_a", "bad-pass-1", now + timedelta(minutes=minute))
    assert signin.authenticate("worker_a", PASSWORD, now + timedelta(minutes=10)).user is None
    assert signin.authenticate("worker_a", PASSWORD, now + timedelta(minutes=20)).user is not None


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(app, world):
    start = utcnow()
    for minute in (0, 4, 8, 12, 16, 20):
        signin.authenticate("worker_a", "bad-pass-1", start + timedelta(minutes=minute))
    assert world.users["worker_a"].locked_until is None


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_fails(app, web, world):
    sign_in(web, "station_a")
    cookie = web.cookies["gridbook_session"]
    assert web.get("/").status_int == 200
    response = sign_out(web)
    assert response.status_int == 302 and "您已安全退出" in visible_text(response.follow())
    thief = Web(app)
    thief.set_cookie("gridbook_session", cookie)
    response = thief.get("/")
    assert response.status_int == 302 and "/login" in response.headers["Location"]


def test_idle_session_ends_after_the_timeout(web, world):
    sign_in(web, "station_a")
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    response = web.get("/").maybe_follow()
    assert "长时间未操作" in visible_text(response)
    fresh()
    assert db.session.scalar(select(LoginSession.end_reason)) == "idle"


def test_idle_timeout_is_configurable(tmp_path, migrated_database):
    app = make_app(
        tmp_path, migrated_database, IDLE_TIMEOUT=5, WTF_CSRF_ENABLED=True
    )  # minutes, as in GRIDBOOK_IDLE_TIMEOUT
    with app.app_context():
        from app.core.database import write_transactions
        from tests.factories import build_world

        with write_transactions():
            build_world()
        web = Web(app)
        sign_in(web, "station_a")
        db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
        assert web.get("/").status_int == 302
        db.session.remove()
        db.engine.dispose()


def test_activity_keeps_the_session_alive(web, world):
    sign_in(web, "station_a")
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    assert web.get("/").status_int == 200
    fresh()
    last_seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert utcnow() - last_seen < timedelta(minutes=1)


def test_disabled_account_cannot_log_in_and_its_sessions_end(web_as, world):
    station = web_as("station_a")
    admin = web_as("sysadmin")
    detail = admin.get(f"/admin/users/{world.users['station_a'].id}")
    assert press(form_on(detail, button="停用账号"), "停用账号").status_int == 303
    assert station.get("/").status_int == 302
    response = sign_in(station, "station_a")
    assert "已停用" in visible_text(response)


def test_reset_forces_a_new_password_at_next_login(app, web_as, world):
    admin = web_as("sysadmin")
    detail = admin.get(f"/admin/users/{world.users['worker_a'].id}")
    response = press(form_on(detail, button="重置密码"), "重置密码")
    temporary = response.html.find(id="temporary-password").get_text(strip=True)
    web = Web(app)
    assert sign_in(web, "worker_a").status_int == 200  # the old password is gone
    response = sign_in(web, "worker_a", temporary)
    assert response.headers["Location"].endswith("/password")
    assert web.get("/divisions/").headers["Location"].endswith("/password")
    form = form_on(response.follow())
    form["current_password"] = temporary
    form["password"] = form["confirm"] = "short"
    response = press(form, "修改密码")
    assert "至少需要 8 个字符" in visible_text(response)
    form = form_on(response)
    form["current_password"] = temporary
    form["password"] = "NewPassw0rd"
    form["confirm"] = "NewPassw0rd"
    assert press(form, "修改密码").status_int == 302
    assert web.get("/divisions/").status_int == 200
    fresh()
    assert db.session.get(User, world.users["worker_a"].id).must_change_password is False


def test_session_cookie_is_httponly_and_samesite(web, world):
    response = sign_in(web, "station_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forged_posts_without_a_csrf_token_are_refused(web, world):
    """Hand-built posts that carry no CSRF token (a forged cross-site request) are
    refused; the login page's own form, which carries one, signs in."""
    response = web.post("/login", {"username": "admin", "password": PASSWORD}, expect_errors=True)
    assert response.status_int == 400
    assert "页面已过期" in visible_text(response)
    assert sign_in(web, "admin").status_int == 302
    assert web.post("/logout", expect_errors=True).status_int == 400  # logout too
    assert web.get("/").status_int == 200  # still signed in


def test_login_does_not_redirect_to_another_site(web, world):
    response = sign_in(web, "admin", url="/login?next=//evil.example/x")
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_login_returns_to_the_page_asked_for(web, world):
    response = web.get("/divisions/")
    assert response.status_int == 302
    login_page = response.follow()
    form = form_on(login_page, action="/login")
    form["username"] = "admin"
    form["password"] = PASSWORD
    response = press(form, "登录")
    assert response.headers["Location"].endswith("/divisions/")

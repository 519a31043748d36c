"""Sign-in rules against a determined guesser (issue #13): unknown usernames answered,
timed and locked as real ones; a pause per client address; common passwords and ones
containing the username refused wherever a password is set; the optional maximum
password age; the absolute session lifetime. Driven through the pages (tests/web.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth import accounts, signin
from app.auth.models import AuditEvent, KeptForm, LoginSession, User
from app.auth.passwords import password_problem
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Division
from tests.auth.test_setup import setup_form
from tests.conftest import fresh, make_app
from tests.factories import PASSWORD
from tests.web import Web, form_on, press, visible_text


def sign_in(web, username, password=PASSWORD, url="/login"):
    form = form_on(web.get(url), action="/login")
    form["username"] = username
    form["password"] = password
    return press(form, "登录")


def error_at(page, field: str) -> str:
    """The message shown beside a field ("" when there is none)."""
    element = page.html.find(id=f"{field}-error")
    return element.get_text(strip=True) if element is not None else ""


def from_address(app, address: str) -> Web:
    """A browser on another computer."""
    web = Web(app)
    web.extra_environ["REMOTE_ADDR"] = address
    return web


# --- Unknown and real accounts look alike ----------------------------------------


def test_unknown_and_real_usernames_get_the_same_pages_up_to_the_lock(app, world):
    """Five wrong passwords, then the right one: page for page, an account that does
    not exist reads exactly as one that does — the same refusal, the same lock."""
    real, unknown = from_address(app, "127.0.0.11"), from_address(app, "127.0.0.12")
    for attempt in range(5):
        seen_real = visible_text(sign_in(real, "worker_a", "bad-pass-1"))
        seen_unknown = visible_text(sign_in(unknown, "no_such_worker", "bad-pass-1"))
        assert seen_real == seen_unknown, attempt
        assert ("用户名或密码错误" if attempt < 4 else "已被锁定 15 分钟") in seen_real
    locked_real = sign_in(real, "worker_a")  # the right password, while locked
    locked_unknown = sign_in(unknown, "No_Such_Worker")  # another spelling of the same name
    assert visible_text(locked_real) == visible_text(locked_unknown)
    assert "账号已被锁定，请 15 分钟后再试" in visible_text(locked_unknown)
    fresh()
    locks = db.session.execute(
        select(AuditEvent.actor_name, AuditEvent.action).where(AuditEvent.action == "account_locked")
    ).all()
    assert sorted(locks) == [("no_such_worker", "account_locked"), ("worker_a", "account_locked")]


def test_an_unknown_username_has_its_password_checked_as_long_as_a_real_one(app, web, world, monkeypatch):
    """No wall clock: the unknown path runs the same password hash check, against a
    dummy hash made with the configured method."""
    checked = []
    real_check = signin.check_password_hash

    def spy(password_hash, password):
        checked.append((password_hash, password))
        return real_check(password_hash, password)

    monkeypatch.setattr(signin, "check_password_hash", spy)
    assert "用户名或密码错误" in visible_text(sign_in(web, "no_such_worker", "bad-pass-1"))
    assert len(checked) == 1
    dummy_hash, typed = checked[0]
    assert typed == "bad-pass-1"
    assert dummy_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


# --- A pause per client address --------------------------------------------------


def test_many_failures_from_one_address_pause_sign_in_from_it(app, world):
    """20 failures within 15 minutes from one address, spread over usernames so that
    none of them locks: sign-in from that address pauses for everyone, with one
    message whatever is typed; other computers sign in as usual."""
    station_pc = from_address(app, "127.0.0.21")
    names = ["worker_a", "worker_b", "station_a", "no_such_one", "no_such_two"]
    for attempt in range(19):
        page = sign_in(station_pc, names[attempt % 5], "bad-pass-1")
        assert "用户名或密码错误" in visible_text(page), attempt
    twentieth = visible_text(sign_in(station_pc, "no_such_two", "bad-pass-1"))
    assert "本网络地址已暂停登录，请 15 分钟后再试" in twentieth
    right_password = sign_in(station_pc, "leader_a")
    assert right_password.status_int == 200
    assert visible_text(right_password) == visible_text(sign_in(station_pc, "no_such_three", "x-pass-1"))
    assert "本网络地址已暂停登录" in visible_text(right_password)
    assert sign_in(from_address(app, "127.0.0.22"), "leader_a").status_int == 302
    fresh()
    assert world.users["worker_a"].locked_until is None  # no account was locked
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "address_locked"))
        == 1
    )


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_the_browsers_address_is_counted(tmp_path, migrated_database, proxies):
    """All requests come from the proxy (10.0.0.1), each naming its browser in
    X-Forwarded-For. With TRUSTED_PROXIES=1 failures count per browser, and the audit
    log shows the browser's address; without it the header is ignored (anyone could
    write it), so all count against the one address that connects."""
    from app.core.database import write_transactions
    from tests.factories import build_world

    app = make_app(tmp_path, migrated_database, TRUSTED_PROXIES=proxies, LOGIN_ADDRESS_MAX_FAILURES=5)
    with app.app_context():
        with write_transactions():
            build_world()
        browsers = []
        for address in ("203.0.113.5", "203.0.113.6"):
            web = Web(app)
            web.extra_environ["REMOTE_ADDR"] = "10.0.0.1"
            web.extra_environ["HTTP_X_FORWARDED_FOR"] = address
            browsers.append(web)
        for attempt in range(5):
            sign_in(browsers[0], ["no_such_one", "worker_b"][attempt % 2], "bad-pass-1")
        other = sign_in(browsers[1], "leader_a")
        fresh()
        addresses = set(db.session.scalars(select(AuditEvent.ip_address).where(AuditEvent.ip_address.is_not(None))))
        if proxies:
            assert other.status_int == 302
            assert addresses == {"203.0.113.5", "203.0.113.6"}
        else:
            assert "本网络地址已暂停登录" in visible_text(other)
            assert addresses == {"10.0.0.1"}
        db.session.remove()
        db.engine.dispose()


# --- The password rule ---------------------------------------------------------------


@pytest.mark.parametrize("password", ["password1", "Password1", "P@ssw0rd", "Qwerty123", "1qaz2WSX", "woaini1314"])
def test_common_passwords_are_refused(password):
    assert "常见密码" in password_problem(password, "worker_a")


def test_passwords_containing_the_username_are_refused():
    assert password_problem("Worker_A2026", "worker_a") == "密码不能包含用户名。"
    assert password_problem("xx-WORKER_a-xx", "worker_a") == "密码不能包含用户名。"
    assert password_problem("Wangge#2026", "worker_a") is None


@pytest.mark.parametrize(
    "new_password, message",
    [
        ("Password1", "这是常见密码，很容易被猜中，请换一个。"),
        ("P@ssw0rd", "这是常见密码，很容易被猜中，请换一个。"),
        ("2026Worker_A", "密码不能包含用户名。"),
    ],
)
def test_change_password_refuses_common_ones_and_the_username_at_the_field(web_as, world, new_password, message):
    web = web_as("worker_a")
    form = form_on(web.get("/password"))
    form["current_password"] = PASSWORD
    form["password"] = form["confirm"] = new_password
    response = press(form, "修改密码")
    assert response.status_int == 200 and error_at(response, "password") == message
    assert "不能是常见密码" in visible_text(response)  # the rule is said beside the field
    fresh()
    assert db.session.get(User, world.users["worker_a"].id).check_password(PASSWORD)


def test_setup_refuses_a_common_password_and_the_username(web, app):
    response = press(setup_form(web, password="Qwerty123", confirm="Qwerty123"), "创建管理员")
    assert error_at(response, "password") == "这是常见密码，很容易被猜中，请换一个。"
    response = press(setup_form(web, password="Chief-2026", confirm="Chief-2026"), "创建管理员")
    assert error_at(response, "password") == "密码不能包含用户名。"
    assert db.session.scalar(select(User)) is None


def test_an_administrator_cannot_give_a_new_account_a_common_password(web_as, world):
    admin = web_as("sysadmin")
    for password, message in (
        ("1qaz2wsx", "这是常见密码，很容易被猜中，请换一个。"),
        ("Newworker#1", "密码不能包含用户名。"),
    ):
        form = form_on(admin.get("/admin/users/new"))
        form["username"] = "newworker"
        form["display_name"] = "新网格员"
        form["password"] = form["confirm"] = password
        response = press(form, "创建账号")
        assert response.status_int == 200 and error_at(response, "password") == message
    fresh()
    assert signin.find_user("newworker") is None


def test_a_reset_password_passes_the_rule_for_its_account(app, world):
    for _ in range(50):
        temporary = accounts.generate_temporary_password("abc")
        assert password_problem(temporary, "abc") is None


# --- Maximum password age ----------------------------------------------------------


def _password_set_days_ago(username: str, days: int) -> None:
    db.session.execute(
        update(User).where(User.username == username).values(password_changed_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


def test_an_old_password_must_be_changed_at_sign_in_when_a_maximum_age_is_set(app, web, world):
    app.config["PASSWORD_MAX_AGE_DAYS"] = 90
    _password_set_days_ago("worker_a", 91)
    response = sign_in(web, "worker_a")
    assert response.headers["Location"].endswith("/password")
    page = response.follow()
    assert "您的密码已使用超过 90 天，请设置新密码后继续使用" in visible_text(page)
    assert "管理员已重置" not in visible_text(page)
    assert web.get("/divisions/").headers["Location"].endswith("/password")  # nothing else until then
    form = form_on(page)
    form["current_password"] = PASSWORD
    form["password"] = form["confirm"] = "Wangge#2026"
    assert press(form, "修改密码").status_int == 302
    assert web.get("/divisions/").status_int == 200
    fresh()
    user = db.session.get(User, world.users["worker_a"].id)
    assert not user.must_change_password and utcnow() - user.password_changed_at < timedelta(minutes=1)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "password_expired"))
        == 1
    )


def test_a_younger_password_is_not_asked_for(app, web, world):
    app.config["PASSWORD_MAX_AGE_DAYS"] = 90
    _password_set_days_ago("worker_a", 89)
    assert not sign_in(web, "worker_a").headers["Location"].endswith("/password")


def test_without_a_maximum_age_an_old_password_signs_in_as_usual(app, web, world):
    assert app.config["PASSWORD_MAX_AGE_DAYS"] == 0  # the default: off
    _password_set_days_ago("worker_a", 3650)
    response = sign_in(web, "worker_a")
    assert response.status_int == 302 and not response.headers["Location"].endswith("/password")
    assert web.get("/divisions/").status_int == 200


# --- Absolute session lifetime ------------------------------------------------------


def _signed_in_hours_ago(hours: float) -> None:
    """The session began `hours` ago and has been in use all along (last request now)."""
    db.session.execute(update(LoginSession).values(created_at=utcnow() - timedelta(hours=hours), last_seen_at=utcnow()))
    db.session.commit()


def test_an_active_session_ends_twelve_hours_after_sign_in(web, world):
    sign_in(web, "station_a")
    _signed_in_hours_ago(11.5)
    assert web.get("/").status_int == 200
    _signed_in_hours_ago(12.1)
    response = web.get("/divisions/")
    assert response.status_int == 302 and "/login" in response.headers["Location"]
    assert "您已连续登录超过规定时长，为了安全已自动退出，请重新登录" in visible_text(response.follow())
    fresh()
    assert db.session.scalar(select(LoginSession.end_reason)) == "expired"
    assert sign_in(web, "station_a").status_int == 302  # signing in again starts a new one


def test_a_form_sent_as_the_lifetime_ends_is_kept(web_as, world):
    """As after the idle timeout (app/auth/kept_forms.py): what was typed comes back."""
    admin = web_as("admin")
    form = form_on(admin.get(f"/divisions/{world.community_a.id}/edit"))
    form["note"] = "2026年12月起由社区书记兼任网格长"
    _signed_in_hours_ago(13)
    login_page = press(form, "保存").follow()
    assert "超过规定时长" in visible_text(login_page) and "您填写的内容已保留" in visible_text(login_page)
    back = sign_in(admin, "admin", url=login_page.request.url).follow().follow()
    assert form_on(back)["note"].value == "2026年12月起由社区书记兼任网格长"
    fresh()
    assert db.session.scalar(select(func.count()).select_from(KeptForm)) == 0
    assert db.session.get(Division, world.community_a.id).note != "2026年12月起由社区书记兼任网格长"


def test_the_lifetime_is_configurable_in_minutes(tmp_path, migrated_database):
    app = make_app(tmp_path, migrated_database, SESSION_ABSOLUTE_TIMEOUT=60)  # as GRIDBOOK_SESSION_ABSOLUTE_TIMEOUT
    assert app.config["SESSION_ABSOLUTE_TIMEOUT"] == timedelta(hours=1)
    with app.app_context():
        from app.core.database import write_transactions
        from tests.factories import build_world

        with write_transactions():
            build_world()
        web = Web(app)
        sign_in(web, "station_a")
        _signed_in_hours_ago(1.1)
        assert web.get("/").status_int == 302
        db.session.remove()
        db.engine.dispose()

"""First run: no default password; a console token guards the one-time setup page.
The setup form is filled and sent as rendered (tests/web.py)."""

from pathlib import Path

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.org.models import Department, Division
from tests.conftest import text_of
from tests.web import Web, form_on, press, visible_text

# What the person setting up the county types (the token comes from the console).
TYPED = {
    "county_code": "990102",
    "county_name": "测试县",
    "username": "chief",
    "display_name": "县管理员",
    "password": "Kaishi#2024",
    "confirm": "Kaishi#2024",
}


def _token(app) -> str:
    return (Path(app.instance_path) / "setup_token").read_text().strip()


def setup_form(web, token: str | None = None, **typed):
    """The setup page as rendered, with the token (read from the console) and the rest typed in."""
    form = form_on(web.get("/setup"))
    values = {**TYPED, **typed}
    values["token"] = token if token is not None else _token(web.flask_app)
    for name, value in values.items():
        form[name] = value
    return form


def test_every_page_leads_to_setup_while_no_account_exists(client):
    for path in ("/", "/divisions/", "/login", "/admin/users/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup")


def test_setup_prints_a_token_on_the_console(client, app, capsys):
    response = client.get("/setup")
    assert response.status_code == 200
    assert "首次设置" in text_of(response)
    assert _token(app) in capsys.readouterr().err


def test_wrong_token_is_refused_and_the_form_keeps_what_was_typed(web, app):
    response = press(setup_form(web, "not-the-token"), "创建管理员")
    assert "设置口令不正确" in visible_text(response)
    assert form_on(response)["county_name"].value == "测试县"
    assert db.session.scalar(select(User)) is None


def test_setup_creates_admin_county_and_departments_then_disappears(web, app):
    response = press(setup_form(web), "创建管理员")
    assert response.status_int == 200
    done = visible_text(response)
    assert "首次设置完成" in done
    user = db.session.scalar(select(User).where(User.username == "chief"))
    assert user.role == "county_admin" and user.scope_division.code == "990102"
    # 三员分立: the three administrators, each with a temporary password shown once.
    rows = {
        row.find_all("td")[1].get_text(): row.find_all("td")[2].get_text()
        for row in response.html.find("table").find("tbody").find_all("tr")
    }
    assert set(rows) == {"sysadmin", "secadmin", "auditor"}
    roles = dict(db.session.execute(select(User.username, User.role).where(User.username.in_(rows))).all())
    assert roles == {"sysadmin": "system_admin", "secadmin": "security_admin", "auditor": "audit_admin"}
    assert db.session.scalar(select(Division.name)) == "测试县"
    assert db.session.scalar(select(Department).where(Department.short_name == "公安")) is not None
    assert not (Path(app.instance_path) / "setup_token").exists()
    assert web.get("/setup", expect_errors=True).status_int == 404
    assert web.sign_in("chief", "Kaishi#2024").status_int == 302  # the new administrator signs in
    assert Web(web.flask_app).sign_in("auditor", rows["auditor"]).headers["Location"].endswith("/password")


def test_a_forged_setup_after_the_first_is_404(web, app):
    """Once an account exists the page is gone: a hand-built post finds nothing."""
    press(setup_form(web), "创建管理员")
    # forge() reads the token from the home page, which now sends a stranger to the login page.
    session_token = form_on(web.get("/login"), action="/login")["csrf_token"].value
    response = web.post("/setup", {**TYPED, "token": "x", "csrf_token": session_token}, expect_errors=True)
    assert response.status_int == 404


def test_setup_enforces_the_password_rule(web, app):
    response = press(setup_form(web, password="abcdefgh", confirm="abcdefgh"), "创建管理员")
    assert "至少两类字符" in visible_text(response)
    response = press(setup_form(web, county_code="12345"), "创建管理员")
    assert "6 位数字" in visible_text(response)

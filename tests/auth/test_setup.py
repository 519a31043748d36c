"""First run: no default password; a console token guards the one-time setup page."""
from pathlib import Path

from sqlalchemy import select

from app.auth.models import User
from app.org.models import Department, Division
from tests.conftest import text_of


def _token(app) -> str:
    return (Path(app.instance_path) / "setup_token").read_text().strip()


def _setup_data(token, **overrides):
    data = {"token": token, "county_code": "990102", "county_name": "测试县", "username": "chief",
            "display_name": "县管理员", "password": "Abcdefg1", "confirm": "Abcdefg1"}
    data.update(overrides)
    return data


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


def test_wrong_token_is_refused_and_the_form_keeps_what_was_typed(client, app):
    client.get("/setup")
    response = client.post("/setup", data=_setup_data("not-the-token"))
    page = text_of(response)
    assert "设置口令不正确" in page
    assert 'value="测试县"' in response.get_data(as_text=True)
    from app.extensions import db
    assert db.session.scalar(select(User)) is None


def test_setup_creates_admin_county_and_departments_then_disappears(client, app):
    from app.extensions import db
    client.get("/setup")
    response = client.post("/setup", data=_setup_data(_token(app)))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    user = db.session.scalar(select(User))
    assert user.username == "chief" and user.role == "county_admin"
    assert user.scope_division.code == "990102"
    assert db.session.scalar(select(Division.name)) == "测试县"
    assert db.session.scalar(select(Department).where(Department.short_name == "公安")) is not None
    assert not (Path(app.instance_path) / "setup_token").exists()
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data=_setup_data("x")).status_code == 404


def test_setup_enforces_the_password_rule(client, app):
    client.get("/setup")
    response = client.post("/setup", data=_setup_data(_token(app), password="abcdefgh", confirm="abcdefgh"))
    assert "至少两类字符" in text_of(response)
    response = client.post("/setup", data=_setup_data(_token(app), county_code="12345"))
    assert "6 位数字" in text_of(response)

"""No typing lost to the idle timeout: a form sent after the session ended is kept
for that account, put back into the same form after signing in again, and saved only
when the person saves it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.auth.models import KeptForm, LoginSession
from app.core.timeutil import utcnow
from app.extensions import db
from app.registry.people.models import Resident
from tests.conftest import fresh
from tests.web import form_on, press, visible_text


def _idle(minutes: int = 31) -> None:
    fresh()  # the pages read may have written (audit): start from what they committed
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def _edit_form(web, resident):
    form = form_on(web.get(f"/residents/{resident.id}").click(description="修改"))
    form["workplace"] = "县农机站"
    form["note"] = "2026年12月入户核实：在县农机站上班"
    return form


def _sign_in_from(page, username: str):
    form = form_on(page, action="/login")
    form["username"] = username
    form["password"] = "Passw0rd!"
    return form.submit()


def test_a_form_sent_after_the_timeout_comes_back_filled_and_saves_with_one_click(web_as, world):
    resident = world.residents["a"]
    web = web_as("station_a")
    form = _edit_form(web, resident)
    _idle()
    login_page = press(form, "保存").follow()
    assert "您填写的内容已保留" in visible_text(login_page)
    fresh()
    assert db.session.get(Resident, resident.id).workplace != "县农机站"  # nothing saved for them

    back = _sign_in_from(login_page, "station_a").follow().follow()
    assert back.request.path == f"/residents/{resident.id}/edit"
    assert "尚未保存" in visible_text(back)
    again = form_on(back)
    assert again["workplace"].value == "县农机站" and again["note"].value == "2026年12月入户核实：在县农机站上班"
    assert again["name"].value == resident.name
    saved = press(again, "保存")
    assert saved.status_int == 303
    fresh()
    assert db.session.get(Resident, resident.id).workplace == "县农机站"
    assert db.session.scalar(select(func.count()).select_from(KeptForm)) == 0  # gone once put back


def test_another_account_signing_in_on_the_same_pc_does_not_see_it(web_as, world):
    """A shared station PC: the next person to sign in gets an ordinary start page."""
    resident = world.residents["a"]
    web = web_as("station_a")
    form = _edit_form(web, resident)
    _idle()
    login_page = press(form, "保存").follow()
    landed = _sign_in_from(login_page, "town_a").maybe_follow()
    assert "县农机站" not in landed.text
    fresh()
    kept = db.session.scalar(select(KeptForm))
    assert web.get(f"/forms/kept/{kept.id}").maybe_follow().request.path == "/"
    assert "县农机站" not in web.get(f"/residents/{resident.id}/edit?kept={kept.id}").text


def test_a_logged_out_session_keeps_nothing(web_as, world):
    """Only an idle timeout keeps a form: after 退出 a post is simply refused."""
    resident = world.residents["a"]
    web = web_as("station_a")
    form = _edit_form(web, resident)
    home = web.get("/")
    logout = next(f for key, f in home.forms.items() if isinstance(key, int) and f.action.endswith("/logout"))
    logout.submit()
    refused = press(form, "保存", expect_errors=True)
    assert refused.status_int == 400 and "已保留" not in visible_text(refused)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(KeptForm)) == 0

"""A matter the loop refuses, opened from a finding or a 民情日志 entry, is a refusal
at the form (Chinese, at the field, the typed values kept), never a server error. Forms as rendered (tests/web.py)."""

from sqlalchemy import func, select

from app.extensions import db
from app.matters.models import Matter
from app.patrols.models import OpinionEntry, PatrolFinding
from tests.conftest import fresh
from tests.web import forge, form_on, press, visible_text


def test_forged_unknown_matter_class_on_a_finding_is_refused_at_the_field(web_as, world):
    """Forged request: a matter class the finding form does not offer."""
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    form = form_on(web.get(f"/patrols/{patrol.id}"), action=f"/patrols/{patrol.id}/findings")
    assert "bogus" not in [value for value, *_ in form["matter_class"].options]
    matters = db.session.scalar(select(func.count(Matter.id)))
    response = forge(
        web,
        f"/patrols/{patrol.id}/findings",
        {"description": "路边井盖缺失", "place": "东关路12号", "matter_class": "bogus"},
    )
    assert response.status_int == 200
    assert "请选择事件大类。" in response.text and "matter_class-error" in response.text
    again = form_on(response, action=f"/patrols/{patrol.id}/findings")
    assert again["description"].value == "路边井盖缺失" and again["place"].value == "东关路12号"
    fresh()
    assert db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "路边井盖缺失")) is None
    assert db.session.scalar(select(func.count(Matter.id))) == matters


def test_entry_changed_to_assisted_in_a_closed_grid_is_refused_not_a_500(web_as, world):
    entry = world.records["a"]["opinion"]
    world.grid_a.status = "closed"
    db.session.commit()
    web = web_as("admin")
    matters = db.session.scalar(select(func.count(Matter.id)))
    form = form_on(web.get(f"/opinions/{entry.id}/edit"), button="保存")
    form["category"] = "city"
    form["disposition"] = "assisted"
    response = press(form, "保存")
    assert response.status_int == 200
    assert "请选择事件所在的网格。" in visible_text(response)
    assert form_on(response, button="保存")["disposition"].value == "assisted"
    fresh()
    assert db.session.get(OpinionEntry, entry.id).disposition == "settled"
    assert db.session.scalar(select(func.count(Matter.id))) == matters

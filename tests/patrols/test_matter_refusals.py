"""A matter the loop refuses, opened from a finding or a 民情日志 entry, is a refusal
at the form (Chinese, at the field, the typed values kept), never a server error."""
from sqlalchemy import func, select

from app.extensions import db
from app.matters.models import Matter
from app.patrols.models import OpinionEntry, PatrolFinding
from tests.conftest import fresh


def test_finding_with_an_unknown_matter_class_is_refused_at_the_field(client_as, world):
    patrol = world.records["a"]["patrol"]
    client = client_as("worker_a")
    matters = db.session.scalar(select(func.count(Matter.id)))
    response = client.post(f"/patrols/{patrol.id}/findings",
                           data={"description": "路边井盖缺失", "place": "东关路12号", "matter_class": "bogus"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请选择事件大类。" in html and "matter_class-error" in html
    assert 'value="路边井盖缺失"' in html
    fresh()
    assert db.session.scalar(select(PatrolFinding).where(PatrolFinding.description == "路边井盖缺失")) is None
    assert db.session.scalar(select(func.count(Matter.id))) == matters


def test_entry_changed_to_assisted_in_a_closed_grid_is_refused_not_a_500(client_as, world):
    entry = world.records["a"]["opinion"]
    world.grid_a.status = "closed"
    db.session.commit()
    client = client_as("admin")
    matters = db.session.scalar(select(func.count(Matter.id)))
    response = client.post(f"/opinions/{entry.id}/edit", data={
        "said_on": entry.said_on.isoformat(), "category": "city", "content": "路灯不亮a",
        "disposition": "assisted", "resident_name": "王大爷", "place": "东关路口", "settled_note": "",
        "matter_class": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请选择事件所在的网格。" in html
    fresh()
    assert db.session.get(OpinionEntry, entry.id).disposition == "settled"
    assert db.session.scalar(select(func.count(Matter.id))) == matters

"""十户联防 as a working system: a group's activities recorded from its page as a person
fills the form (a future date refused at the field, what was typed kept), listed and
audited; scope; and the roster printed for the group's leader — names and places,
no resident's phone, a column to write them in."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry.organisations.models import JointDefenceActivity
from tests.conftest import fresh
from tests.printing.helpers import squeezed
from tests.web import choose, forge, form_on, press, visible_text


def test_a_group_records_what_it_did(world, web_as):
    group = world.records["a"]["group"]
    web = web_as("worker_a")
    url = f"/joint-defence/{group.id}"
    form = form_on(web.get(url), action=f"/joint-defence/{group.id}/activities")
    form["held_on"] = "2099-01-01"
    choose(form, "kind", "联防巡逻")
    form["content"] = "晚间联防巡逻，检查各户门窗"
    form["participants"] = "张伟等 6 户"
    refused = press(form, "记录活动", status=400)
    assert "日期不能晚于今天。" in visible_text(refused)
    again = form_on(refused, action=f"/joint-defence/{group.id}/activities")
    assert again["content"].value == "晚间联防巡逻，检查各户门窗"
    again["held_on"] = "2026-11-20"
    page = press(again, "记录活动").follow()
    text = visible_text(page)
    assert "已记录联防活动。" in text and "2026-11-20 联防巡逻 晚间联防巡逻，检查各户门窗 张伟等 6 户" in text
    fresh()
    [activity] = db.session.scalars(select(JointDefenceActivity))
    assert activity.group_id == group.id and activity.kind == "patrol"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "joint_defence_activity_recorded"))
    assert event.actor_name == "worker_a"


def test_another_grids_group_is_out_of_reach(world, web_as):
    group = world.records["a"]["group"]
    forged = forge(web_as("worker_b"), f"/joint-defence/{group.id}/activities", {"content": "x", "kind": "patrol"})
    assert forged.status_int == 404
    assert web_as("worker_b").get(f"/joint-defence/{group.id}/roster.pdf", expect_errors=True).status_int == 404


def test_the_leaders_roster_has_names_and_places_but_no_phones(world, web_as):
    group = world.records["a"]["group"]
    household = world.households["a"]
    response = web_as("worker_a").get(f"/joint-defence/{group.id}/roster.pdf")
    assert response.content_type == "application/pdf"
    text = squeezed(response.body)
    assert "十户联防组名册" in text and group.name in text
    assert household.household_number in text and household.head.name in text
    assert "联系电话（组长填写）" in text
    # The resident's mobile is nowhere, not even masked; the grid staff's work phone is.
    assert "13912345678" not in text and "5678" not in text.replace("13800000000", "")
    assert "13800000000" in text
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "printed").order_by(AuditEvent.id.desc()))
    assert event is not None and "十户联防组名册" in event.summary

"""接任: a post above the grids (here the community's 二级网格长) ends with its successor
named — the form reached from 结束岗位 and sent as rendered; the successor's post
begins the day after, the record keeps what was under the post."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import StaffAssignment, StaffMember, StaffRole
from tests.conftest import fresh
from tests.factories import START
from tests.web import choose, form_on, press, visible_text


def _secretary(world):
    leaver = StaffMember(home_division=world.community_a, name="陈秀英", phone="0999-6010003")
    successor = StaffMember(home_division=world.community_a, name="李娟", phone="0999-6010004")
    post = StaffAssignment(
        staff=leaver, division=world.community_a, role=StaffRole.SECOND_LEVEL_CHIEF.value, start_date=START
    )
    db.session.add_all([leaver, successor, post])
    db.session.commit()
    return post


def test_a_second_level_chief_hands_the_post_over(world, web_as):
    post = _secretary(world)
    web = web_as("station_a")
    page = web.get(f"/staff/{post.staff_id}")
    ended = press(form_on(page, action=f"/assignments/{post.id}/end"), "结束岗位")
    assert ended.status_int == 303 and ended.headers["Location"].endswith(f"/assignments/{post.id}/succession")
    page = ended.follow()
    handed = visible_text(page.html.select_one("#handed"))
    # What the post answers for: the community's grids and their open matters (the factory's one).
    assert "东关一网格、东关二网格" in handed and "李家一网格" not in handed
    form = form_on(page, button="确认交接")
    refused = press(form, "确认交接", status=400)
    assert "请选择接任人。" in visible_text(refused)
    form = form_on(refused, button="确认交接")
    choose(form, "successor", "李娟")
    yesterday = local_today() - timedelta(days=1)
    form["end_date"] = yesterday.isoformat()
    done = press(form, "确认交接").follow()
    assert f"已交接：二级网格长由 李娟 自 {local_today().isoformat()} 起接任。" in visible_text(done)
    fresh()
    assert db.session.get(StaffAssignment, post.id).end_date == yesterday
    taken = db.session.scalar(select(StaffAssignment).join(StaffMember).where(StaffMember.name == "李娟"))
    assert (taken.division_id, taken.role, taken.start_date) == (
        world.community_a.id,
        "second_level_chief",
        local_today(),
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "post_handed_over"))
    assert event.detail["grids"] == [world.grid_a.id, world.grid_a2.id]
    # The grid's chain names the successor now.
    chain = visible_text(web.get(f"/divisions/{world.grid_a.id}").html.select_one("#chain"))
    assert "李娟" in chain and "陈秀英" not in chain


def test_a_grid_post_still_goes_to_the_grid_handover(world, web_as):
    web = web_as("station_a")
    worker = world.staff["worker_a"]
    post = next(a for a in worker.assignments if a.division_id == world.grid_a.id)
    ended = press(form_on(web.get(f"/staff/{worker.id}"), action=f"/assignments/{post.id}/end"), "结束岗位")
    assert ended.headers["Location"].endswith(f"/assignments/{post.id}/handover")
    assert web.get(f"/assignments/{post.id}/succession", expect_errors=True).status_int == 404

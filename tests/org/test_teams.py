"""Service teams (community or town level): create with a custom type, edit,
add and remove members, and who may do it. Forms are filled and sent as rendered
(tests/web.py)."""

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import ServiceTeam, TeamMembership
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, options, press, visible_text


def team_named(name):
    fresh()
    return db.session.scalar(select(ServiceTeam).where(ServiceTeam.name == name))


def test_create_a_team_with_a_custom_type(web_as, world):
    web = web_as("station_a")
    form = form_on(web.get("/teams/").click(description="新建团队"))
    choose(form, "division_id", "东关社区")
    choose(form, "team_type", "其他（自定义）")
    form["name"] = "东关法律服务队"
    form["note"] = "每周三坐班"
    response = press(form, "保存")
    assert response.status_int == 200
    assert "请填写自定义类型" in visible_text(response)
    again = form_on(response)
    assert again["name"].value == "东关法律服务队"
    assert team_named("东关法律服务队") is None

    again["custom_type"] = "法律服务"
    response = press(again, "保存")
    assert response.status_int == 303
    team = team_named("东关法律服务队")
    assert team.team_type == "custom" and team.custom_type == "法律服务"
    assert team.division_id == world.community_a.id and team.note == "每周三坐班"
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "team_created", AuditEvent.target_id == team.id)
    )
    listing = visible_text(web.get("/teams/"))
    assert "东关法律服务队" in listing and "法律服务" in listing
    assert "法律服务" in visible_text(response.follow())


def test_a_named_type_drops_the_custom_text_and_edit_saves(web_as, world):
    web = web_as("town_a")
    form = form_on(web.get("/teams/new"))
    choose(form, "division_id", "城关镇")
    choose(form, "team_type", "治安巡防")
    form["custom_type"] = "忽略"
    form["name"] = "城关巡防队"
    response = press(form, "保存")
    assert response.status_int == 303
    team = team_named("城关巡防队")
    assert team.custom_type == "" and team.type_label == "治安巡防"
    form = form_on(response.follow().click(description="修改"))
    assert form["name"].value == "城关巡防队"
    choose(form, "division_id", "李家村")
    choose(form, "team_type", "医疗卫生")
    form["name"] = "李家村医疗队"
    response = press(form, "保存")
    assert response.status_int == 303
    team = team_named("李家村医疗队")
    assert team.division_id == world.community_a2.id and team.team_type == "health"


def test_team_errors_are_shown_at_the_field(web_as, world):
    web = web_as("station_a")
    form = form_on(web.get("/teams/new"))
    choose(form, "team_type", "文化娱乐")
    form["name"] = "文艺队"  # no unit chosen
    response = press(form, "保存")
    assert response.status_int == 200 and "请选择您管辖范围内的镇（街道）或社区（村）" in visible_text(response)
    form = form_on(response)
    choose(form, "division_id", "东关社区")
    form["name"] = ""
    response = press(form, "保存")
    assert response.status_int == 200 and "此项为必填项" in visible_text(response)


@pytest.mark.parametrize("value", ["grid_a", "community_b"])
def test_forged_team_unit_not_offered_is_refused(web_as, world, value):
    """A grid is not a team level, another town's community is out of scope: the
    page offers neither, so only a hand-built request names them."""
    web = web_as("station_a")
    division = getattr(world, value)
    offered = [v for v, _label in options(form_on(web.get("/teams/new")), "division_id")]
    assert str(division.id) not in offered
    response = forge(web, "/teams/new", {"division_id": str(division.id), "team_type": "culture", "name": "文艺队"})
    assert response.status_int == 200 and "请选择您管辖范围内的镇（街道）或社区（村）" in visible_text(response)
    assert team_named("文艺队") is None


def test_add_and_remove_a_member(web_as, world):
    web = web_as("station_a")
    team = world.teams["team_a"]
    worker = world.staff["worker_a"]
    page = web.get(f"/teams/{team.id}")
    second_tab = web.get(f"/teams/{team.id}")  # the same page open twice
    form = form_on(page, action="/members")
    offered = [v for v, _label in options(form, "staff_id")]
    assert str(worker.id) in offered
    assert str(world.staff["worker_b"].id) not in offered  # another town's worker

    choose(form, "staff_id", "员工worker_a")
    form["duty"] = "联络员"
    response = press(form, "加入团队")
    assert response.status_int == 303
    fresh()
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.team_id == team.id, TeamMembership.staff_id == worker.id)
    )
    assert membership.duty == "联络员"
    membership_id = membership.id
    detail = response.follow()
    assert "员工worker_a" in visible_text(detail) and "联络员" in visible_text(detail)
    assert f'<option value="{worker.id}"' not in detail.text  # no longer offered

    # From the tab opened before: the worker is offered there, but is a member now.
    stale = form_on(second_tab, action="/members")
    choose(stale, "staff_id", "员工worker_a")
    again = press(stale, "加入团队")
    assert again.status_int == 200 and "已在本团队中" in visible_text(again)

    remove = form_on(detail, action=f"/members/{membership_id}/remove")
    response = press(remove, "移出团队")
    assert response.status_int == 303
    fresh()
    assert db.session.get(TeamMembership, membership_id) is None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == team.id)))
    assert {"team_member_added", "team_member_removed"} <= actions


def test_forged_member_from_another_town_is_refused(web_as, world):
    """worker_b is not offered on 东关社区调解队's page: only a hand-built request adds them."""
    team = world.teams["team_a"]
    outsider = forge(
        web_as("station_a"), f"/teams/{team.id}/members", {"staff_id": str(world.staff["worker_b"].id), "duty": ""}
    )
    assert "请选择您管辖范围内的人员" in visible_text(outsider)
    fresh()
    assert {m.staff_id for m in db.session.get(ServiceTeam, team.id).memberships} == {world.staff["chief_a"].id}


def test_forged_removal_of_another_teams_membership_is_404(web_as, world):
    web = web_as("admin")
    other = world.teams["team_b"].memberships[0]
    response = forge(web, f"/teams/{world.teams['team_a'].id}/members/{other.id}/remove")
    assert response.status_int == 404
    fresh()
    assert db.session.get(TeamMembership, other.id) is not None


def test_read_only_roles_and_other_scopes(client_as, web_as, world):
    team = world.teams["team_a"]
    leader = web_as("leader_a")
    page = leader.get(f"/teams/{team.id}")
    assert "添加成员" not in visible_text(page) and "移出团队" not in visible_text(page)
    assert leader.get("/teams/new", expect_errors=True).status_int == 403
    # Forged: a leader's page has no member form.
    assert forge(leader, f"/teams/{team.id}/members", {"staff_id": "1"}).status_int == 403
    worker_b = client_as("worker_b")
    assert worker_b.get(f"/teams/{team.id}").status_code == 404
    assert "东关社区调解队" not in text_of(worker_b.get("/teams/"))
    assert "东关社区调解队" in text_of(client_as("station_a").get("/teams/"))

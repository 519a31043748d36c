"""Service teams (community or town level): create with a custom type, edit,
add and remove members, and who may do it."""
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import ServiceTeam, TeamMembership
from tests.conftest import fresh, text_of


def team_named(name):
    fresh()
    return db.session.scalar(select(ServiceTeam).where(ServiceTeam.name == name))


def test_create_a_team_with_a_custom_type(client_as, world):
    client = client_as("station_a")
    assert client.get("/teams/new").status_code == 200
    data = {"division_id": str(world.community_a.id), "team_type": "custom", "custom_type": "",
            "name": "东关法律服务队", "note": "每周三坐班"}
    response = client.post("/teams/new", data=data)
    assert response.status_code == 200
    assert "请填写自定义类型" in text_of(response)
    assert 'value="东关法律服务队"' in response.get_data(as_text=True)
    assert team_named("东关法律服务队") is None

    response = client.post("/teams/new", data={**data, "custom_type": "法律服务"})
    assert response.status_code == 303
    team = team_named("东关法律服务队")
    assert team.team_type == "custom" and team.custom_type == "法律服务"
    assert team.division_id == world.community_a.id and team.note == "每周三坐班"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "team_created",
                                                      AuditEvent.target_id == team.id))
    listing = text_of(client.get("/teams/"))
    assert "东关法律服务队" in listing and "法律服务" in listing
    assert "法律服务" in text_of(client.get(f"/teams/{team.id}"))


def test_a_named_type_drops_the_custom_text_and_edit_saves(client_as, world):
    client = client_as("town_a")
    response = client.post("/teams/new", data={"division_id": str(world.town_a.id), "team_type": "patrol",
                                                "custom_type": "忽略", "name": "城关巡防队"})
    assert response.status_code == 303
    team = team_named("城关巡防队")
    assert team.custom_type == "" and team.type_label == "治安巡防"
    response = client.post(f"/teams/{team.id}/edit", data={
        "division_id": str(world.community_a2.id), "team_type": "health", "name": "李家村医疗队"})
    assert response.status_code == 303
    team = team_named("李家村医疗队")
    assert team.division_id == world.community_a2.id and team.team_type == "health"


@pytest.mark.parametrize("field,value,message", [
    ("division_id", "grid_a", "请选择您管辖范围内的镇（街道）或社区（村）"),  # a grid is not a team level
    ("division_id", "community_b", "请选择您管辖范围内的镇（街道）或社区（村）"),  # out of scope
    ("name", "", "此项为必填项"),
])
def test_team_errors_are_shown_at_the_field(client_as, world, field, value, message):
    data = {"division_id": str(world.community_a.id), "team_type": "culture", "name": "文艺队"}
    data[field] = str(getattr(world, value).id) if value in ("grid_a", "community_b") else value
    response = client_as("station_a").post("/teams/new", data=data)
    assert response.status_code == 200 and message in text_of(response)


def test_add_and_remove_a_member(client_as, world):
    client = client_as("station_a")
    team = world.teams["team_a"]
    worker = world.staff["worker_a"]
    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert f'<option value="{worker.id}"' in page
    assert f'<option value="{world.staff["worker_b"].id}"' not in page  # another town's worker

    response = client.post(f"/teams/{team.id}/members", data={"staff_id": str(worker.id), "duty": "联络员"})
    assert response.status_code == 303
    fresh()
    membership = db.session.scalar(select(TeamMembership).where(
        TeamMembership.team_id == team.id, TeamMembership.staff_id == worker.id))
    assert membership.duty == "联络员"
    membership_id = membership.id
    detail = text_of(client.get(f"/teams/{team.id}"))
    assert "员工worker_a" in detail and "联络员" in detail

    again = client.post(f"/teams/{team.id}/members", data={"staff_id": str(worker.id), "duty": ""})
    assert again.status_code == 200 and "已在本团队中" in text_of(again)

    outsider = client.post(f"/teams/{team.id}/members",
                           data={"staff_id": str(world.staff["worker_b"].id), "duty": ""})
    assert "请选择您管辖范围内的人员" in text_of(outsider)

    response = client.post(f"/teams/{team.id}/members/{membership_id}/remove")
    assert response.status_code == 303
    fresh()
    assert db.session.get(TeamMembership, membership_id) is None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == team.id)))
    assert {"team_member_added", "team_member_removed"} <= actions


def test_membership_must_belong_to_the_team_in_the_url(client_as, world):
    client = client_as("admin")
    other = world.teams["team_b"].memberships[0]
    response = client.post(f"/teams/{world.teams['team_a'].id}/members/{other.id}/remove")
    assert response.status_code == 404
    fresh()
    assert db.session.get(TeamMembership, other.id) is not None


def test_read_only_roles_and_other_scopes(client_as, world):
    team = world.teams["team_a"]
    leader = client_as("leader_a")
    assert leader.get(f"/teams/{team.id}").status_code == 200
    assert "添加成员" not in text_of(leader.get(f"/teams/{team.id}"))
    assert leader.get("/teams/new").status_code == 403
    assert leader.post(f"/teams/{team.id}/members", data={"staff_id": "1"}).status_code == 403
    worker_b = client_as("worker_b")
    assert worker_b.get(f"/teams/{team.id}").status_code == 404
    assert "东关社区调解队" not in text_of(worker_b.get("/teams/"))
    assert "东关社区调解队" in text_of(client_as("station_a").get("/teams/"))

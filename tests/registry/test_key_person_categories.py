"""Key-person categories kept by county administrators: the six seeded ones with their
own fields, adding one (common fields only), renaming, describing, the follow-up
interval, taking one out of use — audited, and 404 for everyone else. Forms are
filled and sent as rendered (tests/web.py); hand-built posts only where forged."""

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry.people.models import KeyPerson, KeyPersonCategory
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, press, visible_text


def category(**where) -> KeyPersonCategory:
    fresh()
    return db.session.scalar(select(KeyPersonCategory).filter_by(**where))


def actions() -> list[str]:
    fresh()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_the_page_lists_the_six_categories_with_their_own_fields(client_as, world):
    page = text_of(client_as("admin").get("/key-person-categories/"))
    for name in ("社区矫正", "刑满释放（安置帮教）", "社区戒毒/康复", "严重精神障碍", "重点青少年", "重点信访"):
        assert name in page, name
    assert "矫正起始日期" in page and "监护人及电话" in page and "30 天" in page and "14 天" in page
    assert "表8 释解教人员安置帮教情况记录表" in page  # the seeded description
    assert "新添加的类别只有通用登记项目" in page


def add_category(web, **typed):
    """添加类别 at the foot of the category page, what is typed filled in."""
    form = form_on(web.get("/key-person-categories/"), button="添加类别")
    for name, value in typed.items():
        form[name] = value
    return press(form, "添加类别")


def test_an_added_category_has_the_common_fields_only(web_as, client_as, world):
    admin = web_as("admin")
    form = form_on(admin.get("/key-person-categories/"), button="添加类别")
    assert form["follow_up_days"].value == "30"  # the default the page offers
    response = add_category(admin, name="涉邪人员", description="需重点帮教转化的人员", follow_up_days="15")
    assert response.status_int == 303, visible_text(response)[:600]
    added = category(name="涉邪人员")
    assert (added.code, added.fields, added.follow_up_days, added.is_active) == ("custom1", [], 15, True)
    assert "key_person_category_added" in actions()
    assert "仅通用项目" in visible_text(response.follow())

    # Grid workers can list someone under it, with the common fields: 列为重点人员 on
    # the resident's page, the category chosen, 更新字段 (no JS) shows its fields.
    worker = web_as("worker_a")
    resident = world.residents["a"]
    form = form_on(worker.get(f"/residents/{resident.id}").click(description="列为重点人员"))
    choose(form, "category_id", "涉邪人员")
    shown = press(form, "更新字段")
    page = visible_text(shown)
    assert "涉邪人员" in page and "该类别没有额外的登记项目" in page and "需重点帮教转化的人员" in page
    assert "每 15 天至少跟进一次" in page
    form = form_on(shown)
    form["start_date"] = "2024-03-01"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    assert db.session.scalar(select(KeyPerson.details).where(KeyPerson.category_id == added.id)) == {}


def test_edit_name_description_and_interval(web_as, client_as, world):
    released = category(code="released")
    admin = web_as("admin")
    page = admin.get("/key-person-categories/").click(href=f"/key-person-categories/{released.id}/edit")
    assert "释放日期" in visible_text(page)
    form = form_on(page)
    assert form["name"].value == "刑满释放（安置帮教）" and form["follow_up_days"].value == "30"
    form["name"] = "刑满释放人员"
    form["description"] = "释放五年内的人员"
    form["follow_up_days"] = "60"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    released = category(id=released.id)
    assert (released.name, released.description, released.follow_up_days) == ("刑满释放人员", "释放五年内的人员", 60)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "key_person_category_updated"))
    assert event.detail["before"]["follow_up_days"] == 30 and event.detail["after"]["follow_up_days"] == 60
    # The listing in grid A reads the new name and interval.
    key_person = world.records["a"]["key_person"]
    detail = text_of(client_as("worker_a").get(f"/key-persons/{key_person.id}"))
    assert "刑满释放人员" in detail and "每 60 天至少一次" in detail


@pytest.mark.parametrize(
    "typed, message",
    [
        ({"name": "", "follow_up_days": "30"}, "此项为必填项"),
        ({"name": "社区矫正", "follow_up_days": "30"}, "已有同名类别"),
        ({"name": "新类别", "follow_up_days": "0"}, "请填写 1 到 365 之间的整数"),
        ({"name": "新类别", "follow_up_days": "半月"}, "不是有效的整数"),
        ({"name": "新类别", "follow_up_days": ""}, "此项为必填项"),
    ],
)
def test_bad_values_are_refused_at_their_field(web_as, world, typed, message):
    response = add_category(web_as("admin"), **typed)
    assert response.status_int == 200 and message in visible_text(response)
    assert 'class="error"' in response.text
    assert form_on(response, button="添加类别")["name"].value == typed["name"]  # kept as typed
    assert category(name="新类别") is None


def toggle(web, category_id: int, button: str):
    """停用 / 启用 in the category's row."""
    page = web.get("/key-person-categories/")
    return press(form_on(page, action=f"/key-person-categories/{category_id}/toggle"), button)


def test_a_category_out_of_use_keeps_its_listings_but_is_not_offered(web_as, client_as, world):
    released = category(code="released")
    admin = web_as("admin")
    assert toggle(admin, released.id, "停用").status_int == 303
    assert category(id=released.id).is_active is False
    worker = client_as("worker_a")
    offered = worker.get("/key-persons/new").get_data(as_text=True)
    assert "刑满释放（安置帮教）" not in offered and "社区矫正" in offered
    key_person = world.records["a"]["key_person"]
    assert worker.get(f"/key-persons/{key_person.id}").status_code == 200
    assert toggle(admin, released.id, "启用").status_int == 303
    assert category(id=released.id).is_active is True
    done = actions()
    assert done.index("key_person_category_disabled") < done.index("key_person_category_enabled")
    assert "停用重点人员类别" in visible_text(web_as("auditor").get("/admin/audit"))


@pytest.mark.parametrize("username", ["worker_a", "station_a", "town_a", "leader_a", "dept"])
def test_only_county_administrators_see_the_page_and_forged_posts_are_404(web_as, world, username):
    refused = 403 if username == "dept" else 404  # a department handler does no grid work at all
    if username == "town_a":
        world.users["town_a"].governance_duty = True  # even with the 综治 duty
        db.session.commit()
    released = category(code="released")
    web = web_as(username)
    assert web.get("/key-person-categories/", expect_errors=True).status_int == refused
    assert forge(web, "/key-person-categories/", {"name": "x", "follow_up_days": "3"}).status_int == refused
    assert web.get(f"/key-person-categories/{released.id}/edit", expect_errors=True).status_int == refused
    assert forge(web, f"/key-person-categories/{released.id}/toggle").status_int == refused
    assert category(id=released.id).is_active is True and category(name="x") is None

"""Household pages and the population-change feed, through the web layer on a real
database: create and list, members joining and leaving, a new head, splits and
merges, masking of personal numbers, roles and scope. Forms are filled and sent as
rendered (tests/web.py); hand-built posts only where forged."""

from datetime import date

import pytest
from sqlalchemy import select

from app.core.timeutil import local_today
from app.extensions import db
from app.registry.people import services
from app.registry.people.models import Household, HouseholdMember, PopulationEvent
from tests.conftest import fresh, text_of
from tests.factories import make_id_number
from tests.web import choose, forge, form_on, options, post_forms, press, tick, visible_text

TODAY = local_today().isoformat()


def person(world, name, birth="19900101", sequence=21, grid=None, **extra):
    resident = services.register_resident(
        services.ResidentValues(name=name, id_number=make_id_number(birth, sequence), **extra), grid or world.grid_a
    )
    db.session.commit()
    return resident


def with_member(world, name, relation, sequence, household=None):
    household = household or world.households["a"]
    resident = person(world, name, sequence=sequence, grid=household.grid)
    services.add_member(household, resident, relation, date(2024, 2, 1))
    db.session.commit()
    return resident


def new_household_form(web, grid=None):
    """新建住户 from the household list (filtered to a grid, or not)."""
    listing = web.get(f"/households/?grid={grid.id}" if grid else "/households/")
    return form_on(listing.click(description="新建住户"))


def household_typed(form, **overrides):
    """What a worker types and chooses for a renting household in 1号楼 of 东关一网格."""
    typed = {"household_number": "A002", "unit": "2", "room": "202", "note": "新租户", **overrides}
    choose(form, "household_type", "出租户")
    choose(form, "visit_class", "二类")
    if "building_id" not in overrides:
        choose(form, "building_id", "东关一网格 · 1号楼")
    for name, value in typed.items():
        form[name] = value
    return form


def create_household(web, world):
    """A002 in 东关一网格, through the page; the household's page it lands on."""
    response = press(household_typed(new_household_form(web, world.grid_a)), "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    return response.follow()


def by_number(number):
    fresh()
    return db.session.scalar(select(Household).where(Household.household_number == number))


def memberships(household_id):
    fresh()
    return list(
        db.session.scalars(
            select(HouseholdMember).where(HouseholdMember.household_id == household_id).order_by(HouseholdMember.id)
        )
    )


# --- Create, list, edit --------------------------------------------------------------


def test_create_a_household_through_the_page_and_see_it_listed(web_as, client_as, world):
    web = web_as("worker_a")
    form = new_household_form(web, world.grid_a)
    assert form["grid_id"].value == str(world.grid_a.id)
    assert form["household_type"].value == "permanent" and form["visit_class"].value == "3"
    # Without JS the building list spans the visible grids, each labelled with its grid.
    assert "东关一网格 · 1号楼 东关路1号" in [text for _value, text in options(form, "building_id")]
    response = press(household_typed(form), "保存")
    household = by_number("A002")
    assert response.status_int == 303, visible_text(response)[:600]
    assert response.location.endswith(f"/households/{household.id}")
    assert (household.grid_id, household.household_type, household.visit_class) == (world.grid_a.id, "rental", 2)
    assert "已立户：A002" in visible_text(response.follow())
    listed = text_of(client_as("worker_a").get("/households/"))
    assert "A002" in listed and "东关路1号2单元202室" in listed and "出租户" in listed and "二类" in listed
    assert "A001" in listed and "张伟" in listed
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.household_id == household.id))
    assert event.kind == "household_created" and event.recorded_by_id == world.users["worker_a"].id


def test_duplicate_household_number_is_refused_at_the_field_keeping_input(web_as, world):
    web = web_as("worker_a")
    response = press(
        household_typed(new_household_form(web, world.grid_a), household_number="A001", room="909"), "保存"
    )
    assert response.status_int == 200
    assert 'id="household_number-error"' in response.text and "本网格已有该户号。" in response.text
    again = form_on(response)
    assert again["household_number"].value == "A001" and again["room"].value == "909"
    assert again["note"].value == "新租户" and again["household_type"].value == "rental"
    assert by_number("A001").room == "101"  # the existing one, untouched


def test_building_of_another_grid_and_missing_address_are_refused(web_as, world):
    web = web_as("admin")
    form = household_typed(new_household_form(web), building_id="0")
    choose(form, "grid_id", "东关一网格")
    choose(form, "building_id", "滨河一网格 · 1号楼")
    response = press(form, "保存")
    assert "请选择本网格内的楼栋。" in visible_text(response) and by_number("A002") is None
    form = form_on(response)
    choose(form, "building_id", "（无楼栋，填写地址）")
    response = press(form, "保存")
    assert "请选择楼栋，或填写地址（农村住户）。" in visible_text(response)
    form = form_on(response)
    choose(form, "grid_id", "滨河一网格")
    form["address_text"] = "滨河村5号"
    response = press(form, "保存")
    assert response.status_int == 303 and by_number("A002").grid_id == world.grid_b.id


def test_forged_household_in_another_grid_is_refused(web_as, world):
    """A grid worker is offered only their grid; a tampered grid id is refused."""
    web = web_as("worker_a")
    form = new_household_form(web)
    assert [value for value, _text in options(form, "grid_id")] == [str(world.grid_a.id)]
    response = forge(
        web,
        "/households/new",
        {
            "grid_id": str(world.grid_b.id),
            "household_number": "A002",
            "household_type": "rental",
            "visit_class": "2",
            "building_id": "0",
            "unit": "",
            "room": "",
            "address_text": "滨河路9号",
            "note": "",
        },
    )
    assert response.status_int == 200 and "请选择您管辖范围内的在用网格。" in visible_text(response)
    assert by_number("A002") is None


def test_building_select_narrows_to_the_chosen_grid_with_htmx(client_as, world):
    client = client_as("admin")
    response = client.get(
        f"/households/new?grid_id={world.grid_a.id}", headers={"HX-Request": "true", "HX-Target": "building-field"}
    )
    html = response.get_data(as_text=True)
    assert "<html" not in html and "东关路1号" in html and "滨河路1号" not in html
    assert "东关一网格 ·" not in html  # one grid: no grid labels needed
    assert "HX-Request" in response.headers.get("Vary", "")


def test_list_filters_search_and_htmx_fragment(web_as, client_as, world):
    create_household(web_as("admin"), world)
    client = client_as("admin")
    by_grid = text_of(client.get(f"/households/?grid={world.grid_b.id}"))
    assert "B001" in by_grid and "A002" not in by_grid
    typed = text_of(client.get("/households/?type=rental"))
    assert "A002" in typed and "A001" not in typed
    visit = text_of(client.get("/households/?visit=3"))
    assert "A001" in visit and "A002" not in visit
    searched = text_of(client.get("/households/?q=张伟"))
    assert "A001" in searched and "B001" not in searched
    assert "B001" in text_of(client.get("/households/?q=滨河路"))
    assert "A002" in text_of(client.get("/households/?q=A002"))
    fragment = client.get("/households/?q=A00", headers={"HX-Request": "true", "HX-Target": "household-rows"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "A001" in html and "A002" in html


def test_list_is_scoped(client_as, world):
    listed = text_of(client_as("worker_b").get("/households/"))
    assert "B001" in listed and "A001" not in listed and "张伟" not in listed


def test_edit_is_recorded_as_a_correction_in_the_feed(web_as, client_as, world):
    web = web_as("worker_a")
    household = world.households["a"]
    form = form_on(web.get(f"/households/{household.id}").click(description="修改"))
    assert form["household_number"].value == "A001" and form["building_id"].value == str(world.building_a.id)
    choose(form, "visit_class", "一类")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    assert by_number("A001").visit_class == 1
    feed = text_of(client_as("worker_a").get("/population-changes/?kind=corrected"))
    assert "信息更正" in feed and "走访分类：三类 → 一类" in feed


# --- Detail and masking --------------------------------------------------------------


def test_detail_and_list_show_masked_numbers_only(client_as, world):
    resident = world.residents["a"]
    full_id, full_phone = resident.id_number, resident.phone
    client = client_as("worker_a")
    detail = client.get(f"/households/{world.households['a'].id}")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert resident.masked_id in html and "139****5678" in html
    assert full_id not in html and full_phone not in html
    text = text_of(detail)
    assert "东关路1号1单元101室" in text and "东关一网格" in text and "户主" in text and "张伟" in text
    assert "1970年生" in text
    listed = client.get("/households/?q=张伟").get_data(as_text=True)
    assert "张伟" in listed and full_id not in listed and full_phone not in listed


def test_feed_masks_numbers_in_corrections(client_as, world):
    resident = world.residents["a"]
    old_phone = resident.phone
    services.update_resident(
        resident, services.ResidentValues(name=resident.name, id_number=resident.id_number, phone="13700001111")
    )
    db.session.commit()
    html = client_as("worker_a").get("/population-changes/").get_data(as_text=True)
    assert "联系电话：139****5678 → 137****1111" in html
    assert old_phone not in html and "13700001111" not in html and resident.id_number not in html


# --- Members ---------------------------------------------------------------------------


def add_member_form(web, household):
    """添加已登记人员 on the household's page."""
    return form_on(web.get(f"/households/{household.id}").click(description="添加已登记人员"))


def test_add_an_existing_resident_by_id_number(web_as, world):
    wife = person(world, "王芳", "19720808", 31)
    household = world.households["a"]
    web = web_as("worker_a")
    form = add_member_form(web, household)
    assert form["start_date"].value == local_today().isoformat()
    form["id_number"] = " " + wife.id_number.lower() + " "
    choose(form, "relation", "配偶")
    response = press(form, "加入本户")
    assert response.status_int == 303, visible_text(response)[:600]
    rows = memberships(household.id)
    assert [(r.resident.name, r.relation, r.end_date) for r in rows] == [
        ("张伟", "head", None),
        ("王芳", "spouse", None),
    ]
    text = visible_text(response.follow())
    assert "王芳" in text and "配偶" in text and "加入住户" in text


def test_adding_someone_outside_the_scope_reveals_nothing(web_as, world):
    stranger = person(
        world, "赵敏", "19880202", 41, grid=world.grid_b, phone="13655556666", current_address="滨河路88号"
    )
    web = web_as("worker_a")
    household = world.households["a"]
    for number in (stranger.id_number, make_id_number("19990909", 77)):  # elsewhere, and nowhere
        form = add_member_form(web, household)
        form["id_number"] = number
        choose(form, "relation", "其他")
        response = press(form, "加入本户")
        assert response.status_int == 200
        assert "在您的管辖范围内未找到该证件号码的人员。" in response.text and 'id="id_number-error"' in response.text
        assert "赵敏" not in response.text and "滨河" not in response.text and "13655556666" not in response.text
    assert len(memberships(household.id)) == 1


def test_someone_in_another_household_must_leave_first(web_as, world):
    form = add_member_form(web_as("admin"), world.households["a"])
    form["id_number"] = world.residents["b"].id_number
    choose(form, "relation", "其他")
    response = press(form, "加入本户")
    assert response.status_int == 200 and "此人目前属于户号 B001，请先办理离户。" in response.text
    assert 'id="id_number-error"' in response.text


def leave_form(web, household, member):
    """离户 in the member's row on the household's page."""
    page = web.get(f"/households/{household.id}")
    return form_on(page.click(href=f"/members/{member.id}/leave"))


def test_leave(web_as, world):
    child = with_member(world, "张小", "child", 51)
    household = world.households["a"]
    member = next(m for m in household.current_members if m.resident_id == child.id)
    web = web_as("worker_a")
    form = leave_form(web, household, member)
    form["note"] = "外出务工"
    response = press(form, "确认离户")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    ended = db.session.get(HouseholdMember, member.id)
    assert ended.end_date == local_today()  # the day the page offers
    text = visible_text(response.follow())
    assert "离开住户" in text and "外出务工" in text
    history = text.split("历史成员关系")[1].split("本户动态")[0]
    assert "张小" in history and local_today().isoformat() in history


def test_the_head_cannot_leave_while_others_remain(web_as, world):
    with_member(world, "张小", "child", 51)
    household = world.households["a"]
    head = next(m for m in household.current_members if m.relation == "head")
    response = press(leave_form(web_as("worker_a"), household, head), "确认离户")
    assert response.status_int == 200 and "此人是户主，请先为该户变更户主。" in visible_text(response)
    assert memberships(household.id)[0].end_date is None


def test_future_dates_are_refused(web_as, world):
    wife = person(world, "王芳", "19720808", 31)
    form = add_member_form(web_as("worker_a"), world.households["a"])
    form["id_number"] = wife.id_number
    choose(form, "relation", "配偶")
    form["start_date"] = "2999-01-01"
    response = press(form, "加入本户")
    assert response.status_int == 200 and "日期不能晚于今天。" in visible_text(response)


def test_member_of_another_household_is_404_and_a_forged_leave_too(web_as, world):
    other = world.households["b"].current_members[0]
    web = web_as("admin")
    url = f"/households/{world.households['a'].id}/members/{other.id}/leave"
    assert web.get(url, expect_errors=True).status_int == 404
    assert forge(web, url, {"day": TODAY}).status_int == 404
    assert memberships(world.households["b"].id)[0].end_date is None


# --- Head, split, merge ----------------------------------------------------------------


def test_change_head_through_the_page_keeps_the_ended_rows(web_as, world):
    son = with_member(world, "张子", "child", 52)
    wife = with_member(world, "王芳", "spouse", 53)
    household = world.households["a"]
    web = web_as("worker_a")
    page = web.get(f"/households/{household.id}").click(description="变更户主")
    form = form_on(page)
    choose(form, "new_head_id", "张子")
    choose(form, "old_head_relation", "父母")
    choose(form, f"relation-{wife.id}", "父母")
    assert form[f"relation-{son.id}"].value == "child"  # as the page shows it
    response = press(form, "确认变更户主")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    household = db.session.get(Household, household.id)
    assert household.head_id == son.id
    current = {m.resident.name: m.relation for m in household.current_members}
    assert current == {"张子": "head", "张伟": "parent", "王芳": "parent"}
    text = visible_text(response.follow())
    history = text.split("历史成员关系")[1].split("本户动态")[0]
    for name, relation in (("张伟", "户主"), ("张子", "子女"), ("王芳", "配偶")):
        assert f"{name} {relation} 2024-" in history
    assert "变更户主" in text


def test_change_head_needs_a_member(web_as, world):
    household = world.households["a"]
    web = web_as("worker_a")
    page = web.get(f"/households/{household.id}/head")
    assert "本户没有户主以外的成员" in visible_text(page) and post_forms(page) == []
    with_member(world, "张子", "child", 52)
    form = form_on(web.get(f"/households/{household.id}").click(description="变更户主"))
    assert form["new_head_id"].value == "0"  # （请选择）, left as it is
    response = press(form, "确认变更户主")
    assert response.status_int == 200 and "新户主须是本户现有成员。" in visible_text(response)


def test_split_through_the_page(web_as, world):
    son = with_member(world, "张子", "child", 52)
    daughter_in_law = with_member(world, "刘丽", "other", 54)
    household = world.households["a"]
    web = web_as("worker_a")
    page = web.get(f"/households/{household.id}").click(description="分户")
    assert "刘丽" in visible_text(page)
    form = form_on(page)
    tick(form, "members", str(son.id))
    tick(form, "members", str(daughter_in_law.id))
    form["household_number"] = "A010"
    form["room"] = "102"
    # The new household's address and type come as the old one's.
    assert form["building_id"].value == str(world.building_a.id) and form["unit"].value == "1"
    refused = press(form, "确认分户")  # no new head chosen
    assert refused.status_int == 200 and "新户的户主须在分出的成员中。" in visible_text(refused)
    form = form_on(refused)
    choose(form, "new_head_id", "张子")
    response = press(form, "确认分户")
    new = by_number("A010")
    assert response.status_int == 303 and response.location.endswith(f"/households/{new.id}")
    assert new.head_id == son.id and {m.resident.name for m in new.current_members} == {"张子", "刘丽"}
    assert (new.building_id, new.unit, new.room, new.visit_class) == (world.building_a.id, "1", "102", 3)
    assert [m.resident.name for m in db.session.get(Household, household.id).current_members] == ["张伟"]
    assert "分户" in visible_text(web.get(f"/households/{household.id}"))


def test_merge_through_the_page_with_a_confirmation(web_as, world):
    other = services.create_household(
        services.HouseholdValues(household_number="A002", building_id=world.building_a.id, unit="1", room="102"),
        world.grid_a,
    )
    services.add_member(other, person(world, "孙强", "19600606", 61), "head", date(2024, 1, 1))
    db.session.commit()
    household = world.households["a"]
    web = web_as("worker_a")
    form = form_on(web.get(f"/households/{household.id}").click(description="并户"))
    # Only households of the same grid can be chosen.
    form["other_number"] = "B001"
    wrong = press(form, "下一步")
    assert "本网格中没有该户号的在册住户。" in visible_text(wrong)
    form = form_on(wrong)
    form["other_number"] = "A002"
    step = press(form, "下一步")
    assert step.status_int == 200 and "孙强" in visible_text(step) and "确认并户" in visible_text(step)
    assert by_number("A002").status == "active"  # nothing changed yet
    response = press(form_on(step), "确认并户")
    assert response.status_int == 303, visible_text(response)[:600]
    assert by_number("A002").status == "closed"
    names = {m.resident.name: m.relation for m in db.session.get(Household, household.id).current_members}
    assert names == {"张伟": "head", "孙强": "other"}
    assert "并户" in visible_text(response.follow())
    assert "A002" not in visible_text(web.get("/households/"))
    assert "A002" in visible_text(web.get("/households/?closed=1"))


# --- Feed ------------------------------------------------------------------------------


def feed_rows(client, query=""):
    """The feed's table alone (the htmx fragment): no menu, filters or user name around it."""
    response = client.get(f"/population-changes/{query}", headers={"HX-Request": "true", "HX-Target": "change-rows"})
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    return text_of(response)


def test_feed_lists_events_with_labels_and_is_scoped(web_as, client_as, world):
    create_household(web_as("worker_a"), world)
    client = client_as("worker_a")
    assert client.get("/population-changes/").status_code == 200
    rows = feed_rows(client)
    assert "立户" in rows and "加入住户" in rows and "首次登记" in rows
    assert "A001" in rows and "A002" in rows and "张伟" in rows and "worker_a" in rows
    assert "B001" not in rows and "李娜" not in rows
    other = feed_rows(client_as("worker_b"))
    assert "B001" in other and "李娜" in other
    assert "A001" not in other and "A002" not in other and "张伟" not in other
    only = feed_rows(client, "?kind=household_created")
    assert "A002" in only and "加入住户" not in only and "首次登记" not in only
    assert "A002" not in feed_rows(client, "?to=2000-01-01")
    assert "A002" in feed_rows(client, f"?from={TODAY}&grid={world.grid_a.id}")
    assert "A001" not in feed_rows(client_as("admin"), f"?grid={world.grid_b.id}")


# --- Roles -------------------------------------------------------------------------------


def test_leader_reads_and_forged_writes_are_403(web_as, client_as, world):
    """A leader is shown no way to change a household; every write URL answers 403,
    to the page and to a forged post."""
    client = client_as("leader_a")
    household = world.households["a"]
    member = household.current_members[0]
    for url in ("/households/", f"/households/{household.id}", "/population-changes/"):
        assert client.get(url).status_code == 200, url
    detail = text_of(client.get(f"/households/{household.id}"))
    assert "变更户主" not in detail and "添加已登记人员" not in detail
    web = web_as("leader_a")
    for url in (
        "/households/new",
        f"/households/{household.id}/edit",
        f"/households/{household.id}/members",
        f"/households/{household.id}/members/{member.id}/leave",
        f"/households/{household.id}/head",
        f"/households/{household.id}/split",
        f"/households/{household.id}/merge",
    ):
        assert forge(web, url, {}).status_int == 403, url
        assert web.get(url, expect_errors=True).status_int == 403, url


@pytest.mark.parametrize("username", ["worker_a", "leader_a"])
def test_another_grids_household_is_404_and_a_forged_merge_too(web_as, world, username):
    web = web_as(username)
    household = world.households["b"]
    assert web.get(f"/households/{household.id}", expect_errors=True).status_int == 404
    assert forge(web, f"/households/{household.id}/merge", {}).status_int == 404


def test_a_household_moves_to_another_grid_with_its_members(web_as, client_as, world):
    from app.registry.people.models import KeyPerson

    home, head = world.households["a"], world.residents["a"]
    web = web_as("station_a")
    form = form_on(web.get(f"/households/{home.id}").click(description="搬迁"))
    assert form["household_number"].value == "A001" and form["building_id"].value == "0"
    choose(form, "grid_id", "东关二网格")
    form["address_text"] = "东关路88号"
    form["day"] = "2025-05-01"
    response = press(form, "确认搬迁")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    moved = db.session.get(type(home), home.id)
    assert moved.grid_id == world.grid_a2.id and moved.address == "东关路88号"
    assert db.session.get(type(head), head.id).grid_id == world.grid_a2.id
    assert db.session.scalar(select(KeyPerson.grid_id).where(KeyPerson.resident_id == head.id)) == world.grid_a2.id
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.kind == "household_moved"))
    assert event.before["address"] == "东关路1号1单元101室" and event.after["address"] == "东关路88号"
    assert "住户搬迁" in visible_text(web.get("/population-changes/"))
    # The grid worker of the old grid no longer sees them.
    assert client_as("worker_a").get(f"/households/{home.id}").status_code == 404


def test_buildings_are_offered_in_natural_order(web_as, world):
    """1号楼, 2号楼 … 10号楼 in the building choice of 新建住户, 修改 and 搬迁."""
    from app.org.models import Building

    for number in ("10号楼", "2号楼"):  # 10号楼 registered first
        db.session.add(
            Building(community=world.community_a, grid=world.grid_a, number=number, address=f"东关路{number[:-2]}号")
        )
        db.session.flush()
    db.session.commit()
    web = web_as("worker_a")
    home = world.households["a"]
    expected = ["1号楼 东关路1号", "2号楼 东关路2号", "10号楼 东关路10号"]
    offered = [text for _value, text in options(new_household_form(web, world.grid_a), "building_id")][1:]
    assert offered == [f"东关一网格 · {text}" for text in expected]
    edit = form_on(web.get(f"/households/{home.id}").click(description="修改"))
    assert [text for _value, text in options(edit, "building_id")][1:] == expected
    move = form_on(web.get(f"/households/{home.id}").click(description="搬迁"))
    assert [text for _value, text in options(move, "building_id")][1:] == [f"东关一网格 · {text}" for text in expected]

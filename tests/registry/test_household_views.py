"""Household pages and the population-change feed, through the web layer on a real
database: create and list, members joining and leaving, a new head, splits and
merges, masking of personal numbers, roles and scope."""
from datetime import date

import pytest
from sqlalchemy import select

from app.core.timeutil import local_today
from app.extensions import db
from app.registry import services
from app.registry.models import Household, HouseholdMember, PopulationEvent
from tests.conftest import fresh, text_of
from tests.factories import make_id_number

TODAY = local_today().isoformat()


def person(world, name, birth="19900101", sequence=21, grid=None, **extra):
    resident = services.register_resident(services.ResidentValues(
        name=name, id_number=make_id_number(birth, sequence), **extra), grid or world.grid_a)
    db.session.commit()
    return resident


def with_member(world, name, relation, sequence, household=None):
    household = household or world.households["a"]
    resident = person(world, name, sequence=sequence, grid=household.grid)
    services.add_member(household, resident, relation, date(2024, 2, 1))
    db.session.commit()
    return resident


def household_form(world, **overrides):
    data = {"grid_id": str(world.grid_a.id), "household_number": "A002", "household_type": "rental",
            "visit_class": "2", "building_id": str(world.building_a.id), "unit": "2", "room": "202",
            "address_text": "", "note": "新租户"}
    data.update(overrides)
    return data


def by_number(number):
    fresh()
    return db.session.scalar(select(Household).where(Household.household_number == number))


def memberships(household_id):
    fresh()
    return list(db.session.scalars(select(HouseholdMember).where(HouseholdMember.household_id == household_id)
                                   .order_by(HouseholdMember.id)))


# --- Create, list, edit --------------------------------------------------------------

def test_create_a_household_through_the_page_and_see_it_listed(client_as, world):
    client = client_as("worker_a")
    page = client.get(f"/households/new?grid={world.grid_a.id}")
    assert page.status_code == 200
    assert f'<option selected value="{world.grid_a.id}">' in page.get_data(as_text=True)
    # Without JS the building list spans the visible grids, each labelled with its grid.
    assert "东关一网格 · 1号楼 东关路1号" in text_of(page)
    response = client.post("/households/new", data=household_form(world))
    household = by_number("A002")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/households/{household.id}")
    assert (household.grid_id, household.household_type, household.visit_class) == (world.grid_a.id, "rental", 2)
    listed = text_of(client.get("/households/"))
    assert "A002" in listed and "东关路1号2单元202室" in listed and "出租户" in listed and "二类" in listed
    assert "A001" in listed and "张伟" in listed
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.household_id == household.id))
    assert event.kind == "household_created" and event.recorded_by_id == world.users["worker_a"].id


def test_duplicate_household_number_is_refused_at_the_field_keeping_input(client_as, world):
    client = client_as("worker_a")
    response = client.post("/households/new", data=household_form(world, household_number="A001", room="909"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="household_number-error"' in html and "本网格已有该户号。" in html
    assert 'value="A001"' in html and 'value="909"' in html and "新租户" in html
    assert by_number("A001").room == "101"  # the existing one, untouched


def test_building_of_another_grid_and_missing_address_are_refused(client_as, world):
    client = client_as("admin")
    response = client.post("/households/new", data=household_form(world, building_id=str(world.building_b.id)))
    assert "请选择本网格内的楼栋。" in text_of(response) and by_number("A002") is None
    response = client.post("/households/new", data=household_form(world, building_id="0"))
    assert "请选择楼栋，或填写地址（农村住户）。" in text_of(response)
    response = client.post("/households/new", data=household_form(world, grid_id=str(world.grid_b.id),
                                                                    building_id="0", address_text="滨河村5号"))
    assert response.status_code == 303 and by_number("A002").grid_id == world.grid_b.id


def test_grid_worker_cannot_create_in_another_grid(client_as, world):
    client = client_as("worker_a")
    response = client.post("/households/new", data=household_form(
        world, grid_id=str(world.grid_b.id), building_id="0", address_text="滨河路9号"))
    assert response.status_code == 200 and "请选择您管辖范围内的在用网格。" in text_of(response)
    assert by_number("A002") is None


def test_building_select_narrows_to_the_chosen_grid_with_htmx(client_as, world):
    client = client_as("admin")
    response = client.get(f"/households/new?grid_id={world.grid_a.id}",
                          headers={"HX-Request": "true", "HX-Target": "building-field"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and "东关路1号" in html and "滨河路1号" not in html
    assert "东关一网格 ·" not in html  # one grid: no grid labels needed
    assert "HX-Request" in response.headers.get("Vary", "")


def test_list_filters_search_and_htmx_fragment(client_as, world):
    client = client_as("admin")
    client.post("/households/new", data=household_form(world), follow_redirects=True)
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


def test_edit_is_recorded_as_a_correction_in_the_feed(client_as, world):
    client = client_as("worker_a")
    household = world.households["a"]
    page = client.get(f"/households/{household.id}/edit")
    assert page.status_code == 200 and 'value="A001"' in page.get_data(as_text=True)
    data = household_form(world, household_number="A001", household_type="permanent", visit_class="1",
                          unit="1", room="101", note="")
    del data["grid_id"]
    assert client.post(f"/households/{household.id}/edit", data=data).status_code == 303
    assert by_number("A001").visit_class == 1
    feed = text_of(client.get("/population-changes/?kind=corrected"))
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
    services.update_resident(resident, services.ResidentValues(
        name=resident.name, id_number=resident.id_number, phone="13700001111"))
    db.session.commit()
    html = client_as("worker_a").get("/population-changes/").get_data(as_text=True)
    assert "联系电话：139****5678 → 137****1111" in html
    assert old_phone not in html and "13700001111" not in html and resident.id_number not in html


# --- Members ---------------------------------------------------------------------------

def test_add_an_existing_resident_by_id_number(client_as, world):
    wife = person(world, "王芳", "19720808", 31)
    household = world.households["a"]
    client = client_as("worker_a")
    assert client.get(f"/households/{household.id}/members").status_code == 200
    response = client.post(f"/households/{household.id}/members", data={
        "id_number": " " + wife.id_number.lower() + " ", "relation": "spouse", "start_date": TODAY})
    assert response.status_code == 303
    rows = memberships(household.id)
    assert [(r.resident.name, r.relation, r.end_date) for r in rows] == [("张伟", "head", None), ("王芳", "spouse", None)]
    text = text_of(client.get(f"/households/{household.id}"))
    assert "王芳" in text and "配偶" in text and "加入住户" in text


def test_adding_someone_outside_the_scope_reveals_nothing(client_as, world):
    stranger = person(world, "赵敏", "19880202", 41, grid=world.grid_b, phone="13655556666",
                      current_address="滨河路88号")
    client = client_as("worker_a")
    household = world.households["a"]
    for number in (stranger.id_number, make_id_number("19990909", 77)):  # elsewhere, and nowhere
        response = client.post(f"/households/{household.id}/members", data={
            "id_number": number, "relation": "other", "start_date": TODAY})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "在您的管辖范围内未找到该证件号码的人员。" in html and 'id="id_number-error"' in html
        assert "赵敏" not in html and "滨河" not in html and "13655556666" not in html
    assert len(memberships(household.id)) == 1


def test_someone_in_another_household_must_leave_first(client_as, world):
    client = client_as("admin")
    response = client.post(f"/households/{world.households['a'].id}/members", data={
        "id_number": world.residents["b"].id_number, "relation": "other", "start_date": TODAY})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "此人目前属于户号 B001，请先办理离户。" in html
    assert 'id="id_number-error"' in html


def test_leave(client_as, world):
    child = with_member(world, "张小", "child", 51)
    household = world.households["a"]
    member = next(m for m in household.current_members if m.resident_id == child.id)
    client = client_as("worker_a")
    assert client.get(f"/households/{household.id}/members/{member.id}/leave").status_code == 200
    response = client.post(f"/households/{household.id}/members/{member.id}/leave",
                           data={"day": TODAY, "note": "外出务工"})
    assert response.status_code == 303
    fresh()
    ended = db.session.get(HouseholdMember, member.id)
    assert ended.end_date.isoformat() == TODAY  # the day typed (TODAY: when the module loaded)
    text = text_of(client.get(f"/households/{household.id}"))
    assert "离开住户" in text and "外出务工" in text
    history = text.split("历史成员关系")[1].split("本户动态")[0]
    assert "张小" in history and TODAY in history


def test_the_head_cannot_leave_while_others_remain(client_as, world):
    with_member(world, "张小", "child", 51)
    household = world.households["a"]
    head = next(m for m in household.current_members if m.relation == "head")
    response = client_as("worker_a").post(f"/households/{household.id}/members/{head.id}/leave",
                                          data={"day": TODAY, "note": ""})
    assert response.status_code == 200 and "此人是户主，请先为该户变更户主。" in text_of(response)
    assert memberships(household.id)[0].end_date is None


def test_future_dates_are_refused(client_as, world):
    response = client_as("worker_a").post(f"/households/{world.households['a'].id}/members", data={
        "id_number": person(world, "王芳", "19720808", 31).id_number, "relation": "spouse",
        "start_date": "2999-01-01"})
    assert response.status_code == 200 and "日期不能晚于今天。" in text_of(response)


def test_member_of_another_household_is_404(client_as, world):
    other = world.households["b"].current_members[0]
    client = client_as("admin")
    url = f"/households/{world.households['a'].id}/members/{other.id}/leave"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"day": TODAY}).status_code == 404


# --- Head, split, merge ----------------------------------------------------------------

def test_change_head_through_the_page_keeps_the_ended_rows(client_as, world):
    son = with_member(world, "张子", "child", 52)
    wife = with_member(world, "王芳", "spouse", 53)
    household = world.households["a"]
    client = client_as("worker_a")
    page = client.get(f"/households/{household.id}/head")
    assert page.status_code == 200 and "张子" in text_of(page)
    response = client.post(f"/households/{household.id}/head", data={
        "new_head_id": str(son.id), "old_head_relation": "parent", f"relation-{wife.id}": "parent",
        f"relation-{son.id}": "child", "day": TODAY})
    assert response.status_code == 303
    fresh()
    household = db.session.get(Household, household.id)
    assert household.head_id == son.id
    current = {m.resident.name: m.relation for m in household.current_members}
    assert current == {"张子": "head", "张伟": "parent", "王芳": "parent"}
    text = text_of(client.get(f"/households/{household.id}"))
    history = text.split("历史成员关系")[1].split("本户动态")[0]
    for name, relation in (("张伟", "户主"), ("张子", "子女"), ("王芳", "配偶")):
        assert f"{name} {relation} 2024-" in history
    assert "变更户主" in text


def test_change_head_needs_a_member(client_as, world):
    household = world.households["a"]
    page = client_as("worker_a").get(f"/households/{household.id}/head")
    assert "本户没有户主以外的成员" in text_of(page)
    with_member(world, "张子", "child", 52)
    response = client_as("worker_a").post(f"/households/{household.id}/head", data={
        "new_head_id": str(world.residents["b"].id), "old_head_relation": "parent", "day": TODAY})
    assert response.status_code == 200 and "新户主须是本户现有成员。" in text_of(response)


def test_split_through_the_page(client_as, world):
    son = with_member(world, "张子", "child", 52)
    daughter_in_law = with_member(world, "刘丽", "other", 54)
    household = world.households["a"]
    client = client_as("worker_a")
    page = client.get(f"/households/{household.id}/split")
    assert page.status_code == 200 and "刘丽" in text_of(page)
    data = {"members": [str(son.id), str(daughter_in_law.id)], "new_head_id": str(son.id),
            "household_number": "A010", "household_type": "permanent", "visit_class": "3",
            "building_id": str(world.building_a.id), "unit": "1", "room": "102", "address_text": "",
            "day": TODAY}
    refused = client.post(f"/households/{household.id}/split", data={**data, "new_head_id": "0"})
    assert refused.status_code == 200 and "新户的户主须在分出的成员中。" in text_of(refused)
    response = client.post(f"/households/{household.id}/split", data=data)
    new = by_number("A010")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/households/{new.id}")
    assert new.head_id == son.id and {m.resident.name for m in new.current_members} == {"张子", "刘丽"}
    assert [m.resident.name for m in db.session.get(Household, household.id).current_members] == ["张伟"]
    assert "分户" in text_of(client.get(f"/households/{household.id}"))


def test_merge_through_the_page_with_a_confirmation(client_as, world):
    other = services.create_household(services.HouseholdValues(
        household_number="A002", building_id=world.building_a.id, unit="1", room="102"), world.grid_a)
    services.add_member(other, person(world, "孙强", "19600606", 61), "head", date(2024, 1, 1))
    db.session.commit()
    household = world.households["a"]
    client = client_as("worker_a")
    # Only households of the same grid can be chosen.
    wrong = client.post(f"/households/{household.id}/merge", data={"other_number": "B001", "day": TODAY})
    assert "本网格中没有该户号的在册住户。" in text_of(wrong)
    step = client.post(f"/households/{household.id}/merge", data={"other_number": "A002", "day": TODAY})
    assert step.status_code == 200 and "孙强" in text_of(step) and "确认并户" in text_of(step)
    assert by_number("A002").status == "active"  # nothing changed yet
    response = client.post(f"/households/{household.id}/merge",
                           data={"other_number": "A002", "day": TODAY, "confirm": "1"})
    assert response.status_code == 303
    assert by_number("A002").status == "closed"
    names = {m.resident.name: m.relation for m in db.session.get(Household, household.id).current_members}
    assert names == {"张伟": "head", "孙强": "other"}
    assert "并户" in text_of(client.get(f"/households/{household.id}"))
    assert "A002" not in text_of(client.get("/households/"))
    assert "A002" in text_of(client.get("/households/?closed=1"))


# --- Feed ------------------------------------------------------------------------------

def feed_rows(client, query=""):
    """The feed's table alone (the htmx fragment): no menu, filters or user name around it."""
    response = client.get(f"/population-changes/{query}",
                          headers={"HX-Request": "true", "HX-Target": "change-rows"})
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    return text_of(response)


def test_feed_lists_events_with_labels_and_is_scoped(client_as, world):
    client = client_as("worker_a")
    client.post("/households/new", data=household_form(world), follow_redirects=True)
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

def test_leader_reads_but_cannot_write(client_as, world):
    client = client_as("leader_a")
    household = world.households["a"]
    member = household.current_members[0]
    for url in ("/households/", f"/households/{household.id}", "/population-changes/"):
        assert client.get(url).status_code == 200, url
    detail = text_of(client.get(f"/households/{household.id}"))
    assert "变更户主" not in detail and "添加已登记人员" not in detail
    for url in ("/households/new", f"/households/{household.id}/edit", f"/households/{household.id}/members",
                f"/households/{household.id}/members/{member.id}/leave", f"/households/{household.id}/head",
                f"/households/{household.id}/split", f"/households/{household.id}/merge"):
        assert client.post(url, data={}).status_code == 403, url
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("username", ["worker_a", "leader_a"])
def test_another_grids_household_is_404(client_as, world, username):
    client = client_as(username)
    household = world.households["b"]
    assert client.get(f"/households/{household.id}").status_code == 404
    assert client.post(f"/households/{household.id}/merge", data={}).status_code == 404


def test_a_household_moves_to_another_grid_with_its_members(client_as, world):
    from app.registry.models import KeyPerson
    home, head = world.households["a"], world.residents["a"]
    client = client_as("station_a")
    response = client.post(f"/households/{home.id}/move", data={
        "grid_id": str(world.grid_a2.id), "household_number": "A001", "building_id": "0",
        "unit": "", "room": "", "address_text": "东关路88号", "day": "2025-05-01"})
    assert response.status_code == 303, text_of(response)
    fresh()
    moved = db.session.get(type(home), home.id)
    assert moved.grid_id == world.grid_a2.id and moved.address == "东关路88号"
    assert db.session.get(type(head), head.id).grid_id == world.grid_a2.id
    assert db.session.scalar(select(KeyPerson.grid_id).where(KeyPerson.resident_id == head.id)) == world.grid_a2.id
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.kind == "household_moved"))
    assert event.before["address"] == "东关路1号1单元101室" and event.after["address"] == "东关路88号"
    assert "住户搬迁" in text_of(client.get("/population-changes/"))
    # The grid worker of the old grid no longer sees them.
    assert client_as("worker_a").get(f"/households/{home.id}").status_code == 404

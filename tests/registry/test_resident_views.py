"""Resident pages: registration, duplicates, masking, the audited "show", search —
forms filled and sent as rendered (tests/web.py)."""

from datetime import date

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry.people.models import PopulationEvent, Resident
from tests.conftest import fresh, text_of
from tests.factories import make_id_number
from tests.web import choose, forge, form_on, press, visible_text


def _type_a_person(form, number=None, **typed):
    """What a station types for a new person; the rest stays as the page offers it."""
    form["name"] = "王小明"
    form["id_number"] = number or make_id_number("20100304", 21)
    form["phone"] = "13700001111"
    for name, value in typed.items():
        form[name] = value
    return form


def test_register_a_resident_through_the_page(web_as, world):
    """登记人员 on the resident list: no household, the grid chosen on the form."""
    web = web_as("worker_a")
    page = web.get("/residents/").click(description="登记人员")
    form = _type_a_person(form_on(page))
    choose(form, "grid_id", "东关一网格")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    resident = db.session.scalar(select(Resident).where(Resident.name == "王小明"))
    assert resident.grid_id == world.grid_a.id and resident.sex == "M" and str(resident.birth_date) == "2010-03-04"
    detail = visible_text(response.follow())
    assert "已登记：王小明" in detail and "137****1111" in detail and "13700001111" not in detail
    assert resident.id_number not in detail and resident.masked_id in detail


def test_register_into_a_household(web_as, world):
    web = web_as("worker_a")
    home = world.households["a"]
    page = web.get(f"/households/{home.id}").click(description="登记新人员入户")
    form = _type_a_person(form_on(page))
    choose(form, "relation", "子女")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    assert {m.resident.name for m in db.session.get(type(home), home.id).current_members} == {"张伟", "王小明"}


def test_a_bad_id_number_is_shown_at_the_field_and_the_form_keeps_the_input(web_as, world):
    number = make_id_number("20100304", 21)
    broken = number[:-1] + ("1" if number[-1] != "1" else "2")
    web = web_as("worker_a")
    form = _type_a_person(form_on(web.get("/residents/new")), number=broken, workplace="县一小")
    response = press(form, "保存")
    assert response.status_int == 200 and "校验位不正确" in visible_text(response)
    again = form_on(response)
    assert again["workplace"].value == "县一小" and again["name"].value == "王小明"


def test_duplicate_across_grids_names_only_the_station(web_as, world):
    other = world.residents["b"]
    web = web_as("worker_a")
    response = press(_type_a_person(form_on(web.get("/residents/new")), number=other.id_number), "保存")
    page = visible_text(response)
    assert "滨河社区" in page and "不要重复登记" in page
    assert "李娜" not in page and other.phone not in page


def test_reveal_shows_full_numbers_and_is_audited(web_as, world):
    web = web_as("worker_a")
    resident = world.residents["a"]
    page = web.get(f"/residents/{resident.id}")
    assert resident.id_number not in page.text
    response = press(form_on(page, action="/reveal"), "显示完整证件号和电话")
    assert resident.id_number in visible_text(response) and "13912345678" in visible_text(response)
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data_revealed"))
    assert event.actor_name == "worker_a" and event.target_id == resident.id


def test_forged_reveal_by_a_leader_is_refused(web_as, world):
    """A leader's page offers no 显示完整 button; posting to it anyway is 403."""
    resident = world.residents["a"]
    leader = web_as("leader_a")
    assert "显示完整证件号" not in leader.get(f"/residents/{resident.id}").text
    assert forge(leader, f"/residents/{resident.id}/reveal").status_int == 403


def test_list_masks_and_is_scoped(client_as, world):
    page = text_of(client_as("worker_a").get("/residents/"))
    assert "张伟" in page and "李娜" not in page
    assert world.residents["a"].id_number not in page and "139****5678" in page


def test_search_by_name_pinyin_initials_and_number_fragments(client_as, world):
    client = client_as("admin")
    number = world.residents["a"].id_number
    for query in ("张伟", "zw", "zhangw", number[-4:], number, "5678", "13912345678"):
        page = text_of(client.get(f"/residents/?q={query}"))
        assert "张伟" in page and "李娜" not in page, query
    fragment = client.get("/residents/?q=ln", headers={"HX-Request": "true", "HX-Target": "resident-rows"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "李娜" in body and "张伟" not in body


def test_edit_from_the_resident_page_saves_and_keeps_before_and_after(web_as, world):
    """修改 on a resident's page: the form as rendered, one field changed."""
    resident = world.residents["a"]
    web = web_as("station_a")
    form = form_on(web.get(f"/residents/{resident.id}").click(description="修改"))
    form["workplace"] = "县农机站"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "已保存" in visible_text(response.follow())
    fresh()
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.kind == "corrected"))
    assert event.after == {"workplace": "县农机站"}
    assert db.session.get(Resident, resident.id).phone == "13912345678"


def test_a_refused_edit_says_why_and_keeps_what_was_typed(web_as, world):
    resident = world.residents["a"]
    web = web_as("station_a")
    form = form_on(web.get(f"/residents/{resident.id}/edit"))
    form["name"] = ""
    form["workplace"] = "县农机站"
    response = press(form, "保存")
    assert response.status_int == 200 and "此项为必填项" in visible_text(response)
    assert form_on(response)["workplace"].value == "县农机站"


def test_death_is_recorded_from_the_detail_page(web_as, world):
    resident = world.residents["b"]
    web = web_as("worker_b")
    form = form_on(web.get(f"/residents/{resident.id}"), action="/leave")
    form["kind"] = "death"
    form["day"] = "2025-01-02"
    response = press(form, "确认")
    assert response.status_int == 303
    fresh()
    assert db.session.get(Resident, resident.id).status == "deceased"
    assert "已死亡" in visible_text(response.follow())


def test_a_death_ends_the_listing_the_group_leading_and_the_empty_household(web_as, world):
    """Resident b lived alone, was listed as a key person and led a 十户联防 group."""
    from app.registry.keypersons.models import KeyPerson
    from app.registry.organisations.models import JointDefenceGroup
    from app.registry.people.models import Household

    resident, household = world.residents["b"], world.households["b"]
    records = world.records["b"]
    web = web_as("worker_b")
    due = visible_text(web.get(f"/visits/grids/{world.grid_b.id}"))
    assert household.household_number in due
    form = form_on(web.get(f"/residents/{resident.id}"), action="/leave")
    form["kind"] = "death"
    form["day"] = "2025-01-02"
    assert press(form, "确认").status_int == 303
    fresh()
    key_person = db.session.get(KeyPerson, records["key_person"].id)
    assert (key_person.status, key_person.end_date, key_person.end_reason) == ("closed", date(2025, 1, 2), "死亡")
    page = visible_text(web.get(f"/key-persons/{key_person.id}"))
    assert "解除原因 死亡" in page and "已逾期" not in page and "添加跟进记录" not in page
    assert len(key_person.follow_ups) == 1  # the log is kept
    group = db.session.get(JointDefenceGroup, records["group"].id)
    assert group.leader_resident_id is None and group.members == []
    assert db.session.get(Household, household.id).status == "closed"
    assert household.household_number not in visible_text(web.get(f"/visits/grids/{world.grid_b.id}"))
    feed = visible_text(web.get(f"/population-changes/?grid={world.grid_b.id}"))
    assert "销户" in feed and "最后一名成员死亡" in feed


def test_the_edit_page_shows_numbers_masked_and_keeps_them_when_left_empty(web_as, world):
    """Only the audited 显示完整 shows a full number: the edit page shows the masked
    value beside an empty field, and an empty field keeps what is registered."""
    resident = world.residents["a"]
    web = web_as("station_a")
    page = web.get(f"/residents/{resident.id}/edit")
    assert resident.id_number not in page.text and "13912345678" not in page.text
    assert resident.masked_id in visible_text(page) and "139****5678" in visible_text(page)
    assert str(resident.birth_date) not in page.text
    form = form_on(page)
    assert form["id_number"].value == "" and form["phone"].value == ""
    form["workplace"] = "县农机站"
    assert press(form, "保存").status_int == 303
    fresh()
    saved = db.session.get(Resident, resident.id)
    assert saved.phone == "13912345678" and saved.id_number == resident.id_number
    assert saved.birth_date == resident.birth_date


def test_a_corrected_phone_is_typed_whole(web_as, world):
    resident = world.residents["a"]
    web = web_as("station_a")
    form = form_on(web.get(f"/residents/{resident.id}/edit"))
    form["phone"] = "13800001234"
    assert press(form, "保存").status_int == 303
    fresh()
    assert db.session.get(Resident, resident.id).phone == "13800001234"


def test_the_detail_page_shows_the_birth_year_until_the_numbers_are_revealed(web_as, world):
    resident = world.residents["a"]
    web = web_as("worker_a")
    page = web.get(f"/residents/{resident.id}")
    assert f"{resident.birth_date.year}年" in visible_text(page) and str(resident.birth_date) not in page.text
    revealed = press(form_on(page, action="/reveal"), "显示完整证件号和电话")
    assert str(resident.birth_date) in visible_text(revealed)

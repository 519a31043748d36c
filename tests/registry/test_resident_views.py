"""Resident pages: registration, duplicates, masking, the audited "show", search."""
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry.models import PopulationEvent, Resident
from tests.conftest import fresh, text_of
from tests.factories import make_id_number


def _form(world, **overrides):
    data = {"grid_id": str(world.grid_a.id), "reason": "registered", "name": "王小明", "id_type": "resident_id",
            "id_number": make_id_number("20100304", 21), "sex": "", "ethnicity": "汉族", "phone": "13700001111",
            "population_type": "registered", "political_status": "masses", "relation": "head"}
    data.update(overrides)
    return data


def test_register_a_resident_through_the_page(client_as, world):
    client = client_as("worker_a")
    response = client.post("/residents/new", data=_form(world, tag_ids=[]))
    assert response.status_code == 303
    fresh()
    resident = db.session.scalar(select(Resident).where(Resident.name == "王小明"))
    assert resident.grid_id == world.grid_a.id and resident.sex == "M" and str(resident.birth_date) == "2010-03-04"
    page = text_of(client.get(response.headers["Location"]))
    assert "王小明" in page and "137****1111" in page and "13700001111" not in page
    assert resident.id_number not in page and resident.masked_id in page


def test_register_into_a_household(client_as, world):
    client = client_as("worker_a")
    home = world.households["a"]
    response = client.post(f"/residents/new?household={home.id}", data=_form(world, relation="child",
                                                                            household_id=str(home.id)))
    assert response.status_code == 303
    fresh()
    assert {m.resident.name for m in db.session.get(type(home), home.id).current_members} == {"张伟", "王小明"}


def test_a_bad_id_number_is_shown_at_the_field_and_the_form_keeps_the_input(client_as, world):
    number = make_id_number("20100304", 21)
    broken = number[:-1] + ("1" if number[-1] != "1" else "2")
    response = client_as("worker_a").post("/residents/new", data=_form(world, id_number=broken, workplace="县一小"))
    page = text_of(response)
    assert "校验位不正确" in page
    assert 'value="县一小"' in response.get_data(as_text=True) and 'value="王小明"' in response.get_data(as_text=True)


def test_duplicate_across_grids_names_only_the_station(client_as, world):
    other = world.residents["b"]
    response = client_as("worker_a").post("/residents/new", data=_form(world, id_number=other.id_number))
    page = text_of(response)
    assert "滨河社区" in page and "不要重复登记" in page
    assert "李娜" not in page and other.phone not in page


def test_reveal_shows_full_numbers_and_is_audited(client_as, world):
    client = client_as("worker_a")
    resident = world.residents["a"]
    assert resident.id_number not in client.get(f"/residents/{resident.id}").get_data(as_text=True)
    response = client.post(f"/residents/{resident.id}/reveal")
    assert resident.id_number in text_of(response) and "13912345678" in text_of(response)
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data_revealed"))
    assert event.actor_name == "worker_a" and event.target_id == resident.id
    assert client_as("leader_a").post(f"/residents/{resident.id}/reveal").status_code == 403


def test_list_masks_and_is_scoped(client_as, world):
    page = text_of(client_as("worker_a").get("/residents/"))
    assert "张伟" in page and "李娜" not in page
    assert world.residents["a"].id_number not in page and "139****5678" in page


def test_search_by_name_pinyin_initials_and_number_fragments(client_as, world):
    client = client_as("admin")
    for query in ("张伟", "zw", "zhangw", world.residents["a"].id_number[-6:], "1234567"):
        page = text_of(client.get(f"/residents/?q={query}"))
        assert "张伟" in page and "李娜" not in page, query
    fragment = client.get("/residents/?q=ln", headers={"HX-Request": "true", "HX-Target": "resident-rows"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "李娜" in body and "张伟" not in body


def test_edit_keeps_before_and_after(client_as, world):
    resident = world.residents["a"]
    client = client_as("station_a")
    response = client.post(f"/residents/{resident.id}/edit", data=_form(
        world, name="张伟", id_number=resident.id_number, phone="13912345678", workplace="县农机站"))
    assert response.status_code == 303
    fresh()
    event = db.session.scalar(select(PopulationEvent).where(PopulationEvent.kind == "corrected"))
    assert event.after == {"workplace": "县农机站"}


def test_death_is_recorded_from_the_detail_page(client_as, world):
    resident = world.residents["b"]
    client = client_as("worker_b")
    response = client.post(f"/residents/{resident.id}/leave", data={"kind": "death", "day": "2025-01-02", "note": ""})
    assert response.status_code == 303
    fresh()
    assert db.session.get(Resident, resident.id).status == "deceased"
    assert "已死亡" in text_of(client.get(f"/residents/{resident.id}"))

"""One search box over residents, households and organisations, within scope."""
from tests.conftest import text_of


def test_search_finds_people_households_and_organisations_in_scope(client_as, world):
    client = client_as("worker_a")
    page = text_of(client.get("/search?q=zw"))
    assert "张伟" in page and "李娜" not in page
    page = text_of(client.get("/search?q=A001"))
    assert "住户（1）" in page and "张伟" in page
    page = text_of(client.get("/search?q=示范有限公司"))
    assert "示范有限公司a" in page and "示范有限公司b" not in page
    page = text_of(client.get(f"/search?q={world.residents['a'].id_number[-6:]}"))
    assert "张伟" in page and world.residents["a"].id_number not in page


def test_search_answers_htmx_with_the_results_only(client_as, world):
    response = client_as("admin").get("/search?q=李娜", headers={"HX-Request": "true", "HX-Target": "search-results"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "李娜" in body


def test_the_header_search_box_is_on_every_page(client_as, world):
    page = client_as("station_a").get("/divisions/").get_data(as_text=True)
    assert 'action="/search"' in page


def test_admins_keep_the_care_tag_list(client_as, world):
    from sqlalchemy import select

    from app.extensions import db
    from app.registry.models import CareTag
    from tests.conftest import fresh
    client = client_as("admin")
    assert client.post("/care-tags/", data={"name": "重点优抚对象"}).status_code == 303
    assert "已有同名标签" in text_of(client.post("/care-tags/", data={"name": "重点优抚对象"}))
    fresh()
    tag = db.session.scalar(select(CareTag).where(CareTag.name == "重点优抚对象"))
    client.post(f"/care-tags/{tag.id}/toggle")
    fresh()
    assert db.session.get(CareTag, tag.id).is_active is False
    form = client_as("worker_a").get("/residents/new").get_data(as_text=True)
    assert "重点优抚对象" not in form and "留守儿童" in form
    assert client_as("station_a").get("/care-tags/").status_code == 404

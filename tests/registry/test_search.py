"""One search box over residents, households and organisations, within scope; people
in pinyin order; the care-tag list (its forms sent as rendered, tests/web.py)."""

from tests.conftest import text_of
from tests.web import form_on, options, press, visible_text


def test_search_finds_people_households_and_organisations_in_scope(client_as, world):
    client = client_as("worker_a")
    page = text_of(client.get("/search?q=zw"))
    assert "张伟" in page and "李娜" not in page
    page = text_of(client.get("/search?q=A001"))
    assert "住户（1）" in page and "张伟" in page
    page = text_of(client.get("/search?q=示范有限公司"))
    assert "示范有限公司a" in page and "示范有限公司b" not in page
    page = text_of(client.get(f"/search?q={world.residents['a'].id_number[-4:]}"))
    assert "张伟" in page and world.residents["a"].id_number not in page


def test_search_answers_htmx_with_the_results_only(client_as, world):
    response = client_as("admin").get("/search?q=李娜", headers={"HX-Request": "true", "HX-Target": "search-results"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "李娜" in body


def test_the_header_search_box_is_on_every_page(client_as, world):
    page = client_as("station_a").get("/divisions/").get_data(as_text=True)
    assert 'action="/search"' in page


def test_admins_keep_the_care_tag_list(web_as, client_as, world):
    from sqlalchemy import select

    from app.extensions import db
    from app.registry.people.models import CareTag
    from tests.conftest import fresh

    web = web_as("admin")

    def add(name):
        form = form_on(web.get("/care-tags/"), button="添加")
        form["name"] = name
        return press(form, "添加")

    assert add("重点优抚对象").status_int == 303
    assert "已有同名标签" in visible_text(add("重点优抚对象"))
    fresh()
    tag = db.session.scalar(select(CareTag).where(CareTag.name == "重点优抚对象"))
    assert press(form_on(web.get("/care-tags/"), action=f"/care-tags/{tag.id}/toggle"), "停用").status_int == 303
    fresh()
    assert db.session.get(CareTag, tag.id).is_active is False
    form = client_as("worker_a").get("/residents/new").get_data(as_text=True)
    assert "重点优抚对象" not in form and "留守儿童" in form
    assert client_as("station_a").get("/care-tags/").status_code == 404


# --- Pinyin order ------------------------------------------------------------------------


def three_people(world):
    """张三, 李四, 王五 registered in that order in 东关一网格."""
    from app.extensions import db
    from app.registry.people import services
    from tests.factories import make_id_number

    people = [
        services.register_resident(
            services.ResidentValues(name=name, id_number=make_id_number("19900101", 60 + n), phone=f"1370000{n}321"),
            world.grid_a,
        )
        for n, name in enumerate(("张三", "李四", "王五"))
    ]
    db.session.commit()
    return people


def names_in(text, names=("张伟", "张三", "李四", "王五")):
    """The names in the order they appear."""
    import re

    return re.findall("|".join(names), text)


def test_people_are_listed_in_pinyin_order(client_as, world):
    """李四, 王五, 张三, 张伟 (li, wang, zhangsan, zhangwei) — not 张三, 张伟, 李四, 王五
    as their code points would have them — on the resident list, the search page and the
    resident export's page order."""
    three_people(world)
    client = client_as("worker_a")
    expected = ["李四", "王五", "张三", "张伟"]
    assert names_in(text_of(client.get(f"/residents/?grid={world.grid_a.id}"))) == expected
    rows = client.get("/residents/?q=", headers={"HX-Request": "true", "HX-Target": "resident-rows"})
    assert names_in(text_of(rows)) == expected
    # All three mobiles end in 321 (the visible last digits a search may match).
    people = text_of(client.get("/search?q=321")).split("人员（")[1].split("住户（")[0]
    assert names_in(people) == ["李四", "王五", "张三"]


def test_people_offered_as_choices_are_in_pinyin_order(web_as, world):
    """The responsible staff offered when listing a key person, and a building's chief
    on the building form: 李四, 王五, 张三."""
    from app.extensions import db
    from app.org.models import StaffAssignment, StaffMember, StaffRole
    from tests.factories import START

    for name in ("张三", "李四", "王五"):
        member = StaffMember(home_division=world.community_a, name=name, phone="13800000001")
        db.session.add(member)
        db.session.add(
            StaffAssignment(staff=member, division=world.grid_a, role=StaffRole.BUILDING_CHIEF.value, start_date=START)
        )
    db.session.commit()
    web = web_as("station_a")
    resident = world.residents["a"]
    form = form_on(web.get(f"/residents/{resident.id}").click(description="列为重点人员"))
    assert names_in(
        " ".join(text for _value, text in options(form, "responsible_staff_id")), ("张三", "李四", "王五")
    ) == ["李四", "王五", "张三"]
    building = form_on(web.get(f"/buildings/{world.building_a.id}").click(description="修改"))
    assert [text for _value, text in options(building, "chief_staff_id")][1:] == ["李四", "王五", "张三"]


def test_households_are_found_by_short_and_long_fragments_of_number_address_or_building(client_as, world):
    """One or two characters (PostgreSQL: the characters index), three or more (pg_trgm),
    in either case: the same households on both engines."""
    client = client_as("worker_a")
    for fragment in ("a0", "A00", "a001", "1号", "1号楼", "东关路", "张伟"):
        page = text_of(client.get("/search", query_string={"q": fragment}))
        assert "住户（1）" in page and "A001" in page, fragment
    assert "住户（0）" in text_of(client.get("/search", query_string={"q": "号关"}))  # both characters, not in a row

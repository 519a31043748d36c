"""Housing registers through the web layer on a real database: houses with their
owner, rentals with their term, 治安责任书 and tenants (found only within scope),
shops with their licence, the masked exports, roles and scope, buildings and rooms in
natural order; and the rules in app.registry.housing.services directly. Forms are
filled and sent as rendered (tests/web.py); hand-built posts only where forged."""

import re
from datetime import date, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.forms import RuleError
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Building
from app.registry.housing import services as housing
from app.registry.housing import shop_services
from app.registry.housing.models import House, Rental, RentalTenant, Shop
from app.registry.people import services
from tests.conftest import fresh, text_of
from tests.factories import make_id_number
from tests.web import choose, forge, form_on, options, post_forms, press, visible_text

GOOD_CODE = "91350100M000100Y43"
BAD_CODE = "91350100M000100Y42"


def person(world, name, sequence, grid=None, phone=""):
    resident = services.register_resident(
        services.ResidentValues(name=name, id_number=make_id_number("19900101", sequence), phone=phone),
        grid or world.grid_a,
    )
    db.session.commit()
    return resident


def fill(form, **typed):
    """Type into the form's fields as a person would; the rest stays as rendered."""
    for name, value in typed.items():
        form[name] = value
    return form


def house_typed(**overrides):
    """What a worker types for a new house in a building (grid and building chosen)."""
    return {
        "unit": "3",
        "room": "301",
        "owner_name": "王芳",
        "owner_phone": "13700001234",
        "area_m2": "89.5",
        **overrides,
    }


def new_house_form(web, world):
    """登记房屋 from the house list filtered to building 1号楼 of 东关一网格."""
    listing = web.get(f"/houses/?grid={world.grid_a.id}&building={world.building_a.id}")
    return form_on(listing.click(description="登记房屋"))


def new_shop_form(web):
    """登记商铺 from the shop list."""
    return form_on(web.get("/shops/").click(description="登记商铺"))


def shop_typed(**overrides):
    return {
        "name": "东关小吃店",
        "licence_number": GOOD_CODE,
        "operator_name": "赵强",
        "operator_phone": "13600004321",
        "address": "东关路8号",
        **overrides,
    }


def audit_actions():
    fresh()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def workbook_rows(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    return [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]


# --- Houses ----------------------------------------------------------------------------


def test_create_a_house_in_a_building_and_see_it_listed(web_as, client_as, world):
    """登记房屋 from the list filtered to a building: grid and building come chosen."""
    web = web_as("worker_a")
    form = new_house_form(web, world)
    assert form["grid_id"].value == str(world.grid_a.id) and form["building_id"].value == str(world.building_a.id)
    assert form["use"].value == "own"
    response = press(fill(form, **house_typed()), "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    house = db.session.scalar(select(House).where(House.room == "301"))
    assert response.location.endswith(f"/houses/{house.id}")
    assert (house.grid_id, house.building_id, house.owner_name, house.owner_phone, str(house.area_m2)) == (
        world.grid_a.id,
        world.building_a.id,
        "王芳",
        "13700001234",
        "89.50",
    )
    assert "已登记房屋：东关路1号3单元301室" in visible_text(response.follow())
    client = client_as("worker_a")
    listed = text_of(client.get("/houses/"))
    assert "东关路1号3单元301室" in listed and "王芳" in listed and "137****1234" in listed
    assert "13700001234" not in listed
    # The building filter and a search by owner both find it; the htmx fragment is bare.
    fragment = client.get(
        f"/houses/?building={world.building_a.id}&q=王芳", headers={"HX-Request": "true", "HX-Target": "house-rows"}
    )
    assert "<html" not in fragment.get_data(as_text=True) and "东关路1号3单元301室" in text_of(fragment)
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    assert "301" not in text_of(client.get("/houses/?q=没有这个人"))
    assert "house_created" in audit_actions()


def test_house_rules_are_shown_at_their_fields(web_as, world):
    web = web_as("worker_a")
    bad_phone = press(fill(new_house_form(web, world), **house_typed(owner_phone="12345")), "保存")
    assert bad_phone.status_int == 200 and 'id="owner_phone-error"' in bad_phone.text
    nobody = press(fill(new_house_form(web, world), **house_typed(owner_name="", owner_phone="")), "保存")
    assert 'id="owner_name-error"' in nobody.text
    twice = press(fill(new_house_form(web, world), **house_typed(unit="1", room="102")), "保存")
    assert 'id="room-error"' in twice.text and "该房屋已经登记" in visible_text(twice)
    # The refused form keeps what was typed.
    assert form_on(twice)["owner_name"].value == "王芳" and form_on(twice)["room"].value == "102"
    fresh()
    assert db.session.scalar(select(House).where(House.room == "301")) is None


def test_a_building_of_another_grid_is_refused_at_the_field(web_as, world):
    """Without JS the county's building list spans every grid: choosing 滨河一网格's
    building for a house in 东关一网格 is refused at the field."""
    web = web_as("admin")
    form = form_on(web.get("/houses/").click(description="登记房屋"))
    choose(form, "grid_id", "东关一网格")
    choose(form, "building_id", "滨河一网格 · 1号楼")
    response = press(fill(form, **house_typed()), "保存")
    assert response.status_int == 200 and 'id="building_id-error"' in response.text
    fresh()
    assert db.session.scalar(select(House).where(House.room == "301")) is None


def test_owner_by_id_number_only_within_scope(web_as, world):
    web = web_as("worker_a")
    by_number = {"owner_name": "", "owner_phone": ""}
    outside = press(
        fill(new_house_form(web, world), **house_typed(**by_number, owner_id_number=world.residents["b"].id_number)),
        "保存",
    )
    unknown = press(
        fill(new_house_form(web, world), **house_typed(**by_number, owner_id_number=make_id_number("19600101", 77))),
        "保存",
    )
    message = "在您的管辖范围内未找到该证件号码的人员。"
    assert message in visible_text(outside) and message in visible_text(unknown)
    assert "李娜" not in visible_text(outside)
    response = press(
        fill(new_house_form(web, world), **house_typed(**by_number, owner_id_number=world.residents["a"].id_number)),
        "保存",
    )
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    house = db.session.scalar(select(House).where(House.room == "301"))
    assert house.owner_resident_id == world.residents["a"].id and house.owner_name == ""
    detail = response.follow()
    assert "张伟" in visible_text(detail) and "139****5678" in visible_text(detail)
    assert world.residents["a"].id_number not in detail.text
    # 修改 with the ID number left blank, as the page renders it, keeps the linked owner.
    form = form_on(detail.click(description="修改"))
    assert form["owner_id_number"].value == "" and "留空则保持当前关联的已登记人员" in form.text
    choose(form, "use", "空置")
    edit = press(form, "保存")
    assert edit.status_int == 303, visible_text(edit)[:600]
    fresh()
    house = db.session.get(House, house.id)
    assert (house.owner_resident_id, house.use) == (world.residents["a"].id, "vacant")
    assert audit_actions()[-1] == "house_updated"


# --- Rentals ---------------------------------------------------------------------------


def new_house(world, room="401"):
    house = House(
        grid_id=world.grid_a.id, building_id=world.building_a.id, unit="4", room=room, use="own", owner_name="王芳"
    )
    db.session.add(house)
    db.session.commit()
    return house


def new_rental_form(web, house):
    """登记出租 on the house's page."""
    return form_on(web.get(f"/houses/{house.id}").click(description="登记出租"))


def test_rental_end_before_start_is_refused_at_the_field(web_as, world):
    house = new_house(world)
    web = web_as("worker_a")
    response = press(fill(new_rental_form(web, house), start_date="2024-05-01", end_date="2024-04-30"), "保存")
    assert response.status_int == 200
    assert 'id="end_date-error"' in response.text and "到期日期不能早于起租日期。" in response.text
    assert form_on(response)["start_date"].value == "2024-05-01"
    fresh()
    assert db.session.scalars(select(Rental).where(Rental.house_id == house.id)).all() == []


def test_create_a_rental_makes_the_house_rented(web_as, world):
    house = new_house(world)
    web = web_as("worker_a")
    form = new_rental_form(web, house)
    assert form["landlord_name"].value == "王芳"  # the house's owner, as the page offers
    assert form["start_date"].value == local_today().isoformat()
    fill(form, landlord_phone="13700001234", start_date="2024-03-01", end_date="2025-02-28", agreement_signed=True)
    unsigned_date = press(form, "保存")
    assert 'id="agreement_date-error"' in unsigned_date.text
    again = form_on(unsigned_date)
    assert again["agreement_signed"].checked and again["end_date"].value == "2025-02-28"
    again["agreement_date"] = "2024-03-01"
    response = press(again, "保存")
    fresh()
    rental = db.session.scalar(select(Rental).where(Rental.house_id == house.id))
    assert response.status_int == 303 and response.location.endswith(f"/rentals/{rental.id}")
    assert rental.grid_id == world.grid_a.id and rental.agreement_signed and rental.agreement_date == date(2024, 3, 1)
    assert db.session.get(House, house.id).use == "rent"
    detail = visible_text(response.follow())
    assert "2025-02-28" in detail and "已签" in detail and "137****1234" in detail
    assert "rental_created" in audit_actions()


def add_tenant(web, rental, id_number):
    """添加租户 on the rental's page: the full ID number typed."""
    form = form_on(web.get(f"/rentals/{rental.id}"), action=f"/rentals/{rental.id}/tenants")
    form["id_number"] = id_number
    return press(form, "添加租户")


def test_add_a_tenant_in_scope_and_refuse_one_outside_without_leaking(web_as, world):
    rental = world.records["a"]["rental"]
    tenant = person(world, "陈静", 31, phone="13511112222")
    web = web_as("worker_a")
    response = add_tenant(web, rental, tenant.id_number)
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    assert {t.resident_id for t in db.session.get(Rental, rental.id).tenants} == {world.residents["a"].id, tenant.id}
    detail = visible_text(response.follow())
    assert "陈静" in detail and tenant.id_number not in detail
    assert f"{tenant.id_number[:6]}********{tenant.id_number[-4:]}" in detail and "135****2222" in detail
    # Grid B's resident answers exactly like a number nobody registered.
    outside = add_tenant(web, rental, world.residents["b"].id_number)
    unknown = add_tenant(web, rental, make_id_number("19600101", 78))
    assert outside.status_int == unknown.status_int == 200
    message = "在您的管辖范围内未找到该证件号码的人员。"
    assert message in visible_text(outside) and message in visible_text(unknown)
    assert "李娜" not in visible_text(outside) and "滨河" not in visible_text(outside)
    again = add_tenant(web, rental, tenant.id_number)
    assert "该人员已是本出租房屋的租户。" in visible_text(again)
    assert audit_actions().count("tenant_added") == 1


def test_remove_a_tenant_and_a_forged_remove_through_another_rental_is_404(web_as, world):
    rental = world.records["a"]["rental"]
    tenant_id = world.records["a"]["tenant"].id
    house = new_house(world)
    other = Rental(house=house, grid_id=world.grid_a.id, start_date=date(2024, 1, 1), landlord_name="王芳")
    db.session.add(other)
    db.session.commit()
    web = web_as("worker_a")
    # Forged: the tenant's id under a rental it does not belong to.
    assert forge(web, f"/rentals/{other.id}/tenants/{tenant_id}/remove").status_int == 404
    page = web.get(f"/rentals/{rental.id}")
    response = press(form_on(page, action=f"/rentals/{rental.id}/tenants/{tenant_id}/remove"), "移出")
    assert response.status_int == 303
    fresh()
    assert db.session.get(RentalTenant, tenant_id) is None
    assert db.session.get(Rental, rental.id).tenants == []
    assert audit_actions()[-1] == "tenant_removed"


def test_rental_list_filters_unsigned_and_expired(client_as, world):
    today = local_today()
    house_1, house_2 = new_house(world, "501"), new_house(world, "502")
    signed = Rental(
        house=house_1,
        grid_id=world.grid_a.id,
        landlord_name="签了的房东",
        start_date=today - timedelta(days=30),
        agreement_signed=True,
        agreement_date=today,
    )
    ended = Rental(
        house=house_2,
        grid_id=world.grid_a.id,
        landlord_name="到期的房东",
        start_date=date(2023, 1, 1),
        end_date=today - timedelta(days=1),
    )
    db.session.add_all([signed, ended])
    db.session.commit()
    client = client_as("worker_a")
    everything = text_of(client.get("/rentals/"))
    assert "签了的房东" in everything and "到期的房东" in everything and "张伟" in everything
    assert "滨河" not in everything
    unsigned = text_of(client.get("/rentals/?agreement=unsigned"))
    assert "签了的房东" not in unsigned and "到期的房东" in unsigned and "张伟" in unsigned
    expired = client.get("/rentals/?term=expired", headers={"HX-Request": "true", "HX-Target": "rental-rows"})
    assert "<html" not in expired.get_data(as_text=True)
    assert "到期的房东" in text_of(expired) and "签了的房东" not in text_of(expired) and "张伟" not in text_of(expired)


# --- Shops -----------------------------------------------------------------------------


def test_shop_licence_must_be_a_valid_credit_code_when_it_has_18_characters(web_as, client_as, world):
    web = web_as("worker_a")
    form = new_shop_form(web)
    assert form["grid_id"].value == str(world.grid_a.id) and form["status"].value == "open"
    choose(form, "business_type", "餐饮")
    bad = press(fill(form, **shop_typed(licence_number=BAD_CODE)), "保存")
    assert bad.status_int == 200 and 'id="licence_number-error"' in bad.text
    assert "统一社会信用代码校验位不正确" in visible_text(bad)
    again = form_on(bad)
    assert again["business_type"].value == "catering" and again["operator_name"].value == "赵强"
    response = press(
        fill(again, licence_number=GOOD_CODE, frontage_duty_signed=True, frontage_duty_note="每日清扫"), "保存"
    )
    fresh()
    shop = db.session.scalar(select(Shop).where(Shop.name == "东关小吃店"))
    assert response.status_int == 303 and response.location.endswith(f"/shops/{shop.id}")
    assert (shop.licence_number, shop.grid_id, shop.frontage_duty_signed, shop.operator_phone) == (
        GOOD_CODE,
        world.grid_a.id,
        True,
        "13600004321",
    )
    detail = visible_text(response.follow())
    assert GOOD_CODE in detail and "136****4321" in detail and "每日清扫" in detail
    listed = text_of(client_as("worker_a").get("/shops/?duty=signed"))
    assert "东关小吃店" in listed and "便民超市a" not in listed
    assert "shop_created" in audit_actions()


def test_shop_in_a_house_of_its_grid(web_as, world):
    """在此登记商铺 on a house's page: the house comes chosen; the shop's page edits it."""
    house = new_house(world, "601")
    web = web_as("worker_a")
    form = form_on(web.get(f"/houses/{house.id}").click(description="在此登记商铺"))
    assert form["house_id"].value == str(house.id)
    response = press(fill(form, **shop_typed(address="")), "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    shop = db.session.scalar(select(Shop).where(Shop.name == "东关小吃店"))
    assert shop.house_id == house.id and db.session.get(House, house.id).use == "shop"
    edit = form_on(response.follow().click(description="修改"))
    assert edit["house_id"].value == str(house.id)
    choose(edit, "status", "已停业")
    assert press(edit, "保存").status_int == 303
    fresh()
    assert db.session.get(Shop, shop.id).status == "closed" and audit_actions()[-1] == "shop_updated"


def test_forged_shop_in_a_house_of_another_grid_is_refused_at_the_field(web_as, world):
    """The page offers only the grid's own houses; a tampered house id is refused."""
    web = web_as("worker_a")
    other_house = world.records["b"]["house"]
    form = new_shop_form(web)
    assert str(other_house.id) not in [value for value, _text in options(form, "house_id")]
    fields = dict(form.submit_fields())
    fields.update(shop_typed(address=""), house_id=str(other_house.id))
    del fields["csrf_token"]
    response = forge(web, "/shops/new", fields)
    assert response.status_int == 200 and 'id="house_id-error"' in response.text
    fresh()
    assert db.session.scalar(select(Shop).where(Shop.name == "东关小吃店")) is None


@pytest.mark.parametrize(
    "typed, stored",
    [
        (GOOD_CODE.lower(), GOOD_CODE),
        ("３５０１００４０００１２３４５", "350100400012345"),  # full-width digits, old registration number
        ("", ""),
    ],
)
def test_licence_numbers_accepted(typed, stored):
    assert shop_services.clean_licence(typed) == stored


@pytest.mark.parametrize("typed", [BAD_CODE, "91350100M000100YI3", "X" * 33])
def test_licence_numbers_refused(app, typed):
    with pytest.raises(RuleError) as refused:
        shop_services.clean_licence(typed)
    assert refused.value.field == "licence_number"


# --- Rules without a client ------------------------------------------------------------


def test_rental_rules_directly(app, world):
    worker = world.users["worker_a"]
    house = world.records["a"]["house"]
    landlord = housing.PersonValues(name="王芳")
    with pytest.raises(RuleError) as refused:
        housing.create_rental(
            house,
            housing.RentalValues(landlord=landlord, start_date=date(2024, 5, 2), end_date=date(2024, 5, 1)),
            user=worker,
        )
    assert refused.value.field == "end_date"
    db.session.rollback()
    # A blank landlord on a house with a registered owner: the owner lets it.
    house.owner_resident_id = world.residents["a"].id
    rental = housing.create_rental(
        house, housing.RentalValues(landlord=housing.PersonValues(), start_date=date(2024, 5, 1)), user=worker
    )
    assert rental.landlord_resident_id == world.residents["a"].id and rental.grid_id == world.grid_a.id
    with pytest.raises(RuleError) as refused:
        housing.add_tenant(rental, world.residents["b"].id_number, user=worker)
    assert refused.value.field == "id_number"
    assert housing.find_visible_resident(world.residents["b"].id_number, world.users["worker_b"]) is not None
    assert housing.find_visible_resident(world.residents["b"].id_number, worker) is None


# --- Exports ---------------------------------------------------------------------------


def test_exports_are_masked_and_audited(client_as, world):
    world.records["a"]["house"].owner_phone = "13700001234"
    world.records["a"]["shop"].operator_phone = "13600004321"
    db.session.commit()
    client = client_as("worker_a")
    id_number = world.residents["a"].id_number

    houses = workbook_rows(client.get("/houses/export.xlsx"))
    assert "地址" in houses[1] and "房主电话" in houses[1]
    assert any("137****1234" in row for row in houses[2:])
    assert not any("13700001234" in cell for row in houses for cell in row)

    rentals = workbook_rows(client.get("/rentals/export.xlsx?agreement=unsigned"))
    assert "治安责任书" in rentals[1] and "租户" in rentals[1]
    text = " ".join(" ".join(row) for row in rentals)
    assert f"张伟 {id_number[:6]}********{id_number[-4:]}" in text and id_number not in text
    assert "139****5678" in text and "13912345678" not in text and "李娜" not in text

    shops = workbook_rows(client.get("/shops/export.xlsx"))
    assert "营业执照号" in shops[1] and "门前三包" in shops[1]
    assert any("136****4321" in row for row in shops[2:]) and "便民超市b" not in str(shops)

    fresh()
    summaries = [
        e.summary
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "register_exported").order_by(AuditEvent.id)
        )
    ]
    assert summaries == ["房屋 1", "出租房屋 1", "商铺 1"]


# --- Roles and scope -------------------------------------------------------------------


def test_leader_reads_but_forged_writes_are_403(web_as, world):
    """A leader's pages offer no form; posts forged to each write URL are 403."""
    records = world.records["a"]
    web = web_as("leader_a")
    for url in [f"/houses/{records['house'].id}", f"/rentals/{records['rental'].id}", f"/shops/{records['shop'].id}"]:
        page = web.get(url)
        assert page.status_int == 200 and post_forms(page) == [], url
    assert f"/houses/{records['house'].id}/edit" not in web.get(f"/houses/{records['house'].id}").text
    for url in [
        "/houses/new",
        f"/houses/{records['house'].id}/edit",
        f"/houses/{records['house'].id}/rentals/new",
        f"/rentals/{records['rental'].id}/edit",
        f"/rentals/{records['rental'].id}/tenants",
        f"/rentals/{records['rental'].id}/tenants/{records['tenant'].id}/remove",
        "/shops/new",
        f"/shops/{records['shop'].id}/edit",
    ]:
        assert forge(web, url, {}).status_int == 403, url
    fresh()
    assert db.session.get(RentalTenant, records["tenant"].id) is not None


def test_another_grid_sees_nothing_and_forged_posts_are_404(web_as, client_as, world):
    records = world.records["a"]
    web = web_as("worker_b")
    for url in [
        f"/houses/{records['house'].id}",
        f"/houses/{records['house'].id}/edit",
        f"/houses/{records['house'].id}/rentals/new",
        f"/rentals/{records['rental'].id}",
        f"/rentals/{records['rental'].id}/edit",
        f"/rentals/{records['rental'].id}/tenants",
        f"/shops/{records['shop'].id}",
        f"/shops/{records['shop'].id}/edit",
        f"/shops/new?house={records['house'].id}",
    ]:
        assert web.get(url, expect_errors=True).status_int == 404, url
        if "?" not in url:
            assert forge(web, url, {}).status_int in (404, 405), url
    remove = f"/rentals/{records['rental'].id}/tenants/{records['tenant'].id}/remove"
    assert forge(web, remove).status_int == 404
    client = client_as("worker_b")
    for url in ["/houses/", "/rentals/", "/shops/"]:
        listed = text_of(client.get(url))
        assert "东关" not in listed and "张伟" not in listed and "便民超市a" not in listed


# --- Natural order -----------------------------------------------------------------------


def more_buildings(world):
    """10号楼 registered before 2号楼, beside the factory's 1号楼 (东关路1号)."""
    ten = Building(community=world.community_a, grid=world.grid_a, number="10号楼", address="东关路10号")
    db.session.add(ten)
    db.session.flush()
    two = Building(community=world.community_a, grid=world.grid_a, number="2号楼", address="东关路2号")
    db.session.add(two)
    db.session.commit()
    return two, ten


def building_numbers(text):
    return re.findall(r"\d+号楼", text)


def test_buildings_are_listed_and_offered_in_natural_order(web_as, client_as, world):
    """1号楼, 2号楼 … 10号楼 — not 10号楼, 1号楼, 2号楼 — on the grid's and the
    community's pages, in the house form's building choice and the house list's filter."""
    more_buildings(world)
    worker = client_as("worker_a")
    grid_page = text_of(worker.get(f"/divisions/{world.grid_a.id}")).split("拆分与合并")[0]
    assert building_numbers(grid_page.split("楼栋")[-1]) == ["1号楼", "2号楼", "10号楼"]
    community = text_of(client_as("station_a").get(f"/divisions/{world.community_a.id}"))
    assert building_numbers(community)[-3:] == ["1号楼", "2号楼", "10号楼"]
    web = web_as("worker_a")
    form = new_house_form(web, world)
    assert [text for _value, text in options(form, "building_id")][1:] == [
        "东关一网格 · 1号楼 东关路1号",
        "东关一网格 · 2号楼 东关路2号",
        "东关一网格 · 10号楼 东关路10号",
    ]
    listing = web.get("/houses/")
    offered = next(f for f in listing.forms.values() if "building" in f.fields)  # the list's filters
    assert building_numbers(" ".join(text for _value, text in options(offered, "building"))) == [
        "1号楼",
        "2号楼",
        "10号楼",
    ]


def test_a_buildings_rooms_are_listed_in_natural_order(web_as, client_as, world):
    """Rooms 101, 102 … 1001 (not 1001, 101, 102), buildings 1号楼 … 10号楼, on the
    house list (one building's and all) and in the shop form's house choice."""
    two, ten = more_buildings(world)
    db.session.add_all(
        [
            House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="1", room="1001", use="own"),
            House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="1", room="101", use="own"),
            House(grid_id=world.grid_a.id, building_id=ten.id, unit="1", room="101", use="own"),
            House(grid_id=world.grid_a.id, building_id=two.id, unit="1", room="101", use="own"),
        ]
    )
    db.session.commit()
    client = client_as("worker_a")
    rooms = text_of(client.get(f"/houses/?building={world.building_a.id}"))
    assert re.findall(r"东关路1号1单元\d+室", rooms) == [
        "东关路1号1单元101室",
        "东关路1号1单元102室",
        "东关路1号1单元1001室",
    ]
    everything = re.findall(r"东关路\d+号1单元\d+室", text_of(client.get("/houses/")))
    assert everything == [
        "东关路1号1单元101室",
        "东关路1号1单元102室",
        "东关路1号1单元1001室",
        "东关路2号1单元101室",
        "东关路10号1单元101室",
    ]
    form = new_shop_form(web_as("worker_a"))
    assert [text for _value, text in options(form, "house_id")][1:] == everything

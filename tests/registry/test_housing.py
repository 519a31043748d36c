"""Housing registers through the web layer on a real database: houses with their
owner, rentals with their term, 治安责任书 and tenants (found only within scope),
shops with their licence, the masked exports, roles and scope; and the rules in
app.registry.housing_services directly."""
from datetime import date, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.forms import RuleError
from app.core.timeutil import local_today
from app.extensions import db
from app.registry import housing_services as housing
from app.registry import shop_services
from app.registry import services
from app.registry.housing_models import House, Rental, RentalTenant, Shop
from tests.conftest import fresh, text_of
from tests.factories import make_id_number

GOOD_CODE = "91350100M000100Y43"
BAD_CODE = "91350100M000100Y42"


def person(world, name, sequence, grid=None, phone=""):
    resident = services.register_resident(services.ResidentValues(
        name=name, id_number=make_id_number("19900101", sequence), phone=phone), grid or world.grid_a)
    db.session.commit()
    return resident


def house_form(world, **overrides):
    data = {"grid_id": str(world.grid_a.id), "building_id": str(world.building_a.id), "unit": "3",
            "room": "301", "address_text": "", "use": "own", "owner_id_number": "", "owner_name": "王芳",
            "owner_phone": "13700001234", "area_m2": "89.5", "note": ""}
    data.update(overrides)
    return data


def rental_form(**overrides):
    data = {"landlord_id_number": "", "landlord_name": "王芳", "landlord_phone": "13700001234",
            "start_date": "2024-03-01", "end_date": "2025-02-28", "agreement_date": "", "note": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def shop_form(world, **overrides):
    data = {"grid_id": str(world.grid_a.id), "name": "东关小吃店", "business_type": "catering",
            "licence_number": GOOD_CODE, "operator_id_number": "", "operator_name": "赵强",
            "operator_phone": "13600004321", "house_id": "0", "address": "东关路8号", "frontage_duty_note": "",
            "status": "open", "note": ""}
    data.update(overrides)
    return data


def audit_actions():
    fresh()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def workbook_rows(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    return [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]


# --- Houses ----------------------------------------------------------------------------

def test_create_a_house_in_a_building_and_see_it_listed(client_as, world):
    client = client_as("worker_a")
    page = client.get(f"/houses/new?grid={world.grid_a.id}&building={world.building_a.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<option selected value="{world.grid_a.id}">' in html
    assert f'<option selected value="{world.building_a.id}">' in html
    response = client.post("/houses/new", data=house_form(world))
    fresh()
    house = db.session.scalar(select(House).where(House.room == "301"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/houses/{house.id}")
    assert (house.grid_id, house.building_id, house.owner_name, house.owner_phone, str(house.area_m2)) == (
        world.grid_a.id, world.building_a.id, "王芳", "13700001234", "89.50")
    listed = text_of(client.get("/houses/"))
    assert "东关路1号3单元301室" in listed and "王芳" in listed and "137****1234" in listed
    assert "13700001234" not in listed
    # The building filter and a search by owner both find it; the htmx fragment is bare.
    fragment = client.get(f"/houses/?building={world.building_a.id}&q=王芳",
                          headers={"HX-Request": "true", "HX-Target": "house-rows"})
    assert "<html" not in fragment.get_data(as_text=True) and "东关路1号3单元301室" in text_of(fragment)
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    assert "301" not in text_of(client.get("/houses/?q=没有这个人"))
    assert "house_created" in audit_actions()


def test_house_rules_are_shown_at_their_fields(client_as, world):
    client = client_as("worker_a")
    bad_phone = client.post("/houses/new", data=house_form(world, owner_phone="12345"))
    assert bad_phone.status_code == 200 and 'id="owner_phone-error"' in bad_phone.get_data(as_text=True)
    nobody = client.post("/houses/new", data=house_form(world, owner_name="", owner_phone=""))
    assert 'id="owner_name-error"' in nobody.get_data(as_text=True)
    twice = client.post("/houses/new", data=house_form(world, unit="1", room="102"))
    assert 'id="room-error"' in twice.get_data(as_text=True) and "该房屋已经登记" in text_of(twice)
    other_grid = client.post("/houses/new", data=house_form(world, building_id=str(world.building_b.id)))
    assert 'id="building_id-error"' in other_grid.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(House).where(House.room == "301")) is None


def test_owner_by_id_number_only_within_scope(client_as, world):
    client = client_as("worker_a")
    outside = client.post("/houses/new", data=house_form(world, owner_name="", owner_phone="",
                                                         owner_id_number=world.residents["b"].id_number))
    unknown = client.post("/houses/new", data=house_form(world, owner_name="", owner_phone="",
                                                         owner_id_number=make_id_number("19600101", 77)))
    message = "在您的管辖范围内未找到该证件号码的人员。"
    assert message in text_of(outside) and message in text_of(unknown)
    assert "李娜" not in text_of(outside)
    response = client.post("/houses/new", data=house_form(world, owner_name="", owner_phone="",
                                                          owner_id_number=world.residents["a"].id_number))
    assert response.status_code == 303
    fresh()
    house = db.session.scalar(select(House).where(House.room == "301"))
    assert house.owner_resident_id == world.residents["a"].id and house.owner_name == ""
    detail = text_of(client.get(f"/houses/{house.id}"))
    assert "张伟" in detail and "139****5678" in detail and world.residents["a"].id_number not in detail
    # Editing with the ID left blank keeps the linked owner.
    edit = client.post(f"/houses/{house.id}/edit", data=house_form(world, owner_name="", owner_phone="",
                                                                    use="vacant"))
    assert edit.status_code == 303
    fresh()
    house = db.session.get(House, house.id)
    assert (house.owner_resident_id, house.use) == (world.residents["a"].id, "vacant")
    assert audit_actions()[-1] == "house_updated"


# --- Rentals ---------------------------------------------------------------------------

def new_house(world, room="401"):
    house = House(grid_id=world.grid_a.id, building_id=world.building_a.id, unit="4", room=room, use="own",
                  owner_name="王芳")
    db.session.add(house)
    db.session.commit()
    return house


def test_rental_end_before_start_is_refused_at_the_field(client_as, world):
    house = new_house(world)
    client = client_as("worker_a")
    response = client.post(f"/houses/{house.id}/rentals/new",
                           data=rental_form(start_date="2024-05-01", end_date="2024-04-30"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="end_date-error"' in html and "到期日期不能早于起租日期。" in html
    assert 'value="2024-05-01"' in html
    fresh()
    assert db.session.scalars(select(Rental).where(Rental.house_id == house.id)).all() == []


def test_create_a_rental_makes_the_house_rented(client_as, world):
    house = new_house(world)
    client = client_as("worker_a")
    assert 'value="王芳"' in client.get(f"/houses/{house.id}/rentals/new").get_data(as_text=True)
    unsigned_date = client.post(f"/houses/{house.id}/rentals/new", data=rental_form(agreement_signed="y"))
    assert 'id="agreement_date-error"' in unsigned_date.get_data(as_text=True)
    response = client.post(f"/houses/{house.id}/rentals/new",
                           data=rental_form(agreement_signed="y", agreement_date="2024-03-01"))
    fresh()
    rental = db.session.scalar(select(Rental).where(Rental.house_id == house.id))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/rentals/{rental.id}")
    assert rental.grid_id == world.grid_a.id and rental.agreement_signed and rental.agreement_date == date(2024, 3, 1)
    assert db.session.get(House, house.id).use == "rent"
    detail = text_of(client.get(f"/rentals/{rental.id}"))
    assert "2025-02-28" in detail and "已签" in detail and "137****1234" in detail
    assert "rental_created" in audit_actions()


def test_add_a_tenant_in_scope_and_refuse_one_outside_without_leaking(client_as, world):
    rental = world.records["a"]["rental"]
    tenant = person(world, "陈静", 31, phone="13511112222")
    client = client_as("worker_a")
    response = client.post(f"/rentals/{rental.id}/tenants", data={"id_number": tenant.id_number})
    assert response.status_code == 303
    fresh()
    assert {t.resident_id for t in db.session.get(Rental, rental.id).tenants} == {world.residents["a"].id, tenant.id}
    detail = text_of(client.get(f"/rentals/{rental.id}"))
    assert "陈静" in detail and tenant.id_number not in detail
    assert f"{tenant.id_number[:6]}********{tenant.id_number[-4:]}" in detail and "135****2222" in detail
    # Grid B's resident answers exactly like a number nobody registered.
    outside = client.post(f"/rentals/{rental.id}/tenants", data={"id_number": world.residents["b"].id_number})
    unknown = client.post(f"/rentals/{rental.id}/tenants", data={"id_number": make_id_number("19600101", 78)})
    assert outside.status_code == unknown.status_code == 200
    message = "在您的管辖范围内未找到该证件号码的人员。"
    assert message in text_of(outside) and message in text_of(unknown)
    assert "李娜" not in text_of(outside) and "滨河" not in text_of(outside)
    again = client.post(f"/rentals/{rental.id}/tenants", data={"id_number": tenant.id_number})
    assert "该人员已是本出租房屋的租户。" in text_of(again)
    assert audit_actions().count("tenant_added") == 1


def test_remove_a_tenant_and_a_tenant_of_another_rental_is_404(client_as, world):
    rental = world.records["a"]["rental"]
    tenant_id = world.records["a"]["tenant"].id
    house = new_house(world)
    other = Rental(house=house, grid_id=world.grid_a.id, start_date=date(2024, 1, 1),
                   landlord_name="王芳")
    db.session.add(other)
    db.session.commit()
    client = client_as("worker_a")
    assert client.post(f"/rentals/{other.id}/tenants/{tenant_id}/remove").status_code == 404
    response = client.post(f"/rentals/{rental.id}/tenants/{tenant_id}/remove")
    assert response.status_code == 303
    fresh()
    assert db.session.get(RentalTenant, tenant_id) is None
    assert db.session.get(Rental, rental.id).tenants == []
    assert audit_actions()[-1] == "tenant_removed"


def test_rental_list_filters_unsigned_and_expired(client_as, world):
    today = local_today()
    house_1, house_2 = new_house(world, "501"), new_house(world, "502")
    signed = Rental(house=house_1, grid_id=world.grid_a.id, landlord_name="签了的房东",
                    start_date=today - timedelta(days=30), agreement_signed=True, agreement_date=today)
    ended = Rental(house=house_2, grid_id=world.grid_a.id, landlord_name="到期的房东",
                   start_date=date(2023, 1, 1), end_date=today - timedelta(days=1))
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

def test_shop_licence_must_be_a_valid_credit_code_when_it_has_18_characters(client_as, world):
    client = client_as("worker_a")
    bad = client.post("/shops/new", data=shop_form(world, licence_number=BAD_CODE))
    assert bad.status_code == 200 and 'id="licence_number-error"' in bad.get_data(as_text=True)
    assert "统一社会信用代码校验位不正确" in text_of(bad)
    response = client.post("/shops/new", data=shop_form(world, frontage_duty_signed="y",
                                                         frontage_duty_note="每日清扫"))
    fresh()
    shop = db.session.scalar(select(Shop).where(Shop.name == "东关小吃店"))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/shops/{shop.id}")
    assert (shop.licence_number, shop.grid_id, shop.frontage_duty_signed, shop.operator_phone) == (
        GOOD_CODE, world.grid_a.id, True, "13600004321")
    detail = text_of(client.get(f"/shops/{shop.id}"))
    assert GOOD_CODE in detail and "136****4321" in detail and "每日清扫" in detail
    listed = text_of(client.get("/shops/?duty=signed"))
    assert "东关小吃店" in listed and "便民超市a" not in listed
    assert "shop_created" in audit_actions()


def test_shop_in_a_house_of_its_grid(client_as, world):
    house = new_house(world, "601")
    client = client_as("worker_a")
    page = client.get(f"/shops/new?house={house.id}")
    assert f'<option selected value="{house.id}">' in page.get_data(as_text=True)
    wrong = client.post("/shops/new", data=shop_form(world, house_id=str(world.records["b"]["house"].id),
                                                     address=""))
    assert 'id="house_id-error"' in wrong.get_data(as_text=True)
    response = client.post("/shops/new", data=shop_form(world, house_id=str(house.id), address=""))
    assert response.status_code == 303
    fresh()
    shop = db.session.scalar(select(Shop).where(Shop.name == "东关小吃店"))
    assert shop.house_id == house.id and db.session.get(House, house.id).use == "shop"
    edit = client.post(f"/shops/{shop.id}/edit", data={**shop_form(world, house_id=str(house.id), address=""),
                                                       "status": "closed"})
    assert edit.status_code == 303
    fresh()
    assert db.session.get(Shop, shop.id).status == "closed" and audit_actions()[-1] == "shop_updated"


@pytest.mark.parametrize("typed, stored", [
    (GOOD_CODE.lower(), GOOD_CODE),
    ("３５０１００４０００１２３４５", "350100400012345"),   # full-width digits, old registration number
    ("", ""),
])
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
        housing.create_rental(house, housing.RentalValues(landlord=landlord, start_date=date(2024, 5, 2),
                                                          end_date=date(2024, 5, 1)), user=worker)
    assert refused.value.field == "end_date"
    db.session.rollback()
    # A blank landlord on a house with a registered owner: the owner lets it.
    house.owner_resident_id = world.residents["a"].id
    rental = housing.create_rental(house, housing.RentalValues(landlord=housing.PersonValues(),
                                                               start_date=date(2024, 5, 1)), user=worker)
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
    summaries = [e.summary for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "register_exported").order_by(AuditEvent.id))]
    assert summaries == ["房屋 1", "出租房屋 1", "商铺 1"]


# --- Roles and scope -------------------------------------------------------------------

def test_leader_reads_but_may_not_write(client_as, world):
    records = world.records["a"]
    client = client_as("leader_a")
    assert client.get(f"/houses/{records['house'].id}").status_code == 200
    assert client.get(f"/rentals/{records['rental'].id}").status_code == 200
    assert client.get(f"/shops/{records['shop'].id}").status_code == 200
    assert f"/houses/{records['house'].id}/edit" not in client.get(f"/houses/{records['house'].id}").get_data(as_text=True)
    for url in ["/houses/new", f"/houses/{records['house'].id}/edit", f"/houses/{records['house'].id}/rentals/new",
                f"/rentals/{records['rental'].id}/edit", f"/rentals/{records['rental'].id}/tenants",
                f"/rentals/{records['rental'].id}/tenants/{records['tenant'].id}/remove",
                "/shops/new", f"/shops/{records['shop'].id}/edit"]:
        assert client.post(url, data={}).status_code == 403, url
    fresh()
    assert db.session.get(RentalTenant, records["tenant"].id) is not None


def test_another_grid_sees_nothing(client_as, world):
    records = world.records["a"]
    client = client_as("worker_b")
    for url in [f"/houses/{records['house'].id}", f"/houses/{records['house'].id}/edit",
                f"/houses/{records['house'].id}/rentals/new", f"/rentals/{records['rental'].id}",
                f"/rentals/{records['rental'].id}/edit", f"/rentals/{records['rental'].id}/tenants",
                f"/shops/{records['shop'].id}", f"/shops/{records['shop'].id}/edit",
                f"/shops/new?house={records['house'].id}"]:
        assert client.get(url).status_code == 404, url
        if "?" not in url:
            assert client.post(url, data={}).status_code in (404, 405), url
    remove = f"/rentals/{records['rental'].id}/tenants/{records['tenant'].id}/remove"
    assert client.post(remove).status_code == 404
    for url in ["/houses/", "/rentals/", "/shops/"]:
        listed = text_of(client.get(url))
        assert "东关" not in listed and "张伟" not in listed and "便民超市a" not in listed

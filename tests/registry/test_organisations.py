"""Organisations and 十户联防 groups through the web layer on a real database:
create, edit and list organisations, credit-code checks and the county-wide
duplicate rule, the xlsx export, groups and their households, roles and scope."""
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry import organisation_services
from app.registry import services
from app.registry.organisation_models import JointDefenceGroup, JointDefenceMember, Organisation
from tests.conftest import fresh, text_of

VALID_CODE = "91350100M000100Y43"


def organisation_form(world, **overrides):
    data = {"grid_id": str(world.grid_a.id), "name": "东关物业服务中心", "org_type": "resident_unit",
            "credit_code": "", "address": "东关路8号", "contact_name": "王强", "contact_phone": "13911112222",
            "party_organisation": "东关物业党支部", "party_member_count": "7", "employee_count": "40",
            "note": ""}
    data.update(overrides)
    return data


def organisation_named(name):
    fresh()
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def audit_actions():
    fresh()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def household(world, number, grid=None):
    grid = grid or world.grid_a
    created = services.create_household(services.HouseholdValues(
        household_number=number, address_text=f"东关路{number}号"), grid)
    db.session.commit()
    return created


# --- Organisations -------------------------------------------------------------------

def test_create_an_organisation_and_see_it_listed(client_as, world):
    client = client_as("worker_a")
    page = client.get(f"/organisations/new?grid={world.grid_a.id}")
    assert page.status_code == 200
    response = client.post("/organisations/new", data=organisation_form(world, credit_code="91350100m000100y43"))
    assert response.status_code == 303
    organisation = organisation_named("东关物业服务中心")
    assert organisation.credit_code == VALID_CODE  # normalised to upper case
    assert organisation.party_member_count == 7 and organisation.contact_phone == "13911112222"
    assert response.headers["Location"].endswith(f"/organisations/{organisation.id}")
    detail = text_of(client.get(f"/organisations/{organisation.id}"))
    assert "驻区单位" in detail and "东关物业党支部" in detail
    assert "139****2222" in detail and "13911112222" not in detail
    listed = text_of(client.get("/organisations/"))
    assert "东关物业服务中心" in listed and "示范有限公司a" in listed and "示范有限公司b" not in listed
    assert "organisation_created" in audit_actions()


def test_list_filters_by_type_and_code_fragment_and_answers_htmx_with_a_fragment(client_as, world):
    client = client_as("worker_a")
    client.post("/organisations/new", data=organisation_form(world, credit_code=VALID_CODE))
    by_code = client.get("/organisations/?q=m000100", headers={"HX-Request": "true",
                                                               "HX-Target": "organisation-rows"})
    html = by_code.get_data(as_text=True)
    assert "<html" not in html and "东关物业服务中心" in html and "示范有限公司a" not in html
    assert "HX-Request" in by_code.headers["Vary"]
    by_type = client.get("/organisations/?type=private_enterprise",
                         headers={"HX-Request": "true", "HX-Target": "organisation-rows"}).get_data(as_text=True)
    assert "示范有限公司a" in by_type and "东关物业服务中心" not in by_type


def test_edit_an_organisation(client_as, world):
    client = client_as("worker_a")
    organisation = world.records["a"]["organisation"]
    assert client.get(f"/organisations/{organisation.id}/edit").status_code == 200
    response = client.post(f"/organisations/{organisation.id}/edit", data=organisation_form(
        world, name="示范有限公司（改）", org_type="private_enterprise", credit_code=VALID_CODE,
        contact_phone="0917 1234567", party_member_count="", employee_count="12"))
    assert response.status_code == 303
    fresh()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.name == "示范有限公司（改）" and organisation.credit_code == VALID_CODE
    assert organisation.contact_phone == "0917-1234567" and organisation.party_member_count is None
    assert organisation.employee_count == 12
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation_updated"))
    assert "name" in event.detail["changed"] and "13911112222" not in str(event.detail)


@pytest.mark.parametrize("field, value, message", [
    ("credit_code", "91350100M000100Y44", "校验位不正确"),
    ("credit_code", "9135010", "应为 18 位"),
    ("contact_phone", "12345", "手机号"),
    ("party_member_count", "-1", "不能小于 0"),
])
def test_bad_values_are_refused_at_their_field_with_input_kept(client_as, world, field, value, message):
    client = client_as("worker_a")
    response = client.post("/organisations/new", data=organisation_form(world, **{field: value}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in text_of(response)
    assert f'value="{value}"' in html and 'value="东关物业服务中心"' in html
    assert organisation_named("东关物业服务中心") is None


def test_duplicate_credit_code_is_refused_naming_only_the_grid(client_as, world):
    other = world.records["b"]["organisation"]
    other.credit_code = VALID_CODE
    db.session.commit()
    client = client_as("worker_a")
    response = client.post("/organisations/new", data=organisation_form(world, credit_code=VALID_CODE))
    assert response.status_code == 200
    text = text_of(response)
    assert "已登记在" in text and "滨河一网格" in text
    assert "示范有限公司b" not in text  # nothing about the other grid's organisation itself
    assert organisation_named("东关物业服务中心") is None
    # Saving the organisation that holds the code is not a duplicate of itself.
    admin = client_as("admin")
    assert admin.post(f"/organisations/{other.id}/edit", data=organisation_form(
        world, grid_id=str(world.grid_b.id), name=other.name, credit_code=VALID_CODE)).status_code == 303


def test_export_reads_back_with_masked_phones_and_is_audited(client_as, world):
    client = client_as("worker_a")
    client.post("/organisations/new", data=organisation_form(world, credit_code=VALID_CODE))
    response = client.get("/organisations/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    assert header[:4] == ("网格", "名称", "类型", "统一社会信用代码")
    data = {row[1]: dict(zip(header, row)) for row in rows[2:]}
    assert set(data) == {"东关物业服务中心", "示范有限公司a"}  # only worker_a's grid
    assert data["东关物业服务中心"]["统一社会信用代码"] == VALID_CODE
    assert data["东关物业服务中心"]["联系电话"] == "139****2222"
    assert data["东关物业服务中心"]["党员人数"] == 7
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register_exported"))
    assert event.detail["register"] == "organisation" and event.detail["rows"] == 2


# --- 十户联防 groups -------------------------------------------------------------------

def test_create_a_group_add_households_and_remove_one(client_as, world):
    client = client_as("worker_a")
    world.records["a"]["group"].members.clear()  # free the factory household
    db.session.commit()
    extra = [household(world, f"A1{n:02d}") for n in range(5)]
    assert client.get(f"/joint-defence/new?grid={world.grid_a.id}").status_code == 200
    response = client.post("/joint-defence/new", data={"grid_id": str(world.grid_a.id), "name": "第二联防组"})
    assert response.status_code == 303
    fresh()
    group = db.session.scalar(select(JointDefenceGroup).where(JointDefenceGroup.name == "第二联防组"))
    page = client.get(f"/joint-defence/{group.id}")
    assert "A100" in text_of(page) and "A001" in text_of(page)  # ungrouped households offered
    response = client.post(f"/joint-defence/{group.id}/members",
                           data={"household_ids": [str(h.id) for h in extra[:4]]}, follow_redirects=True)
    text = text_of(response)
    assert "已加入 4 户" in text and "约十户为一组" in text  # four is few: a warning, not a refusal
    fresh()
    group = db.session.get(JointDefenceGroup, group.id)
    assert len(group.members) == 4
    client.post(f"/joint-defence/{group.id}/members", data={"household_ids": [str(extra[4].id)]})
    fresh()
    assert len(db.session.get(JointDefenceGroup, group.id).members) == 5
    assert "约十户为一组" not in text_of(client.get(f"/joint-defence/{group.id}"))
    member_id = db.session.scalar(select(JointDefenceMember.id).where(
        JointDefenceMember.household_id == extra[0].id))
    response = client.post(f"/joint-defence/{group.id}/members/{member_id}/remove")
    assert response.status_code == 303
    fresh()
    assert db.session.scalar(select(JointDefenceMember).where(JointDefenceMember.id == member_id)) is None
    listed = text_of(client.get(f"/joint-defence/?grid={world.grid_a.id}"))
    assert "第二联防组" in listed and "第一联防组a" in listed and "第一联防组b" not in listed
    actions = audit_actions()
    assert {"group_created", "group_member_added", "group_member_removed"} <= set(actions)


def test_a_household_in_another_group_is_refused_naming_that_group(client_as, world):
    client = client_as("worker_a")
    client.post("/joint-defence/new", data={"grid_id": str(world.grid_a.id), "name": "第二联防组"})
    fresh()
    group = db.session.scalar(select(JointDefenceGroup).where(JointDefenceGroup.name == "第二联防组"))
    free = household(world, "A200")
    response = client.post(f"/joint-defence/{group.id}/members",
                           data={"household_ids": [str(free.id), str(world.households["a"].id)]})
    assert response.status_code == 200
    assert "户号 A001 已在“第一联防组a”" in text_of(response)
    fresh()
    assert db.session.get(JointDefenceGroup, group.id).members == []  # nothing added


def test_a_household_of_another_grid_cannot_join(client_as, world):
    client = client_as("admin")
    group = world.records["a"]["group"]
    other = household(world, "A300", grid=world.grid_a2)
    response = client.post(f"/joint-defence/{group.id}/members", data={"household_ids": [str(other.id)]})
    assert response.status_code == 200 and "不是本网格的在册住户" in text_of(response)


def test_edit_a_group_and_choose_its_leader(client_as, world):
    client = client_as("worker_a")
    group = world.records["a"]["group"]
    page = client.get(f"/joint-defence/{group.id}/edit")
    assert page.status_code == 200 and "张伟（本组住户）" in text_of(page)
    response = client.post(f"/joint-defence/{group.id}/edit",
                           data={"name": "东关第一组", "leader_resident_id": "0", "note": ""})
    assert response.status_code == 303
    fresh()
    group = db.session.get(JointDefenceGroup, group.id)
    assert group.name == "东关第一组" and group.leader_resident_id is None
    # Someone of another grid is not offered, and refused when posted anyway.
    response = client.post(f"/joint-defence/{group.id}/edit",
                           data={"name": "东关第一组", "leader_resident_id": str(world.residents["b"].id)})
    assert response.status_code == 200 and "组长须是" in text_of(response)
    assert "group_updated" in audit_actions()


def test_size_warning_only_outside_five_to_fifteen(app):
    assert organisation_services.size_warning(5) is None
    assert organisation_services.size_warning(15) is None
    assert "约十户为一组" in organisation_services.size_warning(4)
    assert "约十户为一组" in organisation_services.size_warning(16)


# --- Roles and scope -----------------------------------------------------------------

def test_another_grids_records_are_404(client_as, world):
    client = client_as("worker_b")
    organisation, group = world.records["a"]["organisation"], world.records["a"]["group"]
    member = world.records["a"]["group_member"]
    for url in (f"/organisations/{organisation.id}", f"/organisations/{organisation.id}/edit",
                f"/joint-defence/{group.id}", f"/joint-defence/{group.id}/edit"):
        assert client.get(url).status_code == 404, url
    for url in (f"/organisations/{organisation.id}/edit", f"/joint-defence/{group.id}/edit",
                f"/joint-defence/{group.id}/members", f"/joint-defence/{group.id}/members/{member.id}/remove"):
        assert client.post(url, data={}).status_code == 404, url
    assert "示范有限公司a" not in text_of(client.get("/organisations/"))
    assert "第一联防组a" not in text_of(client.get("/joint-defence/"))


def test_a_member_of_another_group_is_404_under_this_group(client_as, world):
    client = client_as("admin")
    group_a, member_b = world.records["a"]["group"], world.records["b"]["group_member"]
    assert client.post(f"/joint-defence/{group_a.id}/members/{member_b.id}/remove").status_code == 404
    fresh()
    assert db.session.get(JointDefenceMember, member_b.id) is not None


def test_leader_reads_but_may_not_write(client_as, world):
    client = client_as("leader_a")
    organisation, group = world.records["a"]["organisation"], world.records["a"]["group"]
    member = world.records["a"]["group_member"]
    assert client.get(f"/organisations/{organisation.id}").status_code == 200
    assert client.get(f"/joint-defence/{group.id}").status_code == 200
    for url in ("/organisations/new", f"/organisations/{organisation.id}/edit", "/joint-defence/new",
                f"/joint-defence/{group.id}/edit", f"/joint-defence/{group.id}/members",
                f"/joint-defence/{group.id}/members/{member.id}/remove"):
        assert client.post(url, data={}).status_code == 403, url
    assert "登记组织" not in text_of(client.get("/organisations/"))

"""Organisations and 十户联防 groups through the web layer on a real database:
create, edit and list organisations, credit-code checks and the county-wide
duplicate rule, the xlsx export, groups and their households, roles and scope.
Forms are filled and sent as rendered (tests/web.py); hand-built posts are forged
requests and say so."""

from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry.organisations import services as organisation_services
from app.registry.organisations.models import JointDefenceGroup, JointDefenceMember, Organisation
from app.registry.people import services
from tests.conftest import fresh
from tests.web import choose, forge, form_on, options, press, tick, visible_text

VALID_CODE = "91350100M000100Y43"


def type_an_organisation(form, **typed):
    """What a grid worker types for a new organisation; the rest stays as the page offers it."""
    values = {
        "name": "东关物业服务中心",
        "address": "东关路8号",
        "contact_name": "王强",
        "contact_phone": "13911112222",
        "party_organisation": "东关物业党支部",
        "party_member_count": "7",
        "employee_count": "40",
    }
    values.update(typed)
    choose(form, "org_type", "驻区单位")
    for name, value in values.items():
        form[name] = value
    return form


def new_organisation_form(web):
    """登记组织 on the organisation list."""
    return form_on(web.get("/organisations/").click(description="登记组织"))


def register_an_organisation(web, **typed):
    form = type_an_organisation(new_organisation_form(web), **typed)
    choose(form, "grid_id", "东关一网格")
    return press(form, "保存")


def organisation_named(name):
    fresh()
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def audit_actions():
    fresh()
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def household(world, number, grid=None):
    grid = grid or world.grid_a
    created = services.create_household(
        services.HouseholdValues(household_number=number, address_text=f"东关路{number}号"), grid
    )
    db.session.commit()
    return created


def create_group_through_the_page(web, world, name="第二联防组"):
    """新建联防组 on the grid's group list."""
    page = web.get(f"/joint-defence/?grid={world.grid_a.id}").click(description="新建联防组")
    form = form_on(page)
    assert form["grid_id"].value == str(world.grid_a.id)  # the grid of the list is preselected
    form["name"] = name
    response = press(form, "建组")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    return db.session.scalar(select(JointDefenceGroup).where(JointDefenceGroup.name == name)), response


# --- Organisations -------------------------------------------------------------------


def test_create_an_organisation_and_see_it_listed(web_as, world):
    web = web_as("worker_a")
    response = register_an_organisation(web, credit_code="91350100m000100y43")
    assert response.status_int == 303, visible_text(response)[:600]
    organisation = organisation_named("东关物业服务中心")
    assert organisation.credit_code == VALID_CODE  # normalised to upper case
    assert organisation.org_type == "resident_unit"
    assert organisation.party_member_count == 7 and organisation.contact_phone == "13911112222"
    assert response.headers["Location"].endswith(f"/organisations/{organisation.id}")
    detail = visible_text(response.follow())
    assert "已登记组织：东关物业服务中心" in detail
    assert "驻区单位" in detail and "东关物业党支部" in detail
    assert "139****2222" in detail and "13911112222" not in detail
    listed = visible_text(web.get("/organisations/"))
    assert "东关物业服务中心" in listed and "示范有限公司a" in listed and "示范有限公司b" not in listed
    assert "organisation_created" in audit_actions()


def test_list_filters_by_type_and_code_fragment_and_answers_htmx_with_a_fragment(web_as, world):
    web = web_as("worker_a")
    assert register_an_organisation(web, credit_code=VALID_CODE).status_int == 303
    by_code = web.get("/organisations/?q=m000100", headers={"HX-Request": "true", "HX-Target": "organisation-rows"})
    assert "<html" not in by_code.text and "东关物业服务中心" in by_code.text and "示范有限公司a" not in by_code.text
    assert "HX-Request" in by_code.headers["Vary"]
    by_type = web.get(
        "/organisations/?type=private_enterprise", headers={"HX-Request": "true", "HX-Target": "organisation-rows"}
    ).text
    assert "示范有限公司a" in by_type and "东关物业服务中心" not in by_type


def test_edit_an_organisation(web_as, world):
    web = web_as("worker_a")
    organisation = world.records["a"]["organisation"]
    page = web.get(f"/organisations/{organisation.id}").click(href=f"/organisations/{organisation.id}/edit")
    form = form_on(page)
    assert form["grid_id"].value == str(world.grid_a.id) and form["org_type"].value == "private_enterprise"
    form["name"] = "示范有限公司（改）"
    form["credit_code"] = VALID_CODE
    form["contact_phone"] = "0917 1234567"
    form["party_member_count"] = ""
    form["employee_count"] = "12"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    assert "已保存" in visible_text(response.follow())
    fresh()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.name == "示范有限公司（改）" and organisation.credit_code == VALID_CODE
    assert organisation.contact_phone == "0917-1234567" and organisation.party_member_count is None
    assert organisation.employee_count == 12 and organisation.org_type == "private_enterprise"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation_updated"))
    assert "name" in event.detail["changed"] and "1234567" not in str(event.detail)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("credit_code", "91350100M000100Y44", "校验位不正确"),
        ("credit_code", "9135010", "应为 18 位"),
        ("contact_phone", "12345", "手机号"),
        ("party_member_count", "-1", "不能小于 0"),
    ],
)
def test_bad_values_are_refused_at_their_field_with_input_kept(web_as, world, field, value, message):
    web = web_as("worker_a")
    response = register_an_organisation(web, **{field: value})
    assert response.status_int == 200
    assert f'id="{field}-error"' in response.text and message in visible_text(response)
    again = form_on(response)
    assert again[field].value == value and again["name"].value == "东关物业服务中心"
    assert again["grid_id"].value == str(world.grid_a.id)
    assert organisation_named("东关物业服务中心") is None


def test_duplicate_credit_code_is_refused_naming_no_grid_out_of_scope(web_as, world):
    other = world.records["b"]["organisation"]
    other.credit_code = VALID_CODE
    db.session.commit()
    web = web_as("worker_a")
    response = register_an_organisation(web, credit_code=VALID_CODE)
    assert response.status_int == 200
    text = visible_text(response)
    # Held in a grid this worker cannot see: refused without saying where.
    assert "已在本县其他网格登记" in text and "滨河" not in text
    assert "示范有限公司b" not in text  # nothing about the other grid's organisation itself
    assert organisation_named("东关物业服务中心") is None
    # Saving the organisation that holds the code, as its edit page shows it, is not a
    # duplicate of itself.
    admin = web_as("admin")
    form = form_on(admin.get(f"/organisations/{other.id}/edit"))
    assert form["credit_code"].value == VALID_CODE
    assert press(form, "保存").status_int == 303


def test_export_reads_back_with_masked_phones_and_is_audited(web_as, world):
    web = web_as("worker_a")
    assert register_an_organisation(web, credit_code=VALID_CODE).status_int == 303
    response = web.get("/organisations/export.xlsx")
    assert response.status_int == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(BytesIO(response.body)).active
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


def test_create_a_group_add_households_and_remove_one(web_as, world):
    web = web_as("worker_a")
    world.records["a"]["group"].members.clear()  # free the factory household
    db.session.commit()
    extra = [household(world, f"A1{n:02d}") for n in range(5)]
    group, response = create_group_through_the_page(web, world)
    page = response.follow()
    assert "A100" in visible_text(page) and "A001" in visible_text(page)  # ungrouped households offered
    form = form_on(page, button="加入本组")
    for h in extra[:4]:
        tick(form, "household_ids", str(h.id))
    text = visible_text(press(form, "加入本组").follow())
    assert "已加入 4 户" in text and "约十户为一组" in text  # four is few: a warning, not a refusal
    fresh()
    group = db.session.get(JointDefenceGroup, group.id)
    assert len(group.members) == 4
    form = form_on(web.get(f"/joint-defence/{group.id}"), button="加入本组")
    tick(form, "household_ids", str(extra[4].id))
    page = press(form, "加入本组").follow()
    fresh()
    assert len(db.session.get(JointDefenceGroup, group.id).members) == 5
    assert "约十户为一组" not in visible_text(page)
    member_id = db.session.scalar(select(JointDefenceMember.id).where(JointDefenceMember.household_id == extra[0].id))
    response = press(form_on(page, action=f"/members/{member_id}/remove"), "移出本组")
    assert response.status_int == 303
    assert "户号 A100 已移出本组" in visible_text(response.follow())
    fresh()
    assert db.session.scalar(select(JointDefenceMember).where(JointDefenceMember.id == member_id)) is None
    listed = visible_text(web.get(f"/joint-defence/?grid={world.grid_a.id}"))
    assert "第二联防组" in listed and "第一联防组a" in listed and "第一联防组b" not in listed
    actions = audit_actions()
    assert {"group_created", "group_member_added", "group_member_removed"} <= set(actions)


def test_a_household_that_joined_another_group_meanwhile_is_refused_naming_that_group(web_as, world):
    """The page offered the household; before it was sent, another group took it."""
    web = web_as("worker_a")
    first = world.records["a"]["group"]
    taken = world.households["a"]
    first.members.clear()
    db.session.commit()
    group, _response = create_group_through_the_page(web, world)
    free = household(world, "A200")
    form = form_on(web.get(f"/joint-defence/{group.id}"), button="加入本组")
    tick(form, "household_ids", str(free.id))
    tick(form, "household_ids", str(taken.id))
    organisation_services.add_households(db.session.get(JointDefenceGroup, first.id), [taken])
    db.session.commit()
    response = press(form, "加入本组")
    assert response.status_int == 200
    assert "户号 A001 已在“第一联防组a”" in visible_text(response)
    fresh()
    assert db.session.get(JointDefenceGroup, group.id).members == []  # nothing added


def test_forged_household_of_another_grid_cannot_join(web_as, world):
    """The page offers only the grid's own households: this one is posted by hand."""
    web = web_as("admin")
    group = world.records["a"]["group"]
    other = household(world, "A300", grid=world.grid_a2)
    assert str(other.id) not in [
        box._value
        for box in form_on(web.get(f"/joint-defence/{group.id}"), action=f"/{group.id}/members").fields.get(
            "household_ids", []
        )
    ]
    response = forge(web, f"/joint-defence/{group.id}/members", {"household_ids": [str(other.id)]})
    assert response.status_int == 200 and "不是本网格的在册住户" in visible_text(response)
    fresh()
    assert other.id not in {m.household_id for m in db.session.get(JointDefenceGroup, group.id).members}


def test_edit_a_group_and_choose_its_leader(web_as, world):
    web = web_as("worker_a")
    group = world.records["a"]["group"]
    page = web.get(f"/joint-defence/{group.id}").click(description="修改组名或组长")
    form = form_on(page)
    assert form["leader_resident_id"].value == str(world.residents["a"].id)
    assert "张伟（本组住户）" in [text for _value, text in options(form, "leader_resident_id")]
    form["name"] = "东关第一组"
    choose(form, "leader_resident_id", "（暂不指定）")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    group = db.session.get(JointDefenceGroup, group.id)
    assert group.name == "东关第一组" and group.leader_resident_id is None
    assert "group_updated" in audit_actions()


def test_forged_leader_of_another_grid_is_refused(web_as, world):
    """Someone of another grid is not offered as leader, and refused when posted anyway."""
    web = web_as("worker_a")
    group = world.records["a"]["group"]
    outsider = world.residents["b"]
    form = form_on(web.get(f"/joint-defence/{group.id}/edit"))
    assert str(outsider.id) not in [value for value, _text in options(form, "leader_resident_id")]
    response = forge(
        web, f"/joint-defence/{group.id}/edit", {"name": "东关第一组", "leader_resident_id": str(outsider.id)}
    )
    assert response.status_int == 200 and "组长须是" in visible_text(response)
    fresh()
    assert db.session.get(JointDefenceGroup, group.id).leader_resident_id == world.residents["a"].id


def test_size_warning_only_outside_five_to_fifteen(app):
    assert organisation_services.size_warning(5) is None
    assert organisation_services.size_warning(15) is None
    assert "约十户为一组" in organisation_services.size_warning(4)
    assert "约十户为一组" in organisation_services.size_warning(16)


# --- Roles and scope -----------------------------------------------------------------


def test_another_grids_records_are_404_also_to_forged_posts(web_as, world):
    web = web_as("worker_b")
    organisation, group = world.records["a"]["organisation"], world.records["a"]["group"]
    member = world.records["a"]["group_member"]
    for url in (
        f"/organisations/{organisation.id}",
        f"/organisations/{organisation.id}/edit",
        f"/joint-defence/{group.id}",
        f"/joint-defence/{group.id}/edit",
    ):
        assert web.get(url, expect_errors=True).status_int == 404, url
    for url in (
        f"/organisations/{organisation.id}/edit",
        f"/joint-defence/{group.id}/edit",
        f"/joint-defence/{group.id}/members",
        f"/joint-defence/{group.id}/members/{member.id}/remove",
    ):
        assert forge(web, url, {}).status_int == 404, url
    assert "示范有限公司a" not in visible_text(web.get("/organisations/"))
    assert "第一联防组a" not in visible_text(web.get("/joint-defence/"))


def test_forged_removal_of_another_groups_member_is_404(web_as, world):
    """A member of group b, removed under group a's address: a tampered URL."""
    web = web_as("admin")
    group_a, member_b = world.records["a"]["group"], world.records["b"]["group_member"]
    assert forge(web, f"/joint-defence/{group_a.id}/members/{member_b.id}/remove").status_int == 404
    fresh()
    assert db.session.get(JointDefenceMember, member_b.id) is not None


def test_leader_reads_but_forged_writes_are_403(web_as, world):
    web = web_as("leader_a")
    organisation, group = world.records["a"]["organisation"], world.records["a"]["group"]
    member = world.records["a"]["group_member"]
    assert "修改" not in visible_text(web.get(f"/organisations/{organisation.id}"))
    group_page = web.get(f"/joint-defence/{group.id}")
    assert "移出本组" not in visible_text(group_page) and "加入本组" not in visible_text(group_page)
    for url in (
        "/organisations/new",
        f"/organisations/{organisation.id}/edit",
        "/joint-defence/new",
        f"/joint-defence/{group.id}/edit",
        f"/joint-defence/{group.id}/members",
        f"/joint-defence/{group.id}/members/{member.id}/remove",
    ):
        assert forge(web, url, {}).status_int == 403, url
    assert "登记组织" not in visible_text(web.get("/organisations/"))


def test_duplicate_credit_code_in_ones_own_scope_names_the_grid(web_as, world):
    """The town sees both of its grids: the refusal says which one holds the code."""
    held = world.records["a"]["organisation"]
    held.credit_code = VALID_CODE
    db.session.commit()
    form = form_on(web_as("town_a").get("/organisations/new"))
    form["name"] = "另一家公司"
    form["credit_code"] = VALID_CODE
    response = press(form, "保存")
    assert "已登记在" in visible_text(response) and "东关一网格" in visible_text(response)

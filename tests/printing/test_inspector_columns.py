"""The columns inspectors look for (forms 1, 4, 5, 6, 8, 11, 12, 13, 14), each typed
in through the page a station or grid worker uses and read back from the printed
ledger: 背景、起因、建议 of a 民情日志 entry and of a matter, the patrol's own note, a
floating resident's stay and landlord, a rental's tenants by name, the 合计 row, the
dispute's responsible person and how far it is settled, one mediation case a page
with its signature lines, 安置情况, a youth's age and guardian."""

from datetime import date
from io import BytesIO

import openpyxl
from pypdf import PdfReader
from sqlalchemy import select

from app.core.database import write_transactions
from app.extensions import db
from app.matters.models import Matter
from app.registry.people.models import House, KeyPerson, KeyPersonCategory, Rental, RentalTenant
from tests.conftest import fresh
from tests.printing.test_ledger_forms import _dispute as add_dispute
from tests.printing.test_ledger_forms import _get, _key_person_with_follow_up, _text
from tests.web import choose, form_on, press, visible_text


def test_an_entrys_background_cause_and_suggestion_print_on_forms_4_and_14(web_as, client_as, world):
    web = web_as("worker_a")
    form = form_on(web.get("/opinions/"), button="记下")
    form["said_on"] = "2026-10-12"
    choose(form, "category", "城管")
    form["content"] = "楼道堆放杂物堵塞消防通道"
    form["resident_name"] = "赵阿姨"
    form["disposition"] = "settled"
    form["settled_note"] = "当场劝说住户清理"
    form["background"] = "三楼住户装修半年未清运"
    form["cause"] = "物业未明确堆放点"
    form["suggestion"] = "物业设临时堆放点"
    assert press(form, "记下").status_int in (302, 303)
    for number in (4, 14):
        text = _text(client_as("worker_a"), world, number)
        assert "背景、起因、建议" in text, number
        for typed in ("背景：三楼住户装修半年未清运", "起因：物业未明确堆放点", "建议：物业设临时堆放点"):
            assert typed in text, (number, typed)


def test_a_patrols_own_note_prints_on_form_14(web_as, client_as, world):
    web = web_as("worker_a")
    form = form_on(web.get("/patrols/").click(description="登记巡查"), button="保存")
    form["patrol_date"], form["start_time"], form["end_time"] = "2026-10-13", "08:30", "10:00"
    form["route"] = "东关路—菜市场"
    form["note"] = "菜市场消防通道畅通，灭火器在有效期内"
    assert press(form, "保存").status_int == 303
    text = _text(client_as("worker_a"), world, 14)
    assert "巡查：菜市场消防通道畅通，灭火器在有效期内" in text and "巡查，未发现问题" not in text


def test_a_matters_background_cause_and_suggestion_are_kept_and_shown(web_as, world):
    web = web_as("worker_a")
    form = form_on(web.get("/matters/").click(description="上报事件"), button="上报")
    choose(form, "class_code", "矛盾纠纷")
    form["description"] = "楼上漏水引发邻里纠纷"
    form["background"] = "老旧小区防水层老化"
    form["cause"] = "楼上卫生间改造"
    form["suggestion"] = "社区组织双方协商维修"
    assert press(form, "上报").status_int == 302
    fresh()
    matter = db.session.scalar(select(Matter).order_by(Matter.id.desc()))
    assert (matter.background, matter.cause, matter.suggestion) == (
        "老旧小区防水层老化",
        "楼上卫生间改造",
        "社区组织双方协商维修",
    )
    page = visible_text(web.get(f"/matters/{matter.id}"))
    assert "老旧小区防水层老化" in page and "楼上卫生间改造" in page and "社区组织双方协商维修" in page


def test_a_floating_residents_stay_and_landlord_print_on_form_6(web_as, client_as, world):
    resident = world.residents["a"]
    with write_transactions():  # 张伟 rents a room from 王房东 (the housing register)
        house = db.session.scalar(select(House).where(House.grid_id == world.grid_a.id)) or House(
            grid_id=world.grid_a.id, address_text="东关路5号"
        )
        db.session.add(house)
        rental = Rental(house=house, grid_id=world.grid_a.id, landlord_name="王房东", start_date=date(2026, 1, 1))
        rental.tenants.append(RentalTenant(resident_id=resident.id))
        db.session.add(rental)
        db.session.commit()
    web = web_as("station_a")
    form = form_on(web.get(f"/residents/{resident.id}").click(description="修改"))
    choose(form, "population_type", "流动人口")
    form["registered_address"] = "河南省周口市太康县"
    form["arrival_date"] = "2025-03-15"
    choose(form, "stay_reason", "务工")
    form["residence_permit_number"] = "豫居2025031501"
    assert press(form, "保存").status_int == 303
    page = visible_text(web.get(f"/residents/{resident.id}"))
    assert "2025-03-15" in page and "务工" in page and "豫居2025031501" in page
    text = _text(client_as("worker_a"), world, 6)
    for expected in ("来本地日期", "暂住事由", "居住证号码", "户籍地", "房东"):
        assert expected in text
    for typed in ("河南省周口市太康县", "2025-03-15", "务工", "豫居2025031501", "王房东", "张伟"):
        assert typed in text, typed


def test_a_future_arrival_is_refused_at_the_field_and_the_form_kept(web_as, world):
    resident = world.residents["a"]
    web = web_as("station_a")
    form = form_on(web.get(f"/residents/{resident.id}/edit"))
    form["arrival_date"] = "2099-01-01"
    form["residence_permit_number"] = "豫居2025031501"
    response = press(form, "保存")
    assert response.status_int == 200 and "来本地日期不能晚于今天。" in visible_text(response)
    assert form_on(response)["residence_permit_number"].value == "豫居2025031501"


def test_a_rentals_tenants_print_by_name_on_form_5(client_as, world):
    with write_transactions():
        house = House(grid_id=world.grid_a.id, address_text="东关路7号")
        rental = Rental(house=house, grid_id=world.grid_a.id, landlord_name="刘房东", start_date=date(2026, 2, 1))
        rental.tenants.append(RentalTenant(resident_id=world.residents["a"].id))
        db.session.add_all([house, rental])
        db.session.commit()
    text = _text(client_as("worker_a"), world, 5)
    assert "承租人" in text and "张伟（1人）" in text and "刘房东" in text


def test_form_1_adds_up_its_counts(client_as, world):
    response = _get(client_as("station_a"), world, 1, division_id=world.community_a.id, output="xlsx")
    rows = list(openpyxl.load_workbook(BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    header = rows[1]
    grids = [row for row in rows[2:] if row and row[0]]
    total = rows[-1]
    assert total[header.index("网格")] == "合计"
    for column in ("户数", "总人口", "出租房屋"):
        index = header.index(column)
        assert total[index] == sum(int(row[index]) for row in grids), column
    text = _text(client_as("station_a"), world, 1, division_id=world.community_a.id)
    assert "合计" in text


def test_form_12_names_who_answers_for_the_dispute_and_how_far_it_is_settled(web_as, client_as, world):
    add_dispute(world, "a", "王五、赵六")
    matter = db.session.scalar(select(Matter).where(Matter.description == "楼上漏水纠纷a"))
    web = web_as("worker_a")
    form = form_on(web.get(f"/matters/{matter.id}").click(description="修改排查记录"), button="保存排查记录")
    form["responsible_person"] = "员工chief_a（网格长）"
    assert press(form, "保存排查记录").status_int == 302
    text = _text(client_as("worker_a"), world, 12)
    assert "包案责任人" in text and "化解情况" in text
    assert "员工chief_a（网格长）" in text and "调解达成协议" in text


def test_form_13_prints_one_case_a_page_with_its_signature_lines(client_as, world):
    add_dispute(world, "a", "王五、赵六")
    add_dispute(world, "a", "钱七、孙八")
    response = _get(client_as("worker_a"), world, 13)
    pages = ["".join(page.extract_text().split()) for page in PdfReader(BytesIO(response.data)).pages]
    cases = [page for page in pages if "调解经过" in page]
    assert len(cases) == len(pages) >= 1
    for page in cases:
        for line in ("当事人（签名）", "调解人（签名）", "记录人（签名）", "调解组织（盖章）"):
            assert line in page
    assert "王五、赵六" in pages[0] and "分别听取双方意见a" in pages[0]


def test_form_8_prints_the_resettlement_and_form_11_the_age_and_guardian(client_as, world):
    with write_transactions():
        released = db.session.scalar(
            select(KeyPerson)
            .join(KeyPersonCategory)
            .where(KeyPersonCategory.code == "released", KeyPerson.grid_id == world.grid_a.id)
        )
        released.details = {**(released.details or {}), "resettlement": "县机械厂就业"}
        db.session.commit()
    _key_person_with_follow_up(world, "a", "youth", {"guardian": "张父 139****0000"}, "青少年回访")
    text = _text(client_as("worker_a"), world, 8)
    assert "安置情况" in text and "县机械厂就业" in text
    text = _text(client_as("worker_a"), world, 11)
    assert "年龄" in text and "监护人" in text and "张父" in text
    # 张伟 (born 1970-03-12) was 56 at the follow-up on 2026-10-09.
    assert "56" in text


def test_a_permit_number_that_is_the_id_number_is_never_shown_whole(web_as, client_as, world):
    """A 居住证 number is often the holder's ID number: masked on the resident's page,
    asked anew (not shown) on the edit page and kept when left empty, masked on form 6."""
    resident = world.residents["a"]
    web = web_as("station_a")  # may reveal numbers — but only through the audited 显示完整
    form = form_on(web.get(f"/residents/{resident.id}/edit"))
    choose(form, "population_type", "流动人口")
    form["residence_permit_number"] = resident.id_number
    assert press(form, "保存").status_int == 303
    masked = resident.id_number[:6] + "********" + resident.id_number[-4:]
    page = web.get(f"/residents/{resident.id}")
    assert resident.id_number not in page.text and masked in visible_text(page)
    changes = web.get("/population-changes/")  # the corrections feed: before and after
    assert "居住证号码" in visible_text(changes) and resident.id_number not in changes.text
    edit = web.get(f"/residents/{resident.id}/edit")
    assert resident.id_number not in edit.text and form_on(edit)["residence_permit_number"].value == ""
    form = form_on(edit)
    form["workplace"] = "县农机站"
    assert press(form, "保存").status_int == 303
    fresh()
    from app.registry.people.models import Resident

    assert db.session.get(Resident, resident.id).residence_permit_number == resident.id_number
    assert resident.id_number not in _text(client_as("station_a"), world, 6)


def test_form_1_counts_permanent_residents_party_members_and_party_organisations(client_as, world):
    """000 asks for 党组织设置、党员情况、常住人口 beside 户籍 and 流动: grid A's resident
    made 常住 and a party member; its organisation given a party branch."""
    from app.registry.organisations.models import Organisation
    from app.registry.people.models import Resident

    people = list(
        db.session.scalars(select(Resident).where(Resident.grid_id == world.grid_a.id, Resident.status == "active"))
    )
    people[0].population_type, people[0].political_status = "permanent", "cpc_member"
    organisation = db.session.scalar(select(Organisation).where(Organisation.grid_id == world.grid_a.id))
    organisation.org_type, organisation.party_organisation = "resident_unit", "东关一网格联合党支部"
    db.session.commit()
    response = _get(client_as("station_a"), world, 1, division_id=world.community_a.id, output="xlsx")
    rows = list(openpyxl.load_workbook(BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    header = rows[1]
    grid_a = next(row for row in rows[2:] if row and row[header.index("网格")] == "东关一网格")
    assert grid_a[header.index("常住人口")] == 1
    assert grid_a[header.index("党员")] == 1
    assert grid_a[header.index("党组织")] == 1
    text = _text(client_as("station_a"), world, 1, division_id=world.community_a.id)
    assert "常住人口" in text and "党组织" in text

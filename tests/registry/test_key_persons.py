"""Key persons (重点人员): listing with a category's own fields, duplicates, follow-ups
and their due dates, the overdue flag (Python and SQL agree), the audited detail page,
who may see them at all, closing, and the masked export."""

from datetime import date, timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.registry.keypersons import services as rules
from app.registry.people.models import FollowUp, KeyPerson, KeyPersonCategory, Resident
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, press, visible_text


def category(code: str) -> KeyPersonCategory:
    return db.session.scalar(select(KeyPersonCategory).where(KeyPersonCategory.code == code))


def _events(action: str) -> list[AuditEvent]:
    fresh()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _show_category(form, cat: KeyPersonCategory):
    """Choose a category and press 更新字段, as without JavaScript: the page comes back
    with that category's own fields; the form on it is returned."""
    choose(form, "category_id", cat.name)
    response = press(form, "更新字段")
    assert response.status_int == 200, visible_text(response)[:600]
    return form_on(response, button="更新字段")


def _listing_page(web, resident) -> object:
    """列为重点人员 on the resident's page."""
    return web.get(f"/residents/{resident.id}").click(description="列为重点人员")


# --- Listing a person with the category's own fields -----------------------------------


def test_create_with_category_fields_and_see_them_on_the_detail_page(web_as, world):
    web = web_as("worker_a")
    resident = world.residents["a"]
    mental = category("mental")
    form = _show_category(form_on(_listing_page(web, resident)), mental)
    choose(form, "risk_level", "高")
    form["start_date"] = "2024-03-01"
    choose(form, "responsible_staff_id", "员工worker_a")
    form["detail_diagnosis"] = "精神分裂症"
    form["detail_guardian"] = "张母 13900000000"
    form["detail_medication"] = "规律服药\n每月复诊"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    created = db.session.scalar(select(KeyPerson).where(KeyPerson.category_id == mental.id))
    assert created.grid_id == resident.grid_id and created.risk_level == "high"
    assert created.start_date == date(2024, 3, 1) and created.responsible_staff_id == world.staff["worker_a"].id
    assert created.details == {
        "diagnosis": "精神分裂症",
        "guardian": "张母 13900000000",
        "medication": "规律服药\n每月复诊",
    }
    assert [e.target_id for e in _events("key_person_created")] == [created.id]
    page = visible_text(response.follow())
    for text in (
        "严重精神障碍",
        "诊断",
        "精神分裂症",
        "监护人及电话",
        "张母 13900000000",
        "服药情况",
        "规律服药",
        "高",
        "员工worker_a",
        resident.masked_id,
    ):
        assert text in page, text
    assert resident.id_number not in page


def test_create_by_typing_the_full_id_number_only_within_scope(web_as, world):
    web = web_as("worker_a")
    youth = category("youth")
    outside = world.residents["b"]
    form = form_on(web.get("/key-persons/").click(description="新增重点人员"))
    form = _show_category(form, youth)
    form["id_number"] = outside.id_number
    response = press(form, "保存")
    assert response.status_int == 200
    assert "在您的管辖范围内未找到该证件号码的人员" in visible_text(response)
    assert "李娜" not in visible_text(response)
    form = form_on(response, button="更新字段")
    form["id_number"] = world.residents["a"].id_number.lower()
    form["detail_school_or_work"] = "县职中"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    created = db.session.scalar(select(KeyPerson).where(KeyPerson.category_id == youth.id))
    assert created.resident_id == world.residents["a"].id and created.details == {"school_or_work": "县职中"}


def test_a_resident_out_of_scope_is_404_on_the_new_page(client_as, world):
    assert client_as("worker_a").get(f"/key-persons/new?resident={world.residents['b'].id}").status_code == 404


def test_changing_the_category_rerenders_its_fields_without_saving(web_as, world):
    web = web_as("worker_a")
    resident = world.residents["a"]
    correction, drug = category("correction"), category("drug")
    # Without JS: the 更新字段 button.
    form = _show_category(form_on(_listing_page(web, resident)), correction)
    assert "执行机关" in form.text and "协议签订情况" not in form.text
    # Saving while another category's fields are shown re-renders instead.
    choose(form, "category_id", drug.name)
    response = press(form, "保存")
    page = visible_text(response)
    assert response.status_int == 200 and "协议签订情况" in page and "执行机关" not in page
    assert "已按所选类别显示对应的登记项目" in page
    form = form_on(response, button="更新字段")
    assert form["shown_category_id"].value == str(drug.id) and form["category_id"].value == str(drug.id)
    fresh()
    assert db.session.scalar(select(KeyPerson).where(KeyPerson.category_id == drug.id)) is None
    form = _show_category(form, correction)
    assert "执行机关" in form.text and "协议签订情况" not in form.text
    # With htmx: only the fields fragment, from the select's hx-get.
    page = _listing_page(web, resident)
    select_tag = page.html.find("select", attrs={"name": "category_id"})
    fragment = web.get(
        f"{select_tag['hx-get']}?category_id={correction.id}",
        headers={"HX-Request": "true", "HX-Target": select_tag["hx-target"].lstrip("#")},
    )
    assert "<html" not in fragment.text and "矫正起始日期" in fragment.text and 'type="date"' in fragment.text
    assert "Vary" in fragment.headers


def test_a_bad_date_in_a_category_field_is_shown_at_that_field(web_as, world):
    web = web_as("worker_a")
    form = _show_category(form_on(_listing_page(web, world.residents["a"])), category("correction"))
    form["detail_correction_start"] = "2024-13-40"
    form["detail_executing_authority"] = "县司法局"
    response = press(form, "保存")
    assert response.status_int == 200
    assert 'id="detail_correction_start-error">请输入有效日期' in response.text
    assert form_on(response, button="更新字段")["detail_executing_authority"].value == "县司法局"
    fresh()
    assert db.session.scalar(select(KeyPerson).where(KeyPerson.category_id == category("correction").id)) is None


def test_the_same_active_category_twice_is_refused_at_the_field(web_as, world):
    web = web_as("worker_a")
    existing = world.records["a"]["key_person"]
    resident = world.residents["a"]
    form = _show_category(form_on(_listing_page(web, resident)), existing.category)
    response = press(form, "保存")
    assert response.status_int == 200
    assert 'id="category_id-error">该人员已在“刑满释放（安置帮教）”类别中列管' in response.text
    # Once closed, the person may be listed under that category again.
    close = form_on(web.get(f"/key-persons/{existing.id}"), action="/close")
    close["end_date"] = "2024-05-01"
    assert press(close, "解除列管").status_int == 303
    form = _show_category(form_on(_listing_page(web, resident)), existing.category)
    again = press(form, "保存")
    assert again.status_int == 303, visible_text(again)[:600]
    fresh()
    statuses = db.session.scalars(select(KeyPerson.status).where(KeyPerson.resident_id == resident.id))
    assert sorted(statuses) == ["active", "closed"]


def test_rules_refuse_a_duplicate_directly(world):
    existing = world.records["a"]["key_person"]
    with pytest.raises(rules.KeyPersonError) as refused:
        rules.create_key_person(
            world.residents["a"], existing.category, rules.KeyPersonValues(start_date=date(2024, 2, 1))
        )
    assert refused.value.field == "category_id"
    with pytest.raises(rules.KeyPersonError) as refused:
        rules.clean_details(category("released"), {"release_date": "2024-02-30"})
    assert refused.value.field == "detail_release_date"
    assert rules.clean_details(
        category("released"), {"release_date": "2024/02/03", "helpers": "  王五 ", "unknown": "x"}
    ) == {"release_date": "2024-02-03", "helpers": "王五"}


# --- Follow-ups ------------------------------------------------------------------------


def _follow_up_form(page):
    return form_on(page, action="/follow-ups")


def test_follow_up_added_and_next_due_must_be_after_the_date(web_as, world):
    web = web_as("worker_a")
    key_person = world.records["a"]["key_person"]
    form = _follow_up_form(web.get(f"/key-persons/{key_person.id}"))
    form["follow_up_date"] = "2024-03-01"
    choose(form, "kind", "帮扶")
    form["performed_by"] = "员工worker_a"
    form["content"] = "帮助联系就业"
    form["next_due_date"] = "2024-03-01"
    refused = press(form, "保存跟进记录")
    assert refused.status_int == 200
    assert 'id="next_due_date-error">下次跟进日期须晚于本次跟进日期' in refused.text
    form = _follow_up_form(refused)
    assert form["content"].value == "帮助联系就业" and form["kind"].value == "assistance"
    form["content"] = ""
    missing = press(form, "保存跟进记录")
    assert 'id="content-error"' in missing.text
    form = _follow_up_form(missing)
    form["content"] = "帮助联系就业"
    form["next_due_date"] = ""
    response = press(form, "保存跟进记录")
    assert response.status_int == 303 and response.headers["Location"].endswith("#follow-ups")
    fresh()
    added = db.session.scalar(select(FollowUp).where(FollowUp.content == "帮助联系就业"))
    # Left empty, the next due date follows the category's interval (30 days).
    assert added.next_due_date == date(2024, 3, 31) and added.recorded_by_id == world.users["worker_a"].id
    page = visible_text(response.follow())
    assert "已添加跟进记录" in page
    assert "帮助联系就业" in page and "帮扶" in page and "跟进记录（2 次）" in page
    # The first follow-up's next contact came after its due date (2024-02-01).
    assert "未按期" in page


def test_follow_up_form_defaults(web_as, world):
    key_person = world.records["a"]["key_person"]
    form = _follow_up_form(web_as("worker_a").get(f"/key-persons/{key_person.id}"))
    today = local_today()
    assert form["follow_up_date"].value == today.isoformat()
    assert form["next_due_date"].value == (today + timedelta(days=30)).isoformat()
    assert form["performed_by"].value == "worker_a" and form["kind"].value == "education"


def test_edit_a_follow_up(web_as, world):
    follow_up = world.records["a"]["follow_up"]
    web = web_as("station_a")
    page = web.get(f"/key-persons/{follow_up.key_person_id}").click(href=f"/follow-ups/{follow_up.id}/edit")
    form = form_on(page)
    assert form["content"].value == "上门谈心"
    form["follow_up_date"] = "2024-01-02"
    choose(form, "kind", "管控")
    form["content"] = "上门谈心，情绪稳定"
    form["next_due_date"] = "2024-01-01"
    response = press(form, "保存")
    assert response.status_int == 200 and 'id="next_due_date-error"' in response.text
    form = form_on(response)
    form["next_due_date"] = "2024-02-02"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    edited = db.session.get(FollowUp, follow_up.id)
    assert (edited.kind, edited.content, edited.follow_up_date) == ("control", "上门谈心，情绪稳定", date(2024, 1, 2))
    assert _events("follow_up_updated")[0].actor_name == "station_a"


def test_edit_and_close_a_key_person(web_as, world):
    key_person = world.records["a"]["key_person"]
    web = web_as("worker_a")
    page = web.get(f"/key-persons/{key_person.id}").click(href=f"/key-persons/{key_person.id}/edit")
    form = form_on(page)
    assert form["detail_original_charge"].value == "盗窃罪" and "category_id" not in form.fields
    choose(form, "risk_level", "高")
    form["start_date"] = "2024-01-01"
    form["detail_sentence"] = "二年"
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    close = form_on(response.follow(), action="/close")
    close["end_date"] = "2023-12-31"
    early = press(close, "解除列管")
    assert 'id="end_date-error">解除日期不能早于列管日期' in early.text
    close = form_on(early, action="/close")
    close["end_date"] = "2024-06-30"
    close["reason"] = "帮教期满"
    closed_page = press(close, "解除列管")
    assert closed_page.status_int == 303
    fresh()
    closed = db.session.get(KeyPerson, key_person.id)
    assert (closed.status, closed.end_date, closed.risk_level) == ("closed", date(2024, 6, 30), "high")
    assert closed.details == {"release_date": "2023-06-01", "original_charge": "盗窃罪", "sentence": "二年"}
    assert closed.end_reason == "帮教期满"
    page = visible_text(closed_page.follow())
    assert "已解除" in page and "已逾期" not in page and "添加跟进记录" not in page
    assert "解除原因 帮教期满" in page


# --- Overdue ---------------------------------------------------------------------------


def _listed(world, key: str, start: date, follow_ups=()) -> KeyPerson:
    resident = world.residents[key]
    cat = category("mental")  # every 14 days
    key_person = KeyPerson(
        resident_id=resident.id, category=cat, grid_id=resident.grid_id, start_date=start, details={}
    )
    for day, next_due in follow_ups:
        key_person.follow_ups.append(
            FollowUp(follow_up_date=day, kind="control", performed_by="p", content="c", next_due_date=next_due)
        )
    db.session.add(key_person)
    db.session.commit()
    return key_person


def test_overdue_is_computed_the_same_in_python_and_sql(world):
    today = local_today()
    released = world.records["a"]["key_person"]  # last next-due 2024-02-01: overdue
    never_followed_old = _listed(world, "b", today - timedelta(days=15))
    never_followed_new = KeyPerson(
        resident_id=world.residents["a"].id,
        category=category("youth"),
        grid_id=world.grid_a.id,
        start_date=today - timedelta(days=29),
        details={},
    )
    followed_due_ahead = KeyPerson(
        resident_id=world.residents["a"].id,
        category=category("petition"),
        grid_id=world.grid_a.id,
        start_date=date(2024, 1, 1),
        details={},
    )
    followed_due_ahead.follow_ups.append(
        FollowUp(
            follow_up_date=today - timedelta(days=3), kind="control", performed_by="p", content="c", next_due_date=today
        )
    )
    no_next_due = KeyPerson(
        resident_id=world.residents["a"].id,
        category=category("drug"),
        grid_id=world.grid_a.id,
        start_date=date(2024, 1, 1),
        details={},
    )
    no_next_due.follow_ups.append(
        FollowUp(
            follow_up_date=today - timedelta(days=31), kind="control", performed_by="p", content="c", next_due_date=None
        )
    )
    db.session.add_all([never_followed_new, followed_due_ahead, no_next_due])
    db.session.commit()
    expected = {
        released.id: True,
        world.records["b"]["key_person"].id: True,
        never_followed_old.id: True,
        never_followed_new.id: False,
        followed_due_ahead.id: False,
        no_next_due.id: True,
    }
    assert {k.id: rules.is_overdue(k, today) for k in db.session.scalars(select(KeyPerson))} == expected
    in_sql = set(db.session.scalars(select(KeyPerson.id).where(rules.overdue_condition(today))))
    assert in_sql == {k for k, overdue in expected.items() if overdue}
    assert rules.due_date(never_followed_new) == today + timedelta(days=1)
    released.status = "closed"
    db.session.commit()
    assert not rules.is_overdue(released, today)
    assert released.id not in set(db.session.scalars(select(KeyPerson.id).where(rules.overdue_condition(today))))


def test_list_flags_overdue_and_filters_them(client_as, world):
    today = local_today()
    fresh_one = KeyPerson(
        resident_id=world.residents["a"].id,
        category=category("youth"),
        grid_id=world.grid_a.id,
        start_date=today - timedelta(days=2),
        details={},
        risk_level="high",
    )
    db.session.add(fresh_one)
    db.session.commit()
    client = client_as("worker_a")

    def rows(query: str = "") -> str:
        """The list's rows fragment (the filter form names every category)."""
        fragment = client.get(f"/key-persons/?{query}", headers={"HX-Request": "true", "HX-Target": "key-person-rows"})
        assert "<html" not in fragment.get_data(as_text=True)
        return fragment.get_data(as_text=True)

    body = client.get("/key-persons/").get_data(as_text=True)
    assert body.count('<span class="tag bad">已逾期</span>') == 1
    assert "重点青少年" in rows() and "刑满释放（安置帮教）" in rows()
    assert "刑满释放（安置帮教）" in rows("overdue=1") and "重点青少年" not in rows("overdue=1")
    assert "重点青少年" in rows("risk=high") and "刑满释放（安置帮教）" not in rows("risk=high")
    by_category = rows(f"category={category('released').id}")
    assert "刑满释放（安置帮教）" in by_category and "重点青少年" not in by_category
    assert "没有符合条件的重点人员" in rows("status=closed")


# --- Audit and who sees what -----------------------------------------------------------


def test_every_view_of_the_detail_page_is_audited(client_as, world):
    key_person = world.records["a"]["key_person"]
    client = client_as("worker_a")
    for _ in range(2):
        assert client.get(f"/key-persons/{key_person.id}").status_code == 200
    events = _events("key_person_viewed")
    assert len(events) == 2
    assert {(e.actor_id, e.actor_name, e.target_type, e.target_id) for e in events} == {
        (world.users["worker_a"].id, "worker_a", "key_person", key_person.id)
    }
    assert world.residents["a"].id_number not in events[0].summary


@pytest.mark.parametrize("username", ["leader_a", "admin", "town_a", "dept"])
def test_those_who_may_not_see_key_persons_get_404_even_to_a_forged_close(web_as, world, username):
    refused = 403 if username == "dept" else 404  # a department handler does no grid work at all
    web = web_as(username)
    key_person = world.records["a"]["key_person"]
    for url in (
        "/key-persons/",
        "/key-persons/export.xlsx",
        f"/key-persons/{key_person.id}",
        f"/key-persons/{key_person.id}/edit",
        f"/key-persons/new?resident={world.residents['a'].id}",
        f"/follow-ups/{world.records['a']['follow_up'].id}/edit",
    ):
        assert web.get(url, expect_errors=True).status_int == refused, url
    assert forge(web, f"/key-persons/{key_person.id}/close", {"end_date": "2024-05-01"}).status_int == refused
    assert _events("key_person_viewed") == []
    fresh()
    assert db.session.get(KeyPerson, key_person.id).status == "active"


def test_town_staff_with_the_governance_duty_see_their_towns(client_as, world):
    world.users["town_a"].governance_duty = True
    db.session.commit()
    client = client_as("town_a")
    page = text_of(client.get("/key-persons/"))
    assert "张伟" in page and "李娜" not in page
    assert client.get(f"/key-persons/{world.records['a']['key_person'].id}").status_code == 200
    assert client.get(f"/key-persons/{world.records['b']['key_person'].id}").status_code == 404


def test_another_grids_worker_gets_404_even_to_a_forged_follow_up(web_as, world):
    web = web_as("worker_b")
    key_person = world.records["a"]["key_person"]
    assert web.get(f"/key-persons/{key_person.id}", expect_errors=True).status_int == 404
    assert forge(web, f"/key-persons/{key_person.id}/follow-ups", {}).status_int == 404
    assert web.get(f"/follow-ups/{world.records['a']['follow_up'].id}/edit", expect_errors=True).status_int == 404
    page = visible_text(web.get("/key-persons/"))
    assert "李娜" in page and "张伟" not in page


# --- Export ----------------------------------------------------------------------------


def test_export_masks_id_numbers_and_is_audited(client_as, world):
    client = client_as("worker_a")
    response = client.get("/key-persons/export.xlsx?status=all")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(BytesIO(response.data)).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    resident = db.session.get(Resident, world.residents["a"].id)
    assert resident.masked_id in cells and resident.id_number not in " ".join(cells)
    assert "姓名" in cells and "证件号码" in cells and "张伟" in cells and "李娜" not in cells
    assert "已逾期" in cells and any("原罪名：盗窃罪" in cell for cell in cells)
    events = _events("key_persons_exported")
    assert [(e.actor_name, e.summary) for e in events] == [("worker_a", "1")]


def test_every_page_that_shows_a_key_person_is_audited_once_without_id_digits(web_as, world):
    """The list (and its htmx fragment), the edit page, a follow-up's edit page and the
    resident page's key-person block each leave one entry; none names the person or
    shows digits of the ID number (the audit log is read by those who may not see
    key persons)."""
    key_person = world.records["a"]["key_person"]
    resident = key_person.resident
    web = web_as("worker_a")
    for url, headers in (
        ("/key-persons/", {}),
        ("/key-persons/?q=", {"HX-Request": "true"}),
        (f"/key-persons/{key_person.id}/edit", {}),
        (f"/follow-ups/{world.records['a']['follow_up'].id}/edit", {}),
        (f"/residents/{resident.id}", {}),
    ):
        fresh()
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        web.get(url, headers=headers)
        fresh()
        entries = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)))
        added = db.session.scalar(select(func.count()).select_from(AuditEvent)) - before
        assert added == 1, (url, added)
        assert entries[0].action in ("key_person_viewed", "key_persons_listed"), url
    fresh()
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("key_person%"))):
        text = f"{event.summary} {event.detail}"
        assert resident.id_number[-4:] not in text and resident.id_number[:6] not in text
        assert resident.name not in text

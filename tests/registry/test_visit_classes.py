"""Visit classes (一类/二类/三类户) kept by county administrators: names, meanings and
visit frequencies read from the `visit_class` table wherever a class is shown or
accepted; the service that field visits will use; the page is 404 for others. Forms
are filled and sent as rendered (tests/web.py); hand-built posts only where forged."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.registry.people.models import VisitClass
from app.registry.settings import visit_classes
from app.registry.transfer.xlsx_import import import_columns
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, options, press, visible_text


def row(level: int) -> VisitClass:
    return db.session.scalar(select(VisitClass).where(VisitClass.level == level))


PERIODS = {"month": "每月", "quarter": "每季度", "year": "每年"}


def edit_class(web, level: int, **typed):
    """修改 in the class's row of 走访分类, what is typed changed, 保存 pressed."""
    page = web.get("/visit-classes/").click(href=f"/visit-classes/{row(level).id}/edit")
    form = form_on(page)
    period = typed.pop("visit_period", None)
    for name, value in typed.items():
        form[name] = value
    if period:
        choose(form, "visit_period", PERIODS[period])
    return press(form, "保存")


def edit_form(**overrides):
    """The third class as test_admin_changes_… sets it."""
    data = {"name": "三类户", "description": "工薪、个体经营户及其他", "visits_required": "3", "visit_period": "month"}
    data.update(overrides)
    return data


def test_defaults_follow_the_domain(app):
    classes = visit_classes.visit_classes()
    assert [c.level for c in classes] == [1, 2, 3]
    third = classes[2]
    assert (third.name, third.visits_required, third.visit_period) == ("三类", 2, "quarter")
    assert third.frequency == "每季度至少走访 2 次"
    assert classes[0].visits_required >= classes[1].visits_required


def test_admin_changes_a_frequency_and_the_household_page_shows_it(web_as, client_as, world):
    admin = client_as("admin")
    page = text_of(admin.get("/visit-classes/"))
    assert "三类" in page and "每季度至少走访 2 次" in page
    response = edit_class(web_as("admin"), 3, **edit_form())
    assert response.status_int == 303, visible_text(response)[:600]
    fresh()
    assert (row(3).name, row(3).visits_required, row(3).visit_period) == ("三类户", 3, "month")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit_class_updated"))
    assert event.detail["before"]["visits_required"] == 2 and event.detail["after"]["visits_required"] == 3
    assert "修改走访分类" in text_of(client_as("auditor").get("/admin/audit"))

    # The household (class 3 in the factory) reads the new name and frequency.
    worker = client_as("worker_a")
    household = world.households["a"]
    detail = text_of(worker.get(f"/households/{household.id}"))
    assert "三类户" in detail and "每月至少走访 3 次" in detail and "工薪、个体经营户及其他" in detail
    assert "三类户" in text_of(worker.get("/households/"))
    assert "三类户（工薪、个体经营户及其他）" in worker.get(f"/households/{household.id}/edit").get_data(as_text=True)
    sheet = openpyxl.load_workbook(BytesIO(worker.get("/households/export.xlsx").data)).active
    values = [cell.value for line in sheet.iter_rows() for cell in line]
    assert "三类户" in values


def test_household_list_filters_by_class_with_the_new_names(web_as, client_as, world):
    edit_class(web_as("admin"), 1, name="重点户", description="", visits_required="4", visit_period="month")
    listing = client_as("worker_a").get("/households/?visit=1").get_data(as_text=True)
    assert '<option value="1" selected>重点户</option>' in listing
    assert "A001" not in text_of(client_as("worker_a").get("/households/?visit=1"))
    assert "A001" in text_of(client_as("worker_a").get("/households/?visit=3"))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "此项为必填项"),
        ({"name": "一类"}, "已有同名的走访分类"),
        ({"visits_required": "abc"}, "不是有效的整数"),
        ({"visits_required": "40"}, "请填写 0 到 31 之间的整数"),
    ],
)
def test_bad_values_are_refused_at_their_field(web_as, world, overrides, message):
    response = edit_class(web_as("admin"), 3, **edit_form(**overrides))
    assert response.status_int == 200 and message in visible_text(response)
    assert 'class="error"' in response.text
    fresh()
    assert row(3).name == "三类"


def test_a_forged_period_the_page_does_not_offer_is_refused(web_as, world):
    web = web_as("admin")
    form = form_on(web.get(f"/visit-classes/{row(3).id}/edit"))
    assert "week" not in [value for value, _text in options(form, "visit_period")]
    response = forge(web, f"/visit-classes/{row(3).id}/edit", edit_form(visit_period="week"))
    assert response.status_int == 200 and "请从列表中选择" in visible_text(response)
    fresh()
    assert row(3).name == "三类"


def test_zero_visits_means_no_requirement(web_as, client_as, world):
    edit_class(web_as("admin"), 2, **edit_form(name="二类", visits_required="0"))
    assert "不作走访次数要求" in text_of(client_as("admin").get("/visit-classes/"))


@pytest.mark.parametrize("username", ["worker_a", "station_a", "town_a", "leader_a", "dept"])
def test_only_county_administrators_see_the_page_and_a_forged_edit_is_404(web_as, world, username):
    refused = 403 if username == "dept" else 404  # a department handler does no grid work at all
    web = web_as(username)
    assert web.get("/visit-classes/", expect_errors=True).status_int == refused
    assert web.get(f"/visit-classes/{row(3).id}/edit", expect_errors=True).status_int == refused
    assert forge(web, f"/visit-classes/{row(3).id}/edit", edit_form()).status_int == refused
    fresh()
    assert row(3).name == "三类"


def test_import_accepts_the_new_name_and_the_old_spellings(web_as, world):
    edit_class(web_as("admin"), 1, **edit_form(name="重点户", description=""))
    fresh()
    visit_classes.forget_cached()
    choices = next(c for c in import_columns() if c.key == "visit_class").choices
    assert choices["重点户"] == 1 and choices["一类"] == 1 and choices["一类户"] == 1 and choices["3"] == 3


def test_a_class_change_in_the_feed_reads_the_current_names(web_as, world):
    web = web_as("worker_a")
    household = world.households["a"]
    form = form_on(web.get(f"/households/{household.id}").click(description="修改"))
    choose(form, "visit_class", "一类")
    assert press(form, "保存").status_int == 303
    edit_class(web_as("admin"), 1, **edit_form(name="重点户", description=""))
    assert "走访分类：三类 → 重点户" in visible_text(web.get("/population-changes/"))


@pytest.mark.parametrize(
    "period, day, bounds",
    [
        ("month", date(2024, 2, 15), (date(2024, 2, 1), date(2024, 2, 29))),
        ("month", date(2024, 12, 31), (date(2024, 12, 1), date(2024, 12, 31))),
        ("quarter", date(2024, 5, 1), (date(2024, 4, 1), date(2024, 6, 30))),
        ("quarter", date(2024, 11, 30), (date(2024, 10, 1), date(2024, 12, 31))),
        ("year", date(2024, 7, 7), (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_period_bounds(period, day, bounds):
    assert visit_classes.period_bounds(period, day) == bounds

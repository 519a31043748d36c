"""Administrators keep the time limits, the subtype tree and holiday data — the
settings pages' forms filled and sent as rendered (tests/web.py)."""

from datetime import date

from sqlalchemy import select

from app.core.database import write_transactions
from app.extensions import db
from app.matters import services, workdays
from app.matters.models import HolidayDay, MatterType, TimeLimit
from tests.conftest import fresh
from tests.web import choose, form_on, press, visible_text


def test_time_limits_are_edited_and_refused_out_of_range(web_as, world):
    admin = web_as("admin")
    form = form_on(admin.get("/matters/settings/limits"), button="保存")
    form["town"] = "0"
    response = press(form, "保存", status=200)
    assert "请填写 1 到 60 之间的整数" in visible_text(response)
    again = form_on(response, button="保存")
    assert again["town"].value == "0"  # what was typed is kept
    again["town"] = "7"
    assert press(again, "保存").status_int == 303
    fresh()
    assert db.session.get(TimeLimit, "town").days == 7
    assert services.time_limits()["town"] == 7
    assert web_as("town_a").get("/matters/settings/limits", expect_errors=True).status_int == 404


def test_a_subtype_with_its_own_limit_sets_the_deadline(web_as, world):
    admin = web_as("admin")
    form = form_on(admin.get("/matters/settings/types"), button="保存")
    choose(form, "class_code", "城市管理")
    choose(form, "parent_id", "城市管理 › 公用设施")
    form["name"] = "充电桩损坏"
    choose(form, "kind", "部件（设施、物体）")
    form["time_limit_days"] = "2"
    assert form["is_active"].checked  # 启用 is ticked as the page offers it
    assert press(form, "保存").status_int == 303
    fresh()
    group = db.session.scalar(select(MatterType).where(MatterType.name == "公用设施"))
    added = db.session.scalar(select(MatterType).where(MatterType.name == "充电桩损坏"))
    assert added.parent_id == group.id and added.time_limit_days == 2 and added.is_active
    # The page lists every group whatever the class: a mismatch is said at the field.
    form = form_on(admin.get("/matters/settings/types"), button="保存")
    choose(form, "class_code", "社会治安")
    choose(form, "parent_id", "城市管理 › 公用设施")
    form["name"] = "错类"
    assert "上级小类不属于所选大类" in visible_text(press(form, "保存", status=200))
    assert web_as("worker_a").get(f"/matters/settings/types/{added.id}", expect_errors=True).status_int == 404


def test_a_subtype_is_edited_from_the_list(web_as, world):
    """修改 through its link on the list: the edit form as rendered, two fields changed."""
    admin = web_as("admin")
    page = admin.get("/matters/settings/types").click(description="井盖缺失或破损")
    form = form_on(page, button="保存")
    form["time_limit_days"] = "3"
    form["is_active"] = False
    assert press(form, "保存").status_int == 303
    fresh()
    edited = db.session.scalar(select(MatterType).where(MatterType.name == "井盖缺失或破损"))
    assert edited.time_limit_days == 3 and not edited.is_active and edited.class_code == "city"


def test_holiday_lines_are_checked_and_saved(web_as, world):
    admin = web_as("admin")
    form = form_on(admin.get("/matters/settings/holidays"), button="保存")
    form["lines"] = "2027-01-01 休 元旦\n2027-13-01 休"
    page = visible_text(press(form, "保存", status=200))
    assert "第 2 行" in page and "2027-01-01 休 元旦" in page
    fresh()
    assert db.session.scalar(select(HolidayDay)) is None
    form = form_on(admin.get("/matters/settings/holidays"), button="保存")
    form["lines"] = "2027-01-01 休 元旦\n2027-02-06 休 春节\n2027-02-20 班 春节调休"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    calendar = workdays.load_calendar()
    assert not calendar.is_workday(date(2027, 1, 1)) and calendar.is_workday(date(2027, 2, 20))
    assert "2027-02-20" in visible_text(response.follow())


def test_a_year_not_confirmed_marks_its_deadlines_estimated_until_an_administrator_confirms(web_as, world):
    """A matter due in 2027 (which the built-in calendar does not know): the deadline
    reads （预计） and the matter pages warn, even with a holiday of 2027 entered; once
    the administrator confirms the year on the holidays page, both go."""
    from app.matters.models import Matter

    matter = db.session.scalar(select(Matter).where(Matter.status != "closed").order_by(Matter.id))
    with write_transactions():
        matter.due_at = workdays.end_of_day_utc(date(2027, 1, 6))
        db.session.commit()
    admin = web_as("admin")
    form = form_on(admin.get("/matters/settings/holidays?year=2027"), button="保存")
    form["lines"] = "2027-01-01 休 元旦"
    assert press(form, "保存").status_int == 303
    page = visible_text(admin.get(f"/matters/{matter.id}"))
    assert "2027-01-06 24:00（预计）" in page
    assert "2027 年的法定节假日安排尚未确认" in page
    holidays = admin.get("/matters/settings/holidays?year=2027")
    assert "尚未确认完整" in visible_text(holidays)
    response = press(form_on(holidays, button="确认 2027 年安排已完整录入"), "确认 2027 年安排已完整录入")
    assert "已确认 2027 年的安排完整" in visible_text(response.follow())
    page = visible_text(admin.get(f"/matters/{matter.id}"))
    assert "2027-01-06 24:00" in page and "（预计）" not in page and "尚未确认" not in page


def test_forged_confirmation_of_a_year_by_a_station_is_refused_and_changes_nothing(web_as, world):
    from app.matters.models import HolidayYear
    from tests.web import forge

    # Administrators only: to anyone else the settings pages do not exist.
    assert forge(web_as("station_a"), "/matters/settings/holidays/2027/confirm").status_int == 404
    fresh()
    assert db.session.get(HolidayYear, 2027) is None

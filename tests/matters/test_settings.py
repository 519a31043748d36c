"""Administrators keep the time limits, the subtype tree and holiday data."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.matters import services, workdays
from app.matters.models import HolidayDay, MatterType, TimeLimit
from tests.conftest import fresh, text_of


def test_time_limits_are_edited_and_refused_out_of_range(client_as, world):
    admin = client_as("admin")
    form = {key: "3" for key in ("verify", "grid", "community", "town", "department", "county",
                                 "escalate_to_county")}
    page = text_of(admin.post("/matters/settings/limits", data={**form, "town": "0"}))
    assert "请填写 1 到 60 之间的整数" in page
    assert admin.post("/matters/settings/limits", data={**form, "town": "7"}).status_code == 303
    fresh()
    assert db.session.get(TimeLimit, "town").days == 7
    assert services.time_limits()["town"] == 7
    assert client_as("town_a").get("/matters/settings/limits").status_code == 404


def test_a_subtype_with_its_own_limit_sets_the_deadline(client_as, world):
    admin = client_as("admin")
    group = db.session.scalar(select(MatterType).where(MatterType.name == "公用设施"))
    response = admin.post("/matters/settings/types", data={
        "class_code": "city", "parent_id": group.id, "name": "充电桩损坏", "kind": "component",
        "time_limit_days": "2", "is_active": "y"})
    assert response.status_code == 303
    fresh()
    added = db.session.scalar(select(MatterType).where(MatterType.name == "充电桩损坏"))
    assert added.parent_id == group.id and added.time_limit_days == 2
    page = text_of(admin.post("/matters/settings/types", data={
        "class_code": "order", "parent_id": group.id, "name": "错类", "kind": ""}))
    assert "上级小类不属于所选大类" in page
    assert client_as("worker_a").get(f"/matters/settings/types/{added.id}").status_code == 404


def test_holiday_lines_are_checked_and_saved(client_as, world):
    admin = client_as("admin")
    page = text_of(admin.post("/matters/settings/holidays", data={"lines": "2027-01-01 休 元旦\n2027-13-01 休"}))
    assert "第 2 行" in page and "2027-01-01 休 元旦" in page
    fresh()
    assert db.session.scalar(select(HolidayDay)) is None
    response = admin.post("/matters/settings/holidays", data={
        "lines": "2027-01-01 休 元旦\n2027-02-06 休 春节\n2027-02-20 班 春节调休"})
    assert response.status_code == 303
    fresh()
    calendar = workdays.load_calendar()
    assert not calendar.is_workday(date(2027, 1, 1)) and calendar.is_workday(date(2027, 2, 20))
    assert "2027-02-20" in text_of(admin.get("/matters/settings/holidays?year=2027"))

"""A visit's position (docs/phone.md, "Location"): saved when the hidden inputs hold
what static/js/location.js puts there, nothing and no error when empty, a tampered
position refused at its field with what was typed kept, shown on the visit's page to
those who see the visit, kept by a correction and never given to the matter the
visit opens (a household's home) — forms as rendered (tests/web.py)."""

from app.extensions import db
from app.matters.models import Matter
from app.visits.models import Visit
from tests.conftest import fresh
from tests.web import as_location_js, choose, form_on, press, visible_text

SHOWN = "定位 34.2658, 108.9541（±12 米，"


def _typed_visit(web, household, **typed):
    form = form_on(web.get(f"/visits/households/{household.id}/new"), button="保存")
    form["visited_on"] = "2026-11-20"
    choose(form, "visit_type", "重点走访")
    form["found"] = typed.pop("found", "户主在家，核对了人口信息")
    for name, value in typed.items():
        form[name] = value
    return form


def _new_visits(household):
    fresh()
    return db.session.query(Visit).filter_by(household_id=household.id, visit_type="key").all()


def test_a_visit_keeps_its_position(world, web_as):
    web = web_as("worker_a")
    household = world.households["a"]
    form = as_location_js(_typed_visit(web, household, follow_up="楼道灯坏了", open_matter=True))
    choose(form, "matter_class", "民生服务")
    response = press(form, "保存")
    assert response.status_int == 303, visible_text(response)[:600]
    [visit] = _new_visits(household)
    assert (visit.latitude, visit.longitude, visit.accuracy_m) == (34.2658, 108.9541, 12.0)
    assert visit.located_at is not None
    assert SHOWN in visible_text(response.follow())
    assert SHOWN in visible_text(web_as("station_a").get(f"/visits/{visit.id}"))
    # The matter it opened is about the household: the position stays with the visit.
    matter = db.session.get(Matter, visit.matter_id)
    assert matter.latitude is None and matter.located_at is None
    # A correction keeps the position and does not offer it.
    edit = form_on(web.get(f"/visits/{visit.id}/edit"), button="保存")
    assert "latitude" not in edit.fields
    edit["found"] = "户主在家，核对了人口信息，已更正"
    assert press(edit, "保存").status_int == 303
    [visit] = _new_visits(household)
    assert visit.latitude == 34.2658 and visit.found.endswith("已更正")


def test_without_a_position_the_visit_saves_as_before(world, web_as):
    web = web_as("worker_a")
    household = world.households["a"]
    page = web.get(f"/visits/households/{household.id}/new")
    assert "记录位置" in page.text
    response = press(_typed_visit(web, household), "保存")
    assert response.status_int == 303
    [visit] = _new_visits(household)
    assert visit.latitude is None and visit.accuracy_m is None
    assert "定位" not in visible_text(response.follow())


def test_a_tampered_position_is_refused_and_what_was_typed_kept(world, web_as):
    """Tampered hidden inputs: a longitude off the globe, then a negative accuracy."""
    web = web_as("worker_a")
    household = world.households["a"]
    form = as_location_js(_typed_visit(web, household, needs="想办低保"), longitude="208.9541")
    response = press(form, "保存")
    assert response.status_int == 200
    assert 'id="latitude-error">位置数据不完整或有误，没有保存。' in response.text
    again = form_on(response, button="保存")
    assert again["needs"].value == "想办低保" and again["latitude"].value == again["located_at"].value == ""
    assert _new_visits(household) == []
    response = press(as_location_js(again, accuracy="-5"), "保存")
    assert "位置数据不完整或有误" in visible_text(response)
    assert _new_visits(household) == []
    # As it came back, without the position: saved.
    assert press(form_on(response, button="保存"), "保存").status_int == 303
    [visit] = _new_visits(household)
    assert visit.latitude is None and visit.needs == "想办低保"


def test_another_error_keeps_the_position_recorded(world, web_as):
    web = web_as("worker_a")
    household = world.households["a"]
    response = press(as_location_js(_typed_visit(web, household, found="")), "保存")
    assert "请填写走访情况。" in response.text and "已记录位置（±12 米）" in visible_text(response)
    form = form_on(response, button="保存")
    form["found"] = "户主在家"
    assert press(form, "保存").status_int == 303
    [visit] = _new_visits(household)
    assert visit.latitude == 34.2658

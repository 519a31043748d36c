"""民情日志: entries settled on the spot or opening a matter with its working-day
deadline, the quick-entry page (htmx and plain form), the weekly summary and the
reports to the grid chief."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import LOCAL_ZONE, local_today
from app.extensions import db
from app.patrols import compliance, services
from app.patrols.models import ChiefReport, OpinionEntry
from tests.conftest import fresh, text_of


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LOCAL_ZONE).astimezone(timezone.utc).replace(tzinfo=None)


def _values(world, **changes):
    values = dict(grid=world.grid_a, said_on=date(2026, 9, 30), category="city", content="小区门口垃圾堆放",
                  disposition="assisted", resident_name="赵阿姨", place="东关路3号")
    values.update(changes)
    return services.EntryValues(**values)


def test_assisted_entry_opens_a_matter_due_after_the_holiday(world):
    # Reported on Wednesday 2026-09-30 10:00: verification takes 1 working day, and
    # 10-01 … 10-07 is the National Day holiday, so it is due at the end of 10-08.
    entry = services.record_entry(_values(world), world.users["worker_a"], now=_utc("2026-09-30T10:00"))
    db.session.commit()
    matter = entry.matter
    assert matter.class_code == "city" and matter.grid_id == world.grid_a.id
    assert "小区门口垃圾堆放" in matter.description and matter.reporter_name == "赵阿姨"
    assert matter.due_at == _utc("2026-10-09T00:00")
    assert entry.recorder_name == "员工worker_a"


def test_assisted_entry_of_another_category_defaults_to_livelihood(world):
    entry = services.record_entry(_values(world, category="family_planning"), world.users["worker_a"])
    assert entry.matter.class_code == "livelihood"
    chosen = services.record_entry(_values(world, category="other", matter_class="dispute"), world.users["worker_a"])
    assert chosen.matter.class_code == "dispute"


def test_settled_entry_needs_how_and_opens_nothing(world):
    with pytest.raises(services.FieldworkError) as refused:
        services.record_entry(_values(world, disposition="settled"), world.users["worker_a"])
    assert refused.value.field == "settled_note"
    entry = services.record_entry(_values(world, disposition="settled", settled_note="联系物业当场清运"),
                                  world.users["worker_a"])
    assert entry.matter is None and entry.settled_note == "联系物业当场清运"


def test_weekly_summary_counts_by_category_and_disposition(world):
    user = world.users["worker_a"]
    for category, disposition, day in (("city", "settled", date(2026, 11, 9)), ("city", "assisted", date(2026, 11, 10)),
                                       ("economy", "settled", date(2026, 11, 15)),
                                       ("party", "settled", date(2026, 11, 16))):  # next week
        services.record_entry(_values(world, category=category, disposition=disposition, said_on=day,
                                      settled_note="已解答"), user)
    services.record_entry(_values(world, grid=world.grid_b, said_on=date(2026, 11, 11), disposition="settled",
                                  settled_note="已解答"), world.users["worker_b"])
    db.session.commit()
    summary = compliance.weekly_summary([world.grid_a.id, world.grid_a2.id], date(2026, 11, 12))
    assert summary.week_start == date(2026, 11, 9)
    assert (summary.count(), summary.count("city"), summary.count("city", "assisted"),
            summary.count(None, "settled"), summary.count("party")) == (3, 2, 1, 2, 0)
    assert [e.said_on for e in summary.entries] == [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 15)]


# --- Pages ------------------------------------------------------------------------------

def _form(world, **changes):
    data = {"grid_id": world.grid_a.id, "said_on": "2026-11-20", "category": "city", "content": "路灯坏了三盏",
            "resident_name": "钱师傅", "place": "东关路5号", "disposition": "assisted", "settled_note": "",
            "matter_class": ""}
    data.update(changes)
    return data


def test_quick_entry_with_htmx_adds_the_row_and_opens_the_matter(client_as, world):
    client = client_as("worker_a")
    response = client.post("/opinions/", data=_form(world),
                           headers={"HX-Request": "true", "HX-Target": "opinion-log"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "路灯坏了三盏" in html and "限期协办" in html
    fresh()
    entry = db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏"))
    assert entry.matter is not None and entry.matter.number in html
    assert "期限" in html
    # The next row starts empty, keeping grid and date.
    assert 'value="路灯坏了三盏"' not in html and 'value="2026-11-20"' in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "opinion_entry_added")) is not None


def test_quick_entry_without_js_redirects(client_as, world):
    client = client_as("worker_a")
    response = client.post("/opinions/", data=_form(world, disposition="settled", settled_note="当场答复"))
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert "已记下。" in page and "路灯坏了三盏" in page and "当场答复" in page


def test_quick_entry_errors_are_chinese_at_the_field_and_keep_input(client_as, world):
    client = client_as("worker_a")
    response = client.post("/opinions/", data=_form(world, content="", disposition="settled"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请填写群众反映的内容。" in html and "content-error" in html
    assert 'value="钱师傅"' in html and 'value="东关路5号"' in html
    response = client.post("/opinions/", data=_form(world, disposition="settled"))
    assert "当时结办的，请写明怎样办结的。" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏")) is None


def test_an_entry_of_another_grid_is_404(client_as, world):
    other = world.records["b"]["opinion"]
    assert client_as("worker_a").get(f"/opinions/{other.id}").status_code == 404
    own = world.records["a"]["opinion"]
    page = text_of(client_as("worker_a").get(f"/opinions/{own.id}"))
    assert "路灯不亮a" in page and "当时结办" in page


def test_leaders_read_but_do_not_write(client_as, world):
    client = client_as("leader_a")
    assert client.get("/opinions/").status_code == 200
    assert client.post("/opinions/", data=_form(world)).status_code == 403


def test_summary_page(client_as, world):
    services.record_entry(_values(world, said_on=date(2026, 11, 10)), world.users["worker_a"])
    db.session.commit()
    page = text_of(client_as("station_a").get(f"/opinions/summary?division_id={world.community_a.id}&week=2026-11-10"))
    assert "2026-11-09 起一周" in page and "小区门口垃圾堆放" in page and "城管 0 1 1" in page


def test_reports_page_flags_missing_reports_and_records_one(client_as, world):
    client = client_as("worker_a")
    page = text_of(client.get(f"/opinions/reports?division_id={world.grid_a.id}"))
    assert "未报告" in page and "东关一网格" in page
    services.record_entry(_values(world, said_on=date(2026, 11, 16), disposition="settled", settled_note="已答复"),
                          world.users["worker_a"])
    db.session.commit()
    form = client.get(f"/opinions/reports/new?grid_id={world.grid_a.id}").get_data(as_text=True)
    assert "小区门口垃圾堆放" in form
    day = compliance.open_report_days(world.grid_a.id, local_today())[-1]
    entry_id = db.session.scalar(select(OpinionEntry.id).where(OpinionEntry.said_on == date(2026, 11, 16)))
    response = client.post(f"/opinions/reports/new?grid_id={world.grid_a.id}",
                           data={"report_day": day.isoformat(), "entry_ids": [str(entry_id)], "note": ""})
    assert response.status_code == 303
    fresh()
    report = db.session.scalar(select(ChiefReport).where(ChiefReport.report_day == day))
    assert [e.id for e in report.entries] == [entry_id] and report.chief_name == "员工chief_a"
    assert client_as("worker_a").get(f"/opinions/reports/{world.records['b']['chief_report'].id}").status_code == 404


def test_the_matter_links_back_to_the_entry(client_as, world):
    client = client_as("worker_a")
    client.post("/opinions/", data=_form(world))
    fresh()
    entry = db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏"))
    html = client.get(f"/matters/{entry.matter.id}").get_data(as_text=True)
    assert f'href="/opinions/{entry.id}"' in html and "民情日志（2026-11-20）" in html
    page = text_of(client.get(f"/opinions/{entry.id}"))
    assert entry.matter.number in page and "期限" in page


def test_another_grid_cannot_be_written_to(client_as, world):
    client = client_as("worker_a")
    assert client.get(f"/opinions/reports/new?grid_id={world.grid_b.id}").status_code == 404
    assert client.post(f"/opinions/reports/new?grid_id={world.grid_b.id}",
                       data={"report_day": "2026-11-19", "note": "x"}).status_code == 404
    html = client.post("/opinions/", data=_form(world, grid_id=world.grid_b.id)).get_data(as_text=True)
    assert "请选择网格。" in html
    assert client.get(f"/opinions/summary?division_id={world.community_b.id}").status_code == 404
    fresh()
    assert db.session.scalar(select(OpinionEntry).where(OpinionEntry.grid_id == world.grid_b.id,
                                                        OpinionEntry.content == "路灯坏了三盏")) is None

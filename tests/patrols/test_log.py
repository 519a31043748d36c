"""民情日志: entries settled on the spot or opening a matter with its working-day
deadline, the quick-entry page (htmx and plain form), the weekly summary and the
reports to the grid chief. Pages are driven through their forms as rendered
(tests/web.py)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import LOCAL_ZONE, local_today
from app.extensions import db
from app.patrols import compliance, services
from app.patrols.models import ChiefReport, OpinionEntry
from tests.conftest import fresh, text_of
from tests.web import choose, forge, form_on, htmx_submit, press, tick, visible_text


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def _values(world, **changes):
    values = dict(
        grid=world.grid_a,
        said_on=date(2026, 9, 30),
        category="city",
        content="小区门口垃圾堆放",
        disposition="assisted",
        resident_name="赵阿姨",
        place="东关路3号",
    )
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
    entry = services.record_entry(
        _values(world, disposition="settled", settled_note="联系物业当场清运"), world.users["worker_a"]
    )
    assert entry.matter is None and entry.settled_note == "联系物业当场清运"


def test_weekly_summary_counts_by_category_and_disposition(world):
    user = world.users["worker_a"]
    for category, disposition, day in (
        ("city", "settled", date(2026, 11, 9)),
        ("city", "assisted", date(2026, 11, 10)),
        ("economy", "settled", date(2026, 11, 15)),
        ("party", "settled", date(2026, 11, 16)),
    ):  # next week
        services.record_entry(
            _values(world, category=category, disposition=disposition, said_on=day, settled_note="已解答"), user
        )
    services.record_entry(
        _values(world, grid=world.grid_b, said_on=date(2026, 11, 11), disposition="settled", settled_note="已解答"),
        world.users["worker_b"],
    )
    db.session.commit()
    summary = compliance.weekly_summary([world.grid_a.id, world.grid_a2.id], date(2026, 11, 12))
    assert summary.week_start == date(2026, 11, 9)
    assert (
        summary.count(),
        summary.count("city"),
        summary.count("city", "assisted"),
        summary.count(None, "settled"),
        summary.count("party"),
    ) == (3, 2, 1, 2, 0)
    assert [e.said_on for e in summary.entries] == [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 15)]


# --- Pages: forms filled and sent as rendered (tests/web.py) ------------------------------


def _type_an_entry(form, **typed):
    """What a worker types for one line; grid, date and the rest as the page offers."""
    form["said_on"] = typed.pop("said_on", "2026-11-20")
    choose(form, "category", typed.pop("category", "城管"))
    form["content"] = "路灯坏了三盏"
    form["resident_name"] = "钱师傅"
    form["place"] = "东关路5号"
    form["disposition"] = typed.pop("disposition", "assisted")
    for name, value in typed.items():
        form[name] = value
    return form


def _quick_entry(page):
    return form_on(page, action="/opinions/")


def test_quick_entry_with_htmx_adds_the_row_and_opens_the_matter(web_as, world):
    web = web_as("worker_a")
    form = _type_an_entry(_quick_entry(web.get("/opinions/")))
    response = htmx_submit(form, button="记下")
    assert response.status_int == 200
    html = response.text
    assert "<html" not in html and "路灯坏了三盏" in html and "限期协办" in html
    fresh()
    entry = db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏"))
    assert entry.matter is not None and entry.matter.number in html and entry.grid_id == world.grid_a.id
    assert "期限" in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "opinion_entry_added")) is not None


def test_after_an_htmx_add_the_quick_entry_row_is_empty(web_as, world):
    """Issue #12: the next line starts empty (keeping grid and date), so a second
    press does not note the same thing twice."""
    web = web_as("worker_a")
    response = htmx_submit(_type_an_entry(_quick_entry(web.get("/opinions/"))), button="记下")
    again = _quick_entry(response)
    for name in ("content", "resident_name", "place", "settled_note", "category", "matter_class"):
        assert again[name].value in ("", None), name
    assert again["disposition"].value is None
    assert again["said_on"].value == "2026-11-20" and again["grid_id"].value == str(world.grid_a.id)
    refused = htmx_submit(again, button="记下")
    assert "请填写群众反映的内容。" in refused.text
    fresh()
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏")
        )
        == 1
    )


def test_a_refused_htmx_entry_keeps_what_was_typed(web_as, world):
    web = web_as("worker_a")
    form = _type_an_entry(_quick_entry(web.get("/opinions/")), disposition="settled")
    response = htmx_submit(form, button="记下")
    assert response.status_int == 200 and "<html" not in response.text
    assert "当时结办的，请写明怎样办结的。" in response.text and "settled_note-error" in response.text
    again = _quick_entry(response)
    assert (again["content"].value, again["resident_name"].value, again["place"].value) == (
        "路灯坏了三盏",
        "钱师傅",
        "东关路5号",
    )
    assert again["disposition"].value == "settled" and again["category"].value == "city"
    fresh()
    assert db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏")) is None


def test_quick_entry_without_js_redirects(web_as, world):
    web = web_as("worker_a")
    form = _type_an_entry(_quick_entry(web.get("/opinions/")), disposition="settled", settled_note="当场答复")
    response = press(form, "记下")
    assert response.status_int == 303
    page = visible_text(response.follow())
    assert "已记下。" in page and "路灯坏了三盏" in page and "当场答复" in page


def test_quick_entry_errors_are_chinese_at_the_field_and_keep_input(web_as, world):
    web = web_as("worker_a")
    form = _type_an_entry(_quick_entry(web.get("/opinions/")), disposition="settled", content="")
    response = press(form, "记下")
    assert response.status_int == 200
    assert "请填写群众反映的内容。" in response.text and "content-error" in response.text
    again = _quick_entry(response)
    assert again["resident_name"].value == "钱师傅" and again["place"].value == "东关路5号"
    again["content"] = "路灯坏了三盏"
    response = press(again, "记下")
    assert "当时结办的，请写明怎样办结的。" in response.text
    fresh()
    assert db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏")) is None


def test_an_entry_of_another_grid_is_404(client_as, world):
    other = world.records["b"]["opinion"]
    assert client_as("worker_a").get(f"/opinions/{other.id}").status_code == 404
    own = world.records["a"]["opinion"]
    page = text_of(client_as("worker_a").get(f"/opinions/{own.id}"))
    assert "路灯不亮a" in page and "当时结办" in page


def test_leaders_read_but_do_not_write_even_by_a_forged_post(web_as, world):
    """Forged request: the log offers a leader no entry form; posting one is 403."""
    web = web_as("leader_a")
    page = web.get("/opinions/")
    assert page.status_int == 200 and 'name="content"' not in page.text
    response = forge(
        web,
        "/opinions/",
        {
            "grid_id": world.grid_a.id,
            "said_on": "2026-11-20",
            "category": "city",
            "content": "路灯坏了三盏",
            "disposition": "assisted",
        },
    )
    assert response.status_int == 403


def test_summary_page(client_as, world):
    services.record_entry(_values(world, said_on=date(2026, 11, 10)), world.users["worker_a"])
    db.session.commit()
    page = text_of(client_as("station_a").get(f"/opinions/summary?division_id={world.community_a.id}&week=2026-11-10"))
    assert "2026-11-09 起一周" in page and "小区门口垃圾堆放" in page and "城管 0 1 1" in page


def test_reports_page_flags_missing_reports_and_records_one(web_as, world):
    web = web_as("worker_a")
    reports = web.get(f"/opinions/reports?division_id={world.grid_a.id}")
    page = visible_text(reports)
    assert "未报告" in page and "东关一网格" in page
    services.record_entry(
        _values(world, said_on=date(2026, 11, 16), disposition="settled", settled_note="已答复"),
        world.users["worker_a"],
    )
    db.session.commit()
    entry_id = db.session.scalar(select(OpinionEntry.id).where(OpinionEntry.said_on == date(2026, 11, 16)))
    form_page = web.get(f"/opinions/reports?division_id={world.grid_a.id}").click(description="记录报告")
    assert "小区门口垃圾堆放" in visible_text(form_page)
    form = form_on(form_page, button="记录已报告网格长")
    day = compliance.open_report_days(world.grid_a.id, local_today())[-1]
    form["report_day"] = day.isoformat()
    for box in form.fields["entry_ids"]:  # report only this entry
        tick(form, "entry_ids", box._value, checked=box._value == str(entry_id))
    response = press(form, "记录已报告网格长")
    assert response.status_int == 303
    fresh()
    report = db.session.scalar(select(ChiefReport).where(ChiefReport.report_day == day))
    assert [e.id for e in report.entries] == [entry_id] and report.chief_name == "员工chief_a"
    assert web.get(f"/opinions/reports/{world.records['b']['chief_report'].id}", expect_errors=True).status_int == 404


def test_the_matter_links_back_to_the_entry(web_as, world):
    web = web_as("worker_a")
    press(_type_an_entry(_quick_entry(web.get("/opinions/"))), "记下")
    fresh()
    entry = db.session.scalar(select(OpinionEntry).where(OpinionEntry.content == "路灯坏了三盏"))
    html = web.get(f"/matters/{entry.matter.id}").text
    assert f'href="/opinions/{entry.id}"' in html and "民情日志（2026-11-20）" in html
    page = visible_text(web.get(f"/opinions/{entry.id}"))
    assert entry.matter.number in page and "期限" in page


def test_forged_posts_to_another_grid_are_refused(web_as, world):
    """Forged requests: another grid's report form, and an entry for a grid the
    quick-entry row does not offer."""
    web = web_as("worker_a")
    assert web.get(f"/opinions/reports/new?grid_id={world.grid_b.id}", expect_errors=True).status_int == 404
    assert (
        forge(
            web, f"/opinions/reports/new?grid_id={world.grid_b.id}", {"report_day": "2026-11-19", "note": "x"}
        ).status_int
        == 404
    )
    assert _quick_entry(web.get("/opinions/"))["grid_id"].value == str(world.grid_a.id)
    response = forge(
        web,
        "/opinions/",
        {
            "grid_id": world.grid_b.id,
            "said_on": "2026-11-20",
            "category": "city",
            "content": "路灯坏了三盏",
            "disposition": "assisted",
        },
    )
    assert "请选择网格。" in response.text
    assert web.get(f"/opinions/summary?division_id={world.community_b.id}", expect_errors=True).status_int == 404
    fresh()
    assert (
        db.session.scalar(
            select(OpinionEntry).where(OpinionEntry.grid_id == world.grid_b.id, OpinionEntry.content == "路灯坏了三盏")
        )
        is None
    )

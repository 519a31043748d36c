"""Correcting and deleting patrols, findings and 民情日志 entries: edits saved and
audited, deletions after a confirmation page, 404 for another grid's records, 403
for a leader, and records that opened a matter keep it — forms filled and sent as
rendered (tests/web.py)."""

from datetime import date, time, timedelta

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.patrols import services
from app.patrols.models import OpinionEntry, Patrol, PatrolFinding
from tests.conftest import fresh
from tests.web import forge, form_on, press, visible_text


def _audited(action: str, target_id: int) -> bool:
    return (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.target_id == target_id))
        is not None
    )


def _edit_patrol(form, **typed):
    """What a worker corrects on the patrol's form; the date stays as rendered."""
    values = {"start_time": "07:30", "end_time": "09:15", "route": "东关路—学校门口", "note": "补记"}
    values.update(typed)
    for name, value in values.items():
        form[name] = value
    return form


def _edit_entry(form, **typed):
    values = {
        "said_on": "2026-11-20",
        "category": "economy",
        "content": "商铺占道经营",
        "resident_name": "孙大姐",
        "place": "东关路8号",
        "disposition": "settled",
        "settled_note": "劝离",
    }
    values.update(typed)
    for name, value in values.items():
        if value is not None:  # None: a field this page does not show
            form[name] = value
    return form


def _confirm(page):
    """The confirmation page's form: 确定删除."""
    return form_on(page, button="确定删除")


def test_edit_a_patrol(web_as, world):
    patrol = world.records["a"]["patrol"]
    web = web_as("worker_a")
    detail = web.get(f"/patrols/{patrol.id}")
    assert f'href="/patrols/{patrol.id}/edit"' in detail.text and f'href="/patrols/{patrol.id}/delete"' in detail.text
    form = form_on(detail.click(href=f"/patrols/{patrol.id}/edit$"), button="保存")
    assert form["route"].value == patrol.route and form["patrol_date"].value == patrol.patrol_date.isoformat()
    response = press(_edit_patrol(form), "保存")
    assert response.status_int == 303 and response.headers["Location"].endswith(f"/patrols/{patrol.id}")
    fresh()
    saved = db.session.get(Patrol, patrol.id)
    assert saved.route == "东关路—学校门口" and saved.start_time == time(7, 30) and saved.note == "补记"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patrol_updated"))
    assert event.target_id == patrol.id and event.detail["after"]["route"] == "东关路—学校门口"
    assert "东关路—学校门口" in visible_text(response.follow())


def test_patrol_edit_errors_are_chinese_at_the_field_and_keep_the_input(web_as, world):
    patrol = world.records["a"]["patrol"]
    original = patrol.route
    web = web_as("worker_a")
    form = form_on(web.get(f"/patrols/{patrol.id}/edit"), button="保存")
    response = press(_edit_patrol(form, end_time="07:00"), "保存")
    assert "结束时间应晚于开始时间。" in response.text and "end_time-error" in response.text
    form = form_on(response, button="保存")
    assert form["route"].value == "东关路—学校门口"
    future = (local_today() + timedelta(days=1)).isoformat()
    response = press(_edit_patrol(form, patrol_date=future), "保存")
    assert "巡查日期不能晚于今天。" in response.text and "patrol_date-error" in response.text
    form = form_on(response, button="保存")
    response = press(_edit_patrol(form, patrol_date=patrol.patrol_date.isoformat(), route=""), "保存")
    assert "请填写巡查路线或点位。" in response.text and "route-error" in response.text
    assert form_on(response, button="保存")["note"].value == "补记"
    fresh()
    assert db.session.get(Patrol, patrol.id).route == original
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patrol_updated")) is None


def test_delete_a_patrol_after_confirming(web_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    patrol_id, finding_id = patrol.id, finding.id
    web = web_as("worker_a")
    confirm = web.get(f"/patrols/{patrol_id}").click(href=f"/patrols/{patrol_id}/delete$")
    assert confirm.status_int == 200 and "确认删除" in visible_text(confirm)
    fresh()
    assert db.session.get(Patrol, patrol_id) is not None  # the GET deletes nothing
    response = press(_confirm(confirm), "确定删除")
    assert response.status_int == 303 and response.headers["Location"].endswith("/patrols/")
    fresh()
    assert db.session.get(Patrol, patrol_id) is None and db.session.get(PatrolFinding, finding_id) is None
    assert _audited("patrol_deleted", patrol_id)
    assert "已删除。" in visible_text(response.follow())


def test_edit_and_delete_a_finding(web_as, world):
    patrol_id, finding_id = world.records["a"]["patrol"].id, world.records["a"]["finding"].id
    web = web_as("worker_a")
    detail = web.get(f"/patrols/{patrol_id}")
    form = form_on(detail.click(href=f"/findings/{finding_id}/edit$"), button="保存")
    form["description"] = "井盖缺失"
    form["place"] = "东关路口"
    form["handled_on_spot"] = True
    response = press(form, "保存")
    assert "现场处置的，请写明怎样处置的。" in response.text and "handling-error" in response.text
    form = form_on(response, button="保存")
    assert form["description"].value == "井盖缺失" and form["handled_on_spot"].checked
    form["handling"] = "设置围挡"
    response = press(form, "保存")
    assert response.status_int == 303
    fresh()
    saved = db.session.get(PatrolFinding, finding_id)
    assert saved.description == "井盖缺失" and saved.handled_on_spot and saved.handling == "设置围挡"
    assert _audited("patrol_finding_updated", finding_id)
    confirm = response.follow().click(href=f"/findings/{finding_id}/delete$")
    assert press(_confirm(confirm), "确定删除").status_int == 303
    fresh()
    assert db.session.get(PatrolFinding, finding_id) is None and db.session.get(Patrol, patrol_id) is not None
    assert _audited("patrol_finding_deleted", finding_id)


def test_a_finding_that_opened_a_matter_keeps_it(web_as, world):
    """Pages opened before the finding was reported (another tab) are refused when
    sent afterwards."""
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    web = web_as("worker_a")
    stale_finding_delete = _confirm(web.get(f"/patrols/{patrol.id}/findings/{finding.id}/delete"))
    stale_patrol_delete = _confirm(web.get(f"/patrols/{patrol.id}/delete"))
    matter = services.report_finding(finding, "safety", world.users["worker_a"])
    db.session.commit()
    form = form_on(web.get(f"/patrols/{patrol.id}/findings/{finding.id}/edit"), button="保存")
    form["handled_on_spot"] = True
    form["handling"] = "围挡"
    html = press(form, "保存").text
    assert "这条发现已上报为事件，不能改为现场处置。" in html and "handled_on_spot-error" in html
    response = press(stale_finding_delete, "确定删除").follow()
    assert "这条发现已上报为事件，不能删除。" in visible_text(response)
    response = press(stale_patrol_delete, "确定删除").follow()
    assert "这次巡查有发现已上报为事件，不能删除。" in visible_text(response)
    fresh()
    kept = db.session.get(PatrolFinding, finding.id)
    assert kept is not None and kept.matter_id == matter.id and not kept.handled_on_spot
    assert db.session.get(Patrol, patrol.id) is not None
    # The text can still be corrected.
    form = form_on(web.get(f"/patrols/{patrol.id}/findings/{finding.id}/edit"), button="保存")
    form["description"] = "井盖破损，有坑"
    assert press(form, "保存").status_int == 303
    fresh()
    assert db.session.get(PatrolFinding, finding.id).description == "井盖破损，有坑"


def test_edit_an_entry(web_as, world):
    entry_id = world.records["a"]["opinion"].id
    web = web_as("worker_a")
    log = web.get("/opinions/")
    assert f'href="/opinions/{entry_id}/edit"' in log.text and f'href="/opinions/{entry_id}/delete"' in log.text
    form = form_on(log.click(href=f"/opinions/{entry_id}/edit$"), button="保存")
    assert form["content"].value == "路灯不亮a" and form["disposition"].value == "settled"
    response = press(_edit_entry(form), "保存")
    assert response.status_int == 303 and response.headers["Location"].endswith(f"/opinions/{entry_id}")
    fresh()
    saved = db.session.get(OpinionEntry, entry_id)
    assert (saved.content, saved.category, saved.settled_note) == ("商铺占道经营", "economy", "劝离")
    assert saved.said_on == date(2026, 11, 20) and saved.matter_id is None
    assert _audited("opinion_entry_updated", entry_id)


def test_entry_edit_errors_are_chinese_at_the_field_and_keep_the_input(web_as, world):
    entry = world.records["a"]["opinion"]
    web = web_as("worker_a")
    form = form_on(web.get(f"/opinions/{entry.id}/edit"), button="保存")
    response = press(_edit_entry(form, settled_note=""), "保存")
    assert "当时结办的，请写明怎样办结的。" in response.text and "settled_note-error" in response.text
    again = form_on(response, button="保存")
    assert again["content"].value == "商铺占道经营" and again["resident_name"].value == "孙大姐"
    fresh()
    assert db.session.get(OpinionEntry, entry.id).content == "路灯不亮a"


def test_delete_an_entry(web_as, world):
    entry_id = world.records["a"]["opinion"].id
    web = web_as("worker_a")
    confirm = web.get("/opinions/").click(href=f"/opinions/{entry_id}/delete$")
    assert "确认删除" in visible_text(confirm)
    response = press(_confirm(confirm), "确定删除")
    assert response.status_int == 303
    fresh()
    assert db.session.get(OpinionEntry, entry_id) is None
    assert _audited("opinion_entry_deleted", entry_id)
    assert "路灯不亮a" not in visible_text(web.get("/opinions/"))


def test_an_entry_that_opened_a_matter_keeps_it(web_as, world):
    entry = services.record_entry(
        services.EntryValues(
            grid=world.grid_a,
            said_on=date(2026, 11, 19),
            category="city",
            content="小区门口垃圾堆放",
            disposition="assisted",
        ),
        world.users["worker_a"],
    )
    db.session.commit()
    matter_id = entry.matter_id
    web = web_as("worker_a")
    form = form_on(web.get(f"/opinions/{entry.id}/edit"), button="保存")
    assert "settled_note" not in form.fields and "matter_class" not in form.fields
    response = press(_edit_entry(form, content="垃圾堆放已清", disposition="settled", settled_note=None), "保存")
    assert "这条民情日志已上报为事件，办理方式不能更改。" in response.text and "disposition-error" in response.text
    fresh()
    kept = db.session.get(OpinionEntry, entry.id)
    assert kept.matter_id == matter_id and kept.disposition == "assisted" and kept.content == "小区门口垃圾堆放"
    # Its text can be corrected; the matter stays.
    form = form_on(web.get(f"/opinions/{entry.id}/edit"), button="保存")
    assert (
        press(_edit_entry(form, disposition="assisted", category="city", settled_note=None), "保存").status_int == 303
    )
    fresh()
    kept = db.session.get(OpinionEntry, entry.id)
    assert kept.content == "商铺占道经营" and kept.matter_id == matter_id


def test_forged_delete_of_an_entry_that_opened_a_matter_is_refused(web_as, world):
    """Forged request: an entry with a matter offers no deletion (its page links none,
    the confirmation page sends back); a hand-built POST is refused."""
    entry = services.record_entry(
        services.EntryValues(
            grid=world.grid_a,
            said_on=date(2026, 11, 19),
            category="city",
            content="小区门口垃圾堆放",
            disposition="assisted",
        ),
        world.users["worker_a"],
    )
    db.session.commit()
    web = web_as("worker_a")
    assert f"/opinions/{entry.id}/delete" not in web.get(f"/opinions/{entry.id}").text
    assert web.get(f"/opinions/{entry.id}/delete").status_int == 303
    response = forge(web, f"/opinions/{entry.id}/delete", {}).maybe_follow()
    assert "这条民情日志已上报为事件，不能删除。" in visible_text(response)
    fresh()
    assert db.session.get(OpinionEntry, entry.id) is not None


def test_another_grids_records_are_404_even_to_forged_posts(web_as, world):
    """Forged requests: another grid's records, which no page of this worker links."""
    web = web_as("worker_a")
    other = world.records["b"]
    patrol, finding, entry = other["patrol"], other["finding"], other["opinion"]
    urls = [
        f"/patrols/{patrol.id}/edit",
        f"/patrols/{patrol.id}/delete",
        f"/patrols/{patrol.id}/findings/{finding.id}/edit",
        f"/patrols/{patrol.id}/findings/{finding.id}/delete",
        f"/opinions/{entry.id}/edit",
        f"/opinions/{entry.id}/delete",
    ]
    for url in urls:
        assert web.get(url, expect_errors=True).status_int == 404, url
        assert forge(web, url, {"route": "x", "content": "x", "description": "x"}).status_int == 404, url
    fresh()
    assert db.session.get(Patrol, patrol.id) is not None and db.session.get(OpinionEntry, entry.id) is not None


def test_leaders_may_not_correct_even_by_a_forged_post(web_as, world):
    """Forged requests: a leader's pages offer no correction; hand-built posts are 403."""
    web = web_as("leader_a")
    patrol, finding, entry = world.records["a"]["patrol"], world.records["a"]["finding"], world.records["a"]["opinion"]
    assert f"/patrols/{patrol.id}/edit" not in web.get(f"/patrols/{patrol.id}").text
    assert f"/opinions/{entry.id}/edit" not in web.get("/opinions/").text
    for url in (
        f"/patrols/{patrol.id}/edit",
        f"/patrols/{patrol.id}/delete",
        f"/patrols/{patrol.id}/findings/{finding.id}/edit",
        f"/opinions/{entry.id}/edit",
        f"/opinions/{entry.id}/delete",
    ):
        assert web.get(url, expect_errors=True).status_int == 403, url
        assert forge(web, url, {}).status_int == 403, url
    fresh()
    assert db.session.get(Patrol, patrol.id) is not None and db.session.get(OpinionEntry, entry.id) is not None

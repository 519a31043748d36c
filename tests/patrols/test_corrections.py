"""Correcting and deleting patrols, findings and 民情日志 entries: edits saved and
audited, deletions after a confirmation page, 404 for another grid's records, 403
for a leader, and records that opened a matter keep it."""
from datetime import date, time, timedelta

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.timeutil import local_today
from app.extensions import db
from app.patrols import services
from app.patrols.models import OpinionEntry, Patrol, PatrolFinding
from tests.conftest import fresh, text_of


def _audited(action: str, target_id: int) -> bool:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action,
                                                      AuditEvent.target_id == target_id)) is not None


def _patrol_form(patrol, **changes):
    data = {"patrol_date": patrol.patrol_date.isoformat(), "start_time": "07:30", "end_time": "09:15",
            "route": "东关路—学校门口", "note": "补记"}
    data.update(changes)
    return data


def _entry_form(**changes):
    data = {"said_on": "2026-11-20", "category": "economy", "content": "商铺占道经营",
            "resident_name": "孙大姐", "place": "东关路8号", "disposition": "settled", "settled_note": "劝离"}
    data.update(changes)
    return data


def test_edit_a_patrol(client_as, world):
    patrol = world.records["a"]["patrol"]
    client = client_as("worker_a")
    detail = client.get(f"/patrols/{patrol.id}").get_data(as_text=True)
    assert f'href="/patrols/{patrol.id}/edit"' in detail and f'href="/patrols/{patrol.id}/delete"' in detail
    form = client.get(f"/patrols/{patrol.id}/edit").get_data(as_text=True)
    assert f'value="{patrol.route}"' in form
    response = client.post(f"/patrols/{patrol.id}/edit", data=_patrol_form(patrol))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/patrols/{patrol.id}")
    fresh()
    saved = db.session.get(Patrol, patrol.id)
    assert saved.route == "东关路—学校门口" and saved.start_time == time(7, 30) and saved.note == "补记"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patrol_updated"))
    assert event.target_id == patrol.id and event.detail["after"]["route"] == "东关路—学校门口"
    assert "东关路—学校门口" in text_of(client.get(f"/patrols/{patrol.id}"))


def test_patrol_edit_errors_are_chinese_at_the_field_and_keep_the_input(client_as, world):
    patrol = world.records["a"]["patrol"]
    original = patrol.route
    client = client_as("worker_a")
    html = client.post(f"/patrols/{patrol.id}/edit", data=_patrol_form(patrol, end_time="07:00")).get_data(as_text=True)
    assert "结束时间应晚于开始时间。" in html and "end_time-error" in html
    assert 'value="东关路—学校门口"' in html
    future = (local_today() + timedelta(days=1)).isoformat()
    html = client.post(f"/patrols/{patrol.id}/edit", data=_patrol_form(patrol, patrol_date=future)).get_data(as_text=True)
    assert "巡查日期不能晚于今天。" in html and "patrol_date-error" in html
    html = client.post(f"/patrols/{patrol.id}/edit", data=_patrol_form(patrol, route="")).get_data(as_text=True)
    assert "请填写巡查路线或点位。" in html and "route-error" in html and "补记</textarea>" in html
    fresh()
    assert db.session.get(Patrol, patrol.id).route == original
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patrol_updated")) is None


def test_delete_a_patrol_after_confirming(client_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    patrol_id = patrol.id
    client = client_as("worker_a")
    confirm = client.get(f"/patrols/{patrol.id}/delete")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认删除" in html and 'method="post"' in html and "确定删除" in html
    fresh()
    assert db.session.get(Patrol, patrol.id) is not None  # the GET deletes nothing
    finding_id = finding.id
    response = client.post(f"/patrols/{patrol_id}/delete", data={})
    assert response.status_code == 303 and response.headers["Location"].endswith("/patrols/")
    fresh()
    assert db.session.get(Patrol, patrol_id) is None and db.session.get(PatrolFinding, finding_id) is None
    assert _audited("patrol_deleted", patrol_id)
    assert "已删除。" in text_of(client.get("/patrols/"))


def test_edit_and_delete_a_finding(client_as, world):
    patrol_id, finding_id = world.records["a"]["patrol"].id, world.records["a"]["finding"].id
    client = client_as("worker_a")
    html = client.post(f"/patrols/{patrol_id}/findings/{finding_id}/edit",
                       data={"description": "井盖缺失", "place": "东关路口", "handled_on_spot": "y"}).get_data(as_text=True)
    assert "现场处置的，请写明怎样处置的。" in html and "handling-error" in html and 'value="井盖缺失"' in html
    response = client.post(f"/patrols/{patrol_id}/findings/{finding_id}/edit",
                           data={"description": "井盖缺失", "place": "东关路口", "handled_on_spot": "y",
                                 "handling": "设置围挡"})
    assert response.status_code == 303
    fresh()
    saved = db.session.get(PatrolFinding, finding_id)
    assert saved.description == "井盖缺失" and saved.handled_on_spot and saved.handling == "设置围挡"
    assert _audited("patrol_finding_updated", finding_id)
    assert client.post(f"/patrols/{patrol_id}/findings/{finding_id}/delete", data={}).status_code == 303
    fresh()
    assert db.session.get(PatrolFinding, finding_id) is None and db.session.get(Patrol, patrol_id) is not None
    assert _audited("patrol_finding_deleted", finding_id)


def test_a_finding_that_opened_a_matter_keeps_it(client_as, world):
    patrol, finding = world.records["a"]["patrol"], world.records["a"]["finding"]
    matter = services.report_finding(finding, "safety", world.users["worker_a"])
    db.session.commit()
    client = client_as("worker_a")
    html = client.post(f"/patrols/{patrol.id}/findings/{finding.id}/edit",
                       data={"description": "井盖破损a", "handled_on_spot": "y", "handling": "围挡"}).get_data(as_text=True)
    assert "这条发现已上报为事件，不能改为现场处置。" in html and "handled_on_spot-error" in html
    response = client.post(f"/patrols/{patrol.id}/findings/{finding.id}/delete", data={}, follow_redirects=True)
    assert "这条发现已上报为事件，不能删除。" in text_of(response)
    response = client.post(f"/patrols/{patrol.id}/delete", data={}, follow_redirects=True)
    assert "这次巡查有发现已上报为事件，不能删除。" in text_of(response)
    fresh()
    kept = db.session.get(PatrolFinding, finding.id)
    assert kept is not None and kept.matter_id == matter.id and not kept.handled_on_spot
    assert db.session.get(Patrol, patrol.id) is not None
    # The text can still be corrected.
    client.post(f"/patrols/{patrol.id}/findings/{finding.id}/edit", data={"description": "井盖破损，有坑"})
    fresh()
    assert db.session.get(PatrolFinding, finding.id).description == "井盖破损，有坑"


def test_edit_an_entry(client_as, world):
    entry_id = world.records["a"]["opinion"].id
    client = client_as("worker_a")
    log = client.get("/opinions/").get_data(as_text=True)
    assert f'href="/opinions/{entry_id}/edit"' in log and f'href="/opinions/{entry_id}/delete"' in log
    form = client.get(f"/opinions/{entry_id}/edit").get_data(as_text=True)
    assert 'value="路灯不亮a"' in form and 'checked id="disposition-0"' in form
    response = client.post(f"/opinions/{entry_id}/edit", data=_entry_form())
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/opinions/{entry_id}")
    fresh()
    saved = db.session.get(OpinionEntry, entry_id)
    assert (saved.content, saved.category, saved.settled_note) == ("商铺占道经营", "economy", "劝离")
    assert saved.said_on == date(2026, 11, 20) and saved.matter_id is None
    assert _audited("opinion_entry_updated", entry_id)


def test_entry_edit_errors_are_chinese_at_the_field_and_keep_the_input(client_as, world):
    entry = world.records["a"]["opinion"]
    html = client_as("worker_a").post(f"/opinions/{entry.id}/edit",
                                      data=_entry_form(settled_note="")).get_data(as_text=True)
    assert "当时结办的，请写明怎样办结的。" in html and "settled_note-error" in html
    assert 'value="商铺占道经营"' in html and 'value="孙大姐"' in html
    fresh()
    assert db.session.get(OpinionEntry, entry.id).content == "路灯不亮a"


def test_delete_an_entry(client_as, world):
    entry_id = world.records["a"]["opinion"].id
    client = client_as("worker_a")
    assert "确认删除" in text_of(client.get(f"/opinions/{entry_id}/delete"))
    response = client.post(f"/opinions/{entry_id}/delete", data={})
    assert response.status_code == 303
    fresh()
    assert db.session.get(OpinionEntry, entry_id) is None
    assert _audited("opinion_entry_deleted", entry_id)
    assert "路灯不亮a" not in text_of(client.get("/opinions/"))


def test_an_entry_that_opened_a_matter_keeps_it(client_as, world):
    entry = services.record_entry(services.EntryValues(
        grid=world.grid_a, said_on=date(2026, 11, 19), category="city", content="小区门口垃圾堆放",
        disposition="assisted"), world.users["worker_a"])
    db.session.commit()
    matter_id = entry.matter_id
    client = client_as("worker_a")
    html = client.post(f"/opinions/{entry.id}/edit",
                       data=_entry_form(content="垃圾堆放已清", disposition="settled")).get_data(as_text=True)
    assert "这条民情日志已上报为事件，办理方式不能更改。" in html and "disposition-error" in html
    response = client.post(f"/opinions/{entry.id}/delete", data={}, follow_redirects=True)
    assert "这条民情日志已上报为事件，不能删除。" in text_of(response)
    fresh()
    kept = db.session.get(OpinionEntry, entry.id)
    assert kept.matter_id == matter_id and kept.disposition == "assisted" and kept.content == "小区门口垃圾堆放"
    # Its text can be corrected; the matter stays.
    assert client.post(f"/opinions/{entry.id}/edit",
                       data=_entry_form(disposition="assisted", category="city")).status_code == 303
    fresh()
    kept = db.session.get(OpinionEntry, entry.id)
    assert kept.content == "商铺占道经营" and kept.matter_id == matter_id


def test_another_grids_records_are_404(client_as, world):
    client = client_as("worker_a")
    other = world.records["b"]
    patrol, finding, entry = other["patrol"], other["finding"], other["opinion"]
    urls = [f"/patrols/{patrol.id}/edit", f"/patrols/{patrol.id}/delete",
            f"/patrols/{patrol.id}/findings/{finding.id}/edit", f"/patrols/{patrol.id}/findings/{finding.id}/delete",
            f"/opinions/{entry.id}/edit", f"/opinions/{entry.id}/delete"]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data=_entry_form(route="x")).status_code == 404, url
    fresh()
    assert db.session.get(Patrol, patrol.id) is not None and db.session.get(OpinionEntry, entry.id) is not None


def test_leaders_may_not_correct(client_as, world):
    client = client_as("leader_a")
    patrol, finding, entry = world.records["a"]["patrol"], world.records["a"]["finding"], world.records["a"]["opinion"]
    assert f"/patrols/{patrol.id}/edit" not in client.get(f"/patrols/{patrol.id}").get_data(as_text=True)
    assert f"/opinions/{entry.id}/edit" not in client.get("/opinions/").get_data(as_text=True)
    for url in (f"/patrols/{patrol.id}/edit", f"/patrols/{patrol.id}/delete",
                f"/patrols/{patrol.id}/findings/{finding.id}/edit", f"/opinions/{entry.id}/edit",
                f"/opinions/{entry.id}/delete"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data={}).status_code == 403, url
    fresh()
    assert db.session.get(Patrol, patrol.id) is not None and db.session.get(OpinionEntry, entry.id) is not None

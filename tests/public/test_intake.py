"""The public intake form per grid: no login, a tracking code on success, a honeypot,
a per-client hourly limit, at most three checked photos, CSRF on — the form filled
and sent as a visitor's browser renders it (tests/web.py)."""

from __future__ import annotations

from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from app.core.database import write_transactions
from app.extensions import db
from app.matters.models import Matter, MatterPhoto
from app.public import services
from tests.conftest import fresh, text_of
from tests.public.conftest import close
from tests.web import Upload, choose, forge, form_on, press, visible_text


def report_page(web, world, grid=None):
    return web.get(f"/public/grids/{(grid or world.grid_a).code}/report")


def typed(form, **changes):
    """What a visitor types; the category is chosen by its visible name."""
    choose(form, "service", "城市管理（其他）")
    values = {
        "address": "东关路与北街路口",
        "description": "路口的井盖不见了，很危险",
        "reporter_name": "刘芳",
        "reporter_phone": "139 1234 5678",
    }
    values.update(changes)
    for name, value in values.items():
        form[name] = value
    return form


def send(web, world, status=None, environ=None, **changes):
    """Open the grid's page, fill the form, press 提交."""
    form = typed(form_on(report_page(web, world), button="提交"), **changes)
    return press(form, "提交", status=status or "*", extra_environ=environ or {})


def count_matters() -> int:
    fresh()
    return db.session.scalar(select(func.count(Matter.id)))


def latest() -> Matter:
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def test_the_form_needs_no_login_and_lists_the_classes_by_group(anonymous, world):
    page = anonymous.get(f"/public/grids/{world.grid_a.code}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<optgroup label="城市管理">' in html and "井盖缺失或破损" in html and "矛盾纠纷（其他）" in html
    assert "东关一网格" in text_of(page) and "退出" not in text_of(page)
    assert 'name="website"' in html and 'aria-hidden="true"' in html


def test_a_report_gives_a_tracking_code_and_an_online_matter_without_reporter(web, world):
    before = count_matters()
    response = send(web, world)
    assert response.status_int == 303, visible_text(response)[:600]
    matter = latest()
    assert count_matters() == before + 1
    assert matter.source == "online" and matter.reporter_id is None and matter.first_receiver_id is None
    assert matter.status == "reported" and matter.grid_id == world.grid_a.id
    assert matter.reporter_name == "刘芳" and matter.reporter_phone == "13912345678"
    assert len(matter.submitter_fingerprint) == 64 and "127.0.0.1" not in matter.submitter_fingerprint
    assert response.headers["Location"].endswith(f"/public/track?code={matter.tracking_code}&new=1")
    text = visible_text(response.follow())
    assert matter.tracking_code in text and "请记下查询码" in text
    # PUBLIC_BASE_URL is not set in tests: the address of this machine, not the Host header.
    assert f"http://127.0.0.1:5000/public/track?code={matter.tracking_code}" in text
    assert "13912345678" not in text and "139****5678" in text and "刘*" in text


def test_an_anonymous_report_keeps_no_name_or_phone(web, world):
    form = typed(form_on(report_page(web, world), button="提交"))
    form["anonymous"] = True
    assert press(form, "提交").status_int == 303
    matter = latest()
    assert matter.is_anonymous and matter.reporter_name == "" and matter.reporter_phone == ""


def test_a_subtype_sets_class_and_type(web, world):
    service = next(s for s in services.catalogue() if s.name == "井盖缺失或破损")
    form = typed(form_on(report_page(web, world), button="提交"))
    choose(form, "service", "井盖缺失或破损")
    assert press(form, "提交").status_int == 303
    matter = latest()
    assert matter.class_code == "city" and matter.type_id == service.type_id


def test_missing_fields_and_a_bad_phone_are_shown_at_the_field(web, world):
    before = count_matters()
    response = send(web, world, description="", reporter_phone="12345")
    assert response.status_int == 400 and "请描述问题" in visible_text(response)
    again = form_on(response, button="提交")
    assert again["address"].value == "东关路与北街路口"  # what was typed is kept
    again["description"] = "路口的井盖不见了，很危险"
    response = press(again, "提交", status=400)
    assert "11 位手机号" in visible_text(response)
    assert count_matters() == before


def test_a_forged_service_code_is_refused(web, world):
    """Forged request: a category the form does not offer."""
    before = count_matters()
    page = report_page(web, world)
    assert "nonsense" not in [value for value, *_ in form_on(page, button="提交")["service"].options]
    response = forge(
        web,
        f"/public/grids/{world.grid_a.code}/report",
        {"service": "nonsense", "address": "东关路与北街路口", "description": "路口的井盖不见了"},
    )
    assert response.status_int == 400
    assert count_matters() == before


def test_the_honeypot_refuses_and_saves_nothing(web, world):
    """A form-filling robot fills the field people never see (hidden by CSS)."""
    before = count_matters()
    response = send(web, world, website="http://spam.example")
    assert response.status_int == 400 and "请勿填写此项" in visible_text(response)
    assert count_matters() == before


def test_the_sixth_report_in_an_hour_from_one_client_is_refused(web, world):
    before = count_matters()
    for number in range(5):
        response = send(web, world, description=f"第{number}件：路灯坏了")
        assert response.status_int == 303
    response = send(web, world, description="第六件")
    assert response.status_int == 429
    assert "提交过于频繁" in visible_text(response) and "每小时最多提交 5 件" in visible_text(response)
    assert count_matters() == before + 5
    # Another client is not affected.
    other = send(web, world, description="别处", environ={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_int == 303


def test_the_limit_is_a_setting(app, web, world):
    app.config["PUBLIC_REPORTS_PER_HOUR"] = 1
    assert send(web, world).status_int == 303
    assert send(web, world).status_int == 429


def test_up_to_three_photos_checked_by_content(web, world):
    form = typed(form_on(report_page(web, world), button="提交"))
    form["photos"] = [Upload("a.jpg", jpeg(), "image/jpeg"), Upload("b.jpg", jpeg(), "image/jpeg")]
    assert press(form, "提交").status_int == 303
    matter = latest()
    assert len(matter.photos) == 2 and {p.stage for p in matter.photos} == {"report"}
    before = db.session.scalar(select(func.count(MatterPhoto.id)))
    form = typed(form_on(report_page(web, world), button="提交"))
    form["photos"] = [Upload(f"{n}.jpg", jpeg(), "image/jpeg") for n in range(4)]
    response = press(form, "提交", status=400)
    assert "最多上传 3 张照片" in visible_text(response)
    form = typed(form_on(report_page(web, world), button="提交"))
    form["photos"] = [Upload("x.jpg", b"not an image", "image/jpeg")]
    press(form, "提交", status=400)
    fresh()
    assert db.session.scalar(select(func.count(MatterPhoto.id))) == before


def test_unknown_and_retired_grids_and_communities_are_404(anonymous, web, world):
    assert anonymous.get("/public/grids/990101009009009/report").status_code == 404
    # A community's code is not a grid's.
    assert anonymous.get(f"/public/grids/{world.community_a.code}/report").status_code == 404
    assert anonymous.get(f"/public/communities/{world.grid_a.code}/board").status_code == 404
    # A visitor holds the page open while the grid is retired: sending it finds no grid.
    form = typed(form_on(report_page(web, world, world.grid_a2), button="提交"))
    world.grid_a2.status = "retired"
    db.session.commit()
    assert anonymous.get(f"/public/grids/{world.grid_a2.code}/report").status_code == 404
    assert press(form, "提交", status=404).status_int == 404


def test_the_landing_page_lists_communities_and_active_grids(anonymous, world):
    world.grid_a2.status = "retired"
    db.session.commit()
    page = anonymous.get("/public/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/public/grids/{world.grid_a.code}/report" in html
    assert f"/public/grids/{world.grid_a2.code}/report" not in html
    assert f"/public/communities/{world.community_b.code}/board" in html


def test_before_setup_public_pages_lead_to_setup(client):
    response = client.get("/public/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup")


def test_csrf_is_on_for_the_public_form_and_off_only_for_open311_posts(app, web, world):
    """A page left open until its session is gone is refused as expired; the Open311
    API (not a page form: a client application posts it) needs no CSRF token."""
    form = typed(form_on(report_page(web, world), button="提交"))
    web.reset()  # the session cookie is gone, as after the browser was closed
    refused = press(form, "提交", status=400)
    assert "页面已过期" in visible_text(refused)
    with write_transactions():
        _key, raw = services.create_api_key("测试应用")
        db.session.commit()
    api_client = app.test_client()
    accepted = api_client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": raw,
            "service_code": "city",
            "address_id": world.grid_a.code,
            "address_string": "东关路1号",
            "description": "路灯不亮",
        },
    )
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    # The rating form on the tracking page is protected too.
    matter = close(world, latest())
    rating = form_on(web.get(f"/public/track?code={matter.tracking_code}"), button="提交评价")
    rating["rating"] = "satisfied"
    web.reset()
    assert "页面已过期" in visible_text(press(rating, "提交评价", status=400))
    fresh()
    assert db.session.get(Matter, matter.id).rating is None

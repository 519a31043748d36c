"""The public intake form per grid: no login, a tracking code on success, a honeypot,
a per-client hourly limit, at most three checked photos, CSRF on."""
from __future__ import annotations

from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from app.core.database import write_transactions
from app.extensions import db
from app.matters.models import Matter, MatterPhoto
from app.public import services
from tests.conftest import fresh, make_app, text_of
from tests.factories import build_world


def form(**extra):
    data = {"service": "city", "address": "东关路与北街路口", "description": "路口的井盖不见了，很危险",
            "reporter_name": "刘芳", "reporter_phone": "139 1234 5678"}
    data.update(extra)
    return data


def count_matters() -> int:
    fresh()
    return db.session.scalar(select(func.count(Matter.id)))


def latest() -> Matter:
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def jpeg(colour=(200, 30, 30)) -> BytesIO:
    out = BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    out.seek(0)
    return out


def test_the_form_needs_no_login_and_lists_the_classes_by_group(anonymous, world):
    page = anonymous.get(f"/public/grids/{world.grid_a.code}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<optgroup label="城市管理">' in html and "井盖缺失或破损" in html and "矛盾纠纷（其他）" in html
    assert "东关一网格" in text_of(page) and "退出" not in text_of(page)
    assert 'name="website"' in html and 'aria-hidden="true"' in html


def test_a_report_gives_a_tracking_code_and_an_online_matter_without_reporter(anonymous, world):
    before = count_matters()
    response = anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form())
    assert response.status_code == 303
    matter = latest()
    assert count_matters() == before + 1
    assert matter.source == "online" and matter.reporter_id is None and matter.first_receiver_id is None
    assert matter.status == "reported" and matter.grid_id == world.grid_a.id
    assert matter.reporter_name == "刘芳" and matter.reporter_phone == "13912345678"
    assert len(matter.submitter_fingerprint) == 64 and "127.0.0.1" not in matter.submitter_fingerprint
    assert response.headers["Location"].endswith(f"/public/track?code={matter.tracking_code}&new=1")
    page = anonymous.get(response.headers["Location"])
    text = text_of(page)
    assert matter.tracking_code in text and "请记下查询码" in text
    assert f"http://localhost/public/track?code={matter.tracking_code}" in text
    assert "13912345678" not in text and "139****5678" in text and "刘*" in text


def test_an_anonymous_report_keeps_no_name_or_phone(anonymous, world):
    anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(anonymous="y"))
    matter = latest()
    assert matter.is_anonymous and matter.reporter_name == "" and matter.reporter_phone == ""


def test_a_subtype_sets_class_and_type(anonymous, world):
    service = next(s for s in services.catalogue() if s.name == "井盖缺失或破损")
    anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(service=service.code))
    matter = latest()
    assert matter.class_code == "city" and matter.type_id == service.type_id


def test_missing_fields_and_a_bad_phone_are_shown_at_the_field(anonymous, world):
    before = count_matters()
    response = anonymous.post(f"/public/grids/{world.grid_a.code}/report",
                              data=form(description="", reporter_phone="12345"))
    assert response.status_code == 400 and "请描述问题" in text_of(response)
    response = anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(reporter_phone="12345"))
    assert response.status_code == 400 and "11 位手机号" in text_of(response)
    response = anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(service="nonsense"))
    assert response.status_code == 400
    assert count_matters() == before


def test_the_honeypot_refuses_and_saves_nothing(anonymous, world):
    before = count_matters()
    response = anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(website="http://spam.example"))
    assert response.status_code == 400 and "请勿填写此项" in text_of(response)
    assert count_matters() == before


def test_the_sixth_report_in_an_hour_from_one_client_is_refused(anonymous, world):
    before = count_matters()
    for number in range(5):
        response = anonymous.post(f"/public/grids/{world.grid_a.code}/report",
                                  data=form(description=f"第{number}件：路灯坏了"))
        assert response.status_code == 303
    response = anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(description="第六件"))
    assert response.status_code == 429
    assert "提交过于频繁" in text_of(response) and "每小时最多提交 5 件" in text_of(response)
    assert count_matters() == before + 5
    # Another client is not affected.
    other = anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form(description="别处"),
                           environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_the_limit_is_a_setting(app, anonymous, world):
    app.config["PUBLIC_REPORTS_PER_HOUR"] = 1
    assert anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form()).status_code == 303
    assert anonymous.post(f"/public/grids/{world.grid_a.code}/report", data=form()).status_code == 429


def test_up_to_three_photos_checked_by_content(anonymous, world):
    url = f"/public/grids/{world.grid_a.code}/report"
    response = anonymous.post(url, data=form(photos=[(jpeg(), "a.jpg"), (jpeg(), "b.jpg")]),
                              content_type="multipart/form-data")
    assert response.status_code == 303
    matter = latest()
    assert len(matter.photos) == 2 and {p.stage for p in matter.photos} == {"report"}
    before = db.session.scalar(select(func.count(MatterPhoto.id)))
    response = anonymous.post(url, data=form(photos=[(jpeg(), f"{n}.jpg") for n in range(4)]),
                              content_type="multipart/form-data")
    assert response.status_code == 400 and "最多上传 3 张照片" in text_of(response)
    response = anonymous.post(url, data=form(photos=[(BytesIO(b"not an image"), "x.jpg")]),
                              content_type="multipart/form-data")
    assert response.status_code == 400
    fresh()
    assert db.session.scalar(select(func.count(MatterPhoto.id))) == before


def test_unknown_and_retired_grids_and_communities_are_404(anonymous, world):
    assert anonymous.get("/public/grids/990101009009009/report").status_code == 404
    # A community's code is not a grid's.
    assert anonymous.get(f"/public/grids/{world.community_a.code}/report").status_code == 404
    assert anonymous.get(f"/public/communities/{world.grid_a.code}/board").status_code == 404
    world.grid_a2.status = "retired"
    db.session.commit()
    assert anonymous.get(f"/public/grids/{world.grid_a2.code}/report").status_code == 404
    assert anonymous.post(f"/public/grids/{world.grid_a2.code}/report", data=form()).status_code == 404


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


def test_csrf_is_on_for_the_public_form_and_off_only_for_open311_posts(tmp_path, migrated_database):
    app = make_app(tmp_path, migrated_database, WTF_CSRF_ENABLED=True)
    with app.app_context():
        with write_transactions():
            world = build_world()
            key, raw = services.create_api_key("测试应用")
            db.session.commit()
        client = app.test_client()
        refused = client.post(f"/public/grids/{world.grid_a.code}/report", data=form())
        assert refused.status_code == 400 and "页面已过期" in text_of(refused)
        accepted = client.post("/open311/v2/requests.json", data={
            "api_key": raw, "service_code": "city", "address_id": world.grid_a.code,
            "address_string": "东关路1号", "description": "路灯不亮"})
        assert accepted.status_code == 200, accepted.get_data(as_text=True)
        # The rating form on the tracking page is protected too.
        code = latest().tracking_code
        assert client.post(f"/public/track?code={code}", data={"rating": "satisfied"}).status_code == 400
        db.session.remove()
        db.engine.dispose()

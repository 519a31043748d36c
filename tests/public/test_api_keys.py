"""Open311 API keys: county administrators create them (shown once, only a SHA-256
kept) and disable them; both audited; nobody else reaches the page. The key page's
forms are filled and sent as rendered (tests/web.py); Open311 itself is an API, not
a page form: its requests are posted as a client application sends them."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.matters.models import ApiKey
from tests.conftest import fresh
from tests.databases import everything_stored
from tests.web import forge, form_on, press, visible_text


def create_key(web, name: str):
    form = form_on(web.get("/admin/api-keys/"), button="生成密钥")
    form["name"] = name
    return press(form, "生成密钥", status="*")


def shown_key(response) -> str:
    return re.search(r'<code id="new-key">([^<]+)</code>', response.text).group(1)


def open311_api_post(app, raw_key: str, world):
    """An Open311 client application's request (an API call, not a page form)."""
    return app.test_client().post(
        "/open311/v2/requests.json",
        data={"api_key": raw_key, "service_code": "city", "address_id": world.grid_a.code, "description": "路灯不亮"},
    )


def test_a_key_is_shown_once_and_only_its_hash_kept(app, web_as, world):
    admin = web_as("admin")
    response = create_key(admin, "12345 平台")
    assert response.status_int == 200
    raw = shown_key(response)
    fresh()
    key = db.session.scalar(select(ApiKey))
    assert key.name == "12345 平台" and key.is_active
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw.startswith(key.prefix)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key_created"))
    assert event.target_id == key.id and raw not in str(event.detail) + event.summary
    # Nowhere in the database: not in the audit, not in a kept copy of the page's answer.
    dump = everything_stored(db.session.connection())
    assert raw not in dump and key.key_hash in dump
    page = admin.get("/admin/api-keys/").text
    assert raw not in page and key.prefix in page and "12345 平台" in page
    # The key works for Open311 and its use is noted.
    assert open311_api_post(app, raw, world).status_code == 200
    fresh()
    assert db.session.get(ApiKey, key.id).last_used_at is not None


def test_a_disabled_key_stops_working(app, web_as, world):
    admin = web_as("admin")
    raw = shown_key(create_key(admin, "小程序"))
    fresh()
    key = db.session.scalar(select(ApiKey))
    form = form_on(admin.get("/admin/api-keys/"), action=f"/admin/api-keys/{key.id}/disable")
    response = press(form, "停用")
    assert response.status_int == 303
    fresh()
    assert db.session.get(ApiKey, key.id).is_active is False
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key_disabled")).target_id == key.id
    assert "已停用" in visible_text(response.follow())
    assert open311_api_post(app, raw, world).status_code == 403


def test_a_name_is_required(web_as, world):
    response = create_key(web_as("admin"), " ")
    assert response.status_int == 400 and "请填写使用这个密钥的单位或应用" in visible_text(response)
    fresh()
    assert db.session.scalar(select(ApiKey)) is None


def test_only_county_administrators_and_a_forged_post_by_others_is_404(web_as, web, world):
    """Forged requests: the other roles never see the page, so their posts are built by hand."""
    for username in ("town_a", "station_a", "dept", "leader_a"):
        other = web_as(username)
        assert other.get("/admin/api-keys/", expect_errors=True).status_int == 404
        assert forge(other, "/admin/api-keys/", {"name": "x"}).status_int == 404
    assert web.get("/admin/api-keys/").status_int == 302  # to the login page
    fresh()
    assert db.session.scalar(select(ApiKey)) is None

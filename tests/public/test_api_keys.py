"""Open311 API keys: county administrators create them (shown once, only a SHA-256
kept) and disable them; both audited; nobody else reaches the page."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.matters.models import ApiKey
from tests.conftest import fresh, text_of


def test_a_key_is_shown_once_and_only_its_hash_kept(client_as, world):
    admin = client_as("admin")
    assert admin.get("/admin/api-keys/").status_code == 200
    response = admin.post("/admin/api-keys/", data={"name": "12345 平台"})
    assert response.status_code == 200
    raw = re.search(r'<code id="new-key">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    fresh()
    key = db.session.scalar(select(ApiKey))
    assert key.name == "12345 平台" and key.is_active
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw.startswith(key.prefix)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key_created"))
    assert event.target_id == key.id and raw not in str(event.detail) + event.summary
    page = admin.get("/admin/api-keys/").get_data(as_text=True)
    assert raw not in page and key.prefix in page and "12345 平台" in page
    # The key works for Open311 and its use is noted.
    response = admin.post("/open311/v2/requests.json", data={
        "api_key": raw, "service_code": "city", "address_id": world.grid_a.code, "description": "路灯不亮"})
    assert response.status_code == 200
    fresh()
    assert db.session.get(ApiKey, key.id).last_used_at is not None


def test_a_disabled_key_stops_working(client_as, world):
    admin = client_as("admin")
    raw = re.search(r'<code id="new-key">([^<]+)</code>', admin.post(
        "/admin/api-keys/", data={"name": "小程序"}).get_data(as_text=True)).group(1)
    fresh()
    key = db.session.scalar(select(ApiKey))
    response = admin.post(f"/admin/api-keys/{key.id}/disable")
    assert response.status_code == 303
    fresh()
    assert db.session.get(ApiKey, key.id).is_active is False
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key_disabled")).target_id == key.id
    assert "已停用" in text_of(admin.get("/admin/api-keys/"))
    response = admin.post("/open311/v2/requests.json", data={
        "api_key": raw, "service_code": "city", "address_id": world.grid_a.code, "description": "路灯不亮"})
    assert response.status_code == 403


def test_a_name_is_required(client_as, world):
    response = client_as("admin").post("/admin/api-keys/", data={"name": " "})
    assert response.status_code == 400 and "请填写使用这个密钥的单位或应用" in text_of(response)
    fresh()
    assert db.session.scalar(select(ApiKey)) is None


def test_only_county_administrators(client_as, client, world):
    for username in ("town_a", "station_a", "dept", "leader_a"):
        assert client_as(username).get("/admin/api-keys/").status_code == 404
        assert client_as(username).post("/admin/api-keys/", data={"name": "x"}).status_code == 404
    assert client.get("/admin/api-keys/").status_code == 302  # to the login page
    fresh()
    assert db.session.scalar(select(ApiKey)) is None

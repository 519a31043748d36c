"""Dispute matters carry a screening record and mediation records (forms 12 and 13)."""
from sqlalchemy import select

from app.extensions import db
from app.matters.models import Matter, Mediation
from tests.conftest import fresh, text_of


def _dispute(client, world) -> Matter:
    client.post("/matters/new", data={"class_code": "dispute", "type_id": 0, "grid_id": world.grid_a.id,
                                      "description": "楼上漏水引发邻里纠纷", "urgency": "normal"})
    fresh()
    return db.session.scalar(select(Matter).order_by(Matter.id.desc()))


def test_screening_and_mediation_are_recorded_and_shown(client_as, world):
    worker = client_as("worker_a")
    matter = _dispute(worker, world)
    page = text_of(worker.get(f"/matters/{matter.id}"))
    assert "尚未填写排查记录" in page
    response = worker.post(f"/matters/{matter.id}/screening", data={
        "parties": "王某（301）与赵某（201）", "dispute_type": "neighbour", "risk_level": "medium",
        "instability_factors": "双方多次争吵", "screened_on": "2026-11-20"})
    assert response.status_code == 302
    page = worker.post(f"/matters/{matter.id}/mediations/new", data={
        "held_on": "2026-11-21", "mediators": "网格员、调解员", "course": "现场查看漏水点", "agreed": "y"})
    assert "达成协议时请填写协议内容" in text_of(page)
    assert "现场查看漏水点" in text_of(page)  # what was typed is kept
    worker.post(f"/matters/{matter.id}/mediations/new", data={
        "held_on": "2026-11-21", "mediators": "网格员、调解员", "course": "现场查看漏水点", "agreed": "y",
        "agreement_text": "301 户三日内修好防水层，赔偿 500 元"})
    page = text_of(worker.get(f"/matters/{matter.id}"))
    assert "王某（301）与赵某（201）" in page and "邻里" in page and "赔偿 500 元" in page
    fresh()
    assert db.session.scalar(select(Mediation).where(Mediation.matter_id == matter.id)).agreed is True


def test_only_dispute_matters_and_only_people_working_on_them(client_as, world):
    worker = client_as("worker_a")
    matter = _dispute(worker, world)
    assert client_as("leader_a").get(f"/matters/{matter.id}/screening").status_code == 403
    assert client_as("worker_b").get(f"/matters/{matter.id}/screening").status_code == 404
    other = world.records["a"]["matter"]  # a livelihood matter
    assert worker.get(f"/matters/{other.id}/screening").status_code == 404

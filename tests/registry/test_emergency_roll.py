"""应急疏散重点人员名册: the grid's residents with a care tag, building by building in
walking order, with whom to call; personal phones masked; scoped and audited."""

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from app.registry.people.models import CareTag, Resident
from tests.conftest import fresh
from tests.printing.helpers import squeezed
from tests.web import visible_text


def _tag(world, key: str, tag_name: str) -> None:
    with write_transactions():
        resident = db.session.get(Resident, world.residents[key].id)
        tag = db.session.scalar(select(CareTag).where(CareTag.name == tag_name))
        resident.tags.append(tag)
        db.session.commit()


def test_the_roll_lists_the_cared_for_by_building_with_contacts(web_as, client_as, world):
    _tag(world, "a", "空巢老人")
    _tag(world, "b", "残疾人")  # in grid B: not on grid A's roll
    web = web_as("worker_a")
    grid_page = web.get(f"/divisions/{world.grid_a.id}")
    assert "打印应急疏散重点人员名册" in visible_text(grid_page)
    response = grid_page.click(description="打印应急疏散重点人员名册")
    assert response.content_type == "application/pdf"
    text = squeezed(response.body)
    assert "应急疏散重点人员名册" in text and "内部资料" in text
    assert "张伟" in text and "空巢老人" in text and "1号楼" in text
    assert "李娜" not in text and "残疾人" not in text
    # Personal phones masked; the grid staff's work phones whole, to be called.
    assert "139****5678" in text and "13912345678" not in text
    assert "员工worker_a" in text and "13800000000" in text
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "printed"))
    assert event.detail["document"] == "应急疏散重点人员名册" and event.detail["records"] == 1


def test_another_grids_roll_is_404(client_as, world):
    assert client_as("worker_a").get(f"/grids/{world.grid_b.id}/emergency-roll.pdf").status_code == 404
    assert client_as("worker_a").get(f"/grids/{world.community_a.id}/emergency-roll.pdf").status_code == 404

"""片区网格 (002 篇四: 片区网格责任区 holding 基础网格责任区): a community's grids grouped
into areas, each under a 片区网格长. The station (or the town, the county) makes the
areas and says which of the community's grids each holds; a grid is in one area at
most. Each change is audited; the caller commits."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, insert, or_, select

from app.auth import audit
from app.extensions import db
from app.org.models import Division, GridArea, Level, grid_area_member
from app.org.services import OrgError


def create_area(community: Division, name: str, note: str = "") -> GridArea:
    if community.level != Level.COMMUNITY.value or not community.is_active:
        raise OrgError(_("片区只能设在在用的社区（村）。"))
    name = _checked_name(community, name, None)
    area = GridArea(community_id=community.id, name=name, note=(note or "").strip()[:2000])
    db.session.add(area)
    db.session.flush()
    audit.record("grid_area_created", target=area, summary=f"{community.name} {area.name}")
    return area


def _checked_name(community: Division, name: str, area_id: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise OrgError(_("请填写片区名称。"), "name")
    taken = db.session.scalar(
        select(GridArea.id).where(GridArea.community_id == community.id, GridArea.name == name[:64])
    )
    if taken is not None and taken != area_id:
        raise OrgError(_("本社区（村）已有同名片区。"), "name")
    return name[:64]


def _snapshot(area: GridArea) -> dict:
    grids = sorted(g.id for g in area.grids)
    return {"name": area.name, "note": area.note, "is_active": area.is_active, "grids": grids}


def update_area(area: GridArea, name: str, note: str, is_active: bool, grids: list[Division]) -> bool:
    """Rename, describe, stop or restart the area and set its grids (the community's
    active grids; a grid moved here leaves its previous area)."""
    community = area.community
    if any(g.parent_id != community.id or not g.is_grid or not g.is_active for g in grids):
        raise OrgError(_("请从本社区（村）的网格中选择。"), "grid_ids")
    before = _snapshot(area)
    area.name = _checked_name(community, name, area.id)
    area.note = (note or "").strip()[:2000]
    area.is_active = is_active
    chosen = {g.id for g in grids} if is_active else set()
    # The area's grids now: the chosen ones leave any other area, the others leave this.
    db.session.execute(
        delete(grid_area_member).where(
            or_(grid_area_member.c.area_id == area.id, grid_area_member.c.grid_id.in_(chosen))
        )
    )
    if chosen:
        db.session.execute(insert(grid_area_member), [{"grid_id": g, "area_id": area.id} for g in sorted(chosen)])
    db.session.flush()
    db.session.expire_all()  # every grid's area and every area's grids read again
    after = _snapshot(area)
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        audit.record(
            "grid_area_updated",
            target=area,
            summary=f"{community.name} {area.name}",
            detail={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
        )
    return bool(changed)

"""Rules of the partner units register: a unit has a name, a kind and at least one
grid of the user's scope; its activities are on a day not in the future, in one of
its grids. Each change is audited; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth import audit
from app.auth.models import shown_name
from app.core.forms import RuleError
from app.extensions import db
from app.org.models import Division
from app.registry.partners.models import PartnerActivity, PartnerUnit

PARTNER_KINDS = {"co_building": _l("结对共建单位"), "property": _l("物业公司")}


class PartnerError(RuleError):
    """A rule of the partner units register refused a change."""


@dataclass
class PartnerValues:
    kind: str
    name: str
    grids: list[Division] = field(default_factory=list)
    contact_name: str = ""
    contact_phone: str = ""
    duties: str = ""


def _clean(values: PartnerValues) -> dict:
    if values.kind not in PARTNER_KINDS:
        raise PartnerError(_("请选择单位类别。"), "kind")
    name = (values.name or "").strip()
    if not name:
        raise PartnerError(_("请填写单位名称。"), "name")
    if not values.grids:
        raise PartnerError(_("请至少选择一个网格。"), "grid_ids")
    duties = (values.duties or "").strip()
    if not duties:
        raise PartnerError(_("请写明承担的职责。"), "duties")
    return {
        "kind": values.kind,
        "name": name[:100],
        "contact_name": (values.contact_name or "").strip()[:32],
        "contact_phone": (values.contact_phone or "").strip()[:32],
        "duties": duties[:4000],
    }


def create_unit(values: PartnerValues) -> PartnerUnit:
    unit = PartnerUnit(**_clean(values))
    unit.grids = list(values.grids)
    db.session.add(unit)
    db.session.flush()
    audit.record(
        "partner_created",
        target=unit,
        summary=unit.name,
        detail={"kind": unit.kind, "grids": [g.id for g in unit.grids]},
    )
    return unit


def update_unit(unit: PartnerUnit, values: PartnerValues, is_active: bool, kept_grids: list[Division]) -> bool:
    """Change the unit; `kept_grids` are its grids the user cannot see, which stay."""
    cleaned = _clean(PartnerValues(**{**values.__dict__, "grids": values.grids or kept_grids}))
    changed = {k: v for k, v in cleaned.items() if getattr(unit, k) != v}
    if unit.is_active != is_active:
        changed["is_active"] = is_active
    grids = {g.id: g for g in [*values.grids, *kept_grids]}
    if set(grids) != {g.id for g in unit.grids}:
        changed["grids"] = sorted(grids)
        unit.grids = list(grids.values())
    for key, value in changed.items():
        if key != "grids":
            setattr(unit, key, value)
    if changed:
        audit.record("partner_updated", target=unit, summary=unit.name, detail={"changed": sorted(changed)})
    return bool(changed)


def record_activity(
    unit: PartnerUnit, grid: Division | None, day: date | None, content: str, participants: str, user, today: date
) -> PartnerActivity:
    if grid is None or grid not in unit.grids:
        raise PartnerError(_("请选择本单位结对的网格。"), "grid_id")
    if day is None:
        raise PartnerError(_("请按 2024-01-05 的格式填写日期。"), "held_on")
    if day > today:
        raise PartnerError(_("日期不能晚于今天。"), "held_on")
    content = (content or "").strip()
    if not content:
        raise PartnerError(_("请写明活动内容。"), "content")
    activity = PartnerActivity(
        unit=unit,
        grid_id=grid.id,
        held_on=day,
        content=content[:2000],
        participants=(participants or "").strip()[:200],
        recorded_by_id=getattr(user, "id", None),
        recorded_by_name=shown_name(user),
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(
        "partner_activity_recorded",
        target=activity,
        summary=f"{unit.name} {day.isoformat()}",
        detail={"partner_unit_id": unit.id, "grid_id": grid.id},
    )
    return activity


def activity_counts(unit_ids: list[int], grid_ids: list[int], first: date, last: date) -> dict[int, int]:
    """Activities of each unit in these grids between the two days (both included)."""
    if not unit_ids:
        return {}
    return {
        unit_id: int(number)
        for unit_id, number in db.session.execute(
            select(PartnerActivity.partner_unit_id, func.count())
            .where(
                PartnerActivity.partner_unit_id.in_(unit_ids),
                PartnerActivity.grid_id.in_(grid_ids),
                PartnerActivity.held_on.between(first, last),
            )
            .group_by(PartnerActivity.partner_unit_id)
        )
    }


def last_activities(unit_ids: list[int], grid_ids: list[int]) -> dict[int, date]:
    """The day of each unit's latest activity in these grids."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(PartnerActivity.partner_unit_id, func.max(PartnerActivity.held_on))
        .where(PartnerActivity.partner_unit_id.in_(unit_ids), PartnerActivity.grid_id.in_(grid_ids))
        .group_by(PartnerActivity.partner_unit_id)
    )
    return {row[0]: row[1] for row in rows}

"""Rules of the points register and of their monthly supervision. 002 篇九: "各级网格长…
每月对本网格各创建点位至少开展督查督导1-2次，建立督导台帐" — at least once a month (and the
target of two); a month with none is flagged, as a patrol week under the quota is. A
督查 recorded on the supervision pages that names the point is a supervision of it too
and counts the same. Matters, patrol findings and inspections may name a point (网上有格、
格中有点、点上有事): the point's page lists them. Each change is audited; the caller
commits."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth import audit
from app.auth.models import shown_name
from app.core.forms import RuleError
from app.extensions import db
from app.org.models import Division
from app.registry.points.models import PointSupervision, ResponsibilityPoint

# The places the sources name (001 篇二: 道路、绿地、路灯、广告牌匾; 002 篇九: 生活小区、背街
# 小巷、农贸市场、综合文化服务中心、公益宣传、门前三包).
POINT_KINDS = {
    "road": _l("道路、背街小巷"),
    "green": _l("绿地"),
    "lamp": _l("路灯"),
    "billboard": _l("广告牌匾、公益宣传"),
    "market": _l("农贸市场"),
    "compound": _l("生活小区"),
    "frontage": _l("门前三包"),
    "public_place": _l("公共场所、文化服务中心"),
    "site": _l("施工现场"),
    "other": _l("其他"),
}
# 每月督导 1–2 次: fewer than the minimum is flagged; the target is shown.
MONTHLY_MINIMUM = 1
MONTHLY_TARGET = 2


class PointError(RuleError):
    """A rule of the points register refused a change."""


@dataclass
class PointValues:
    kind: str
    name: str
    place: str = ""
    responsible_unit: str = ""
    responsible_person: str = ""
    note: str = ""


def _clean(values: PointValues, grid: Division, existing_id: int | None) -> dict:
    if values.kind not in POINT_KINDS:
        raise PointError(_("请选择点位类别。"), "kind")
    name = (values.name or "").strip()
    if not name:
        raise PointError(_("请填写点位名称。"), "name")
    taken = db.session.scalar(
        select(ResponsibilityPoint.id).where(ResponsibilityPoint.grid_id == grid.id, ResponsibilityPoint.name == name)
    )
    if taken is not None and taken != existing_id:
        raise PointError(_("本网格已有同名点位。"), "name")
    if not (values.responsible_unit or "").strip() and not (values.responsible_person or "").strip():
        raise PointError(_("请填写责任单位或责任人。"), "responsible_unit")
    return {
        "kind": values.kind,
        "name": name[:100],
        "place": (values.place or "").strip()[:200],
        "responsible_unit": (values.responsible_unit or "").strip()[:100],
        "responsible_person": (values.responsible_person or "").strip()[:32],
        "note": (values.note or "").strip()[:2000],
    }


def create_point(grid: Division, values: PointValues) -> ResponsibilityPoint:
    point = ResponsibilityPoint(grid_id=grid.id, **_clean(values, grid, None))
    db.session.add(point)
    db.session.flush()
    audit.record("point_created", target=point, summary=f"{grid.name} {point.name}", detail={"kind": point.kind})
    return point


def update_point(point: ResponsibilityPoint, values: PointValues, is_active: bool) -> bool:
    cleaned = _clean(values, point.grid, point.id)
    changed = {k: v for k, v in cleaned.items() if getattr(point, k) != v}
    if point.is_active != is_active:
        changed["is_active"] = is_active
    for key, value in changed.items():
        setattr(point, key, value)
    if changed:
        audit.record("point_updated", target=point, summary=point.name, detail={"changed": sorted(changed)})
    return bool(changed)


def record_supervision(
    point: ResponsibilityPoint, day: date | None, supervisors: str, found_problem: bool, finding: str, user, today: date
) -> PointSupervision:
    if day is None:
        raise PointError(_("请按 2024-01-05 的格式填写日期。"), "supervised_on")
    if day > today:
        raise PointError(_("日期不能晚于今天。"), "supervised_on")
    supervisors = (supervisors or "").strip()
    if not supervisors:
        raise PointError(_("请填写督导人员。"), "supervisors")
    finding = (finding or "").strip()
    if found_problem and not finding:
        raise PointError(_("发现问题的，请写明问题和处理情况。"), "finding")
    supervision = PointSupervision(
        point=point,
        supervised_on=day,
        supervisors=supervisors[:200],
        found_problem=found_problem,
        finding=finding[:2000],
        recorded_by_id=getattr(user, "id", None),
        recorded_by_name=shown_name(user),
    )
    db.session.add(supervision)
    db.session.flush()
    audit.record(
        "point_supervised",
        target=supervision,
        summary=f"{point.name} {day.isoformat()}",
        detail={"point_id": point.id, "found_problem": found_problem},
    )
    return supervision


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(day: date) -> tuple[int, int]:
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


def supervision_counts(point_ids: list[int], first: date, last: date) -> dict[int, int]:
    """Supervisions of each point between the two days (both included): its 督导台帐
    entries and the inspections that name it."""
    from app.supervision.models import Inspection  # here: supervision imports this package's models

    if not point_ids:
        return {}
    counts: dict[int, int] = defaultdict(int)
    for point_id, number in db.session.execute(
        select(PointSupervision.point_id, func.count())
        .where(PointSupervision.point_id.in_(point_ids), PointSupervision.supervised_on.between(first, last))
        .group_by(PointSupervision.point_id)
    ):
        counts[point_id] += int(number)
    for point_id, number in db.session.execute(
        select(Inspection.responsibility_point_id, func.count())
        .where(Inspection.responsibility_point_id.in_(point_ids), Inspection.inspected_on.between(first, last))
        .group_by(Inspection.responsibility_point_id)
    ):
        counts[point_id] += int(number)
    return counts


def points_of_grids(grid_ids: list[int], keep_id: int | None = None) -> list[ResponsibilityPoint]:
    """The points in use of the grids, by grid and name (and `keep_id`, a point a record
    already names, even if it is no longer in use), for a form's point select."""
    if not grid_ids:
        return []
    return list(
        db.session.scalars(
            select(ResponsibilityPoint)
            .join(Division, Division.id == ResponsibilityPoint.grid_id)
            .where(ResponsibilityPoint.grid_id.in_(grid_ids))
            .where(ResponsibilityPoint.is_active | (ResponsibilityPoint.id == (keep_id or 0)))
            .order_by(Division.name, Division.id, ResponsibilityPoint.name, ResponsibilityPoint.id)
        )
    )


def short_of_minimum(point: ResponsibilityPoint, count: int, first: date) -> bool:
    """A month below the minimum, for a point that existed before the month began."""
    return count < MONTHLY_MINIMUM and point.created_at.date() < first

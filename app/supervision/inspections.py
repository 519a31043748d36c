"""Supervision (督查/督导): an inspection of a grid or one of its points, each problem
found becoming a rectification with a deadline, and re-checks (回头看). A failed
re-check keeps the rectification open and may give it a new deadline; it closes only
when a re-check passes. Deadlines are local calendar dates: a rectification is
overdue from the day after its deadline while open. The point inspected is a shop,
an organisation or a point of responsibility (责任点位) registered in the grid, or free
text (a road not on the register). Corrections
live in app.supervision.inspection_changes. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select

from app.auth import audit
from app.core.scoping import scoped_select
from app.extensions import db
from app.org.models import Division
from app.registry.housing.models import Shop
from app.registry.organisations.models import Organisation
from app.registry.points.models import ResponsibilityPoint
from app.supervision.models import Inspection, Recheck, Rectification
from app.supervision.rules import SupervisionError, lines, past_or_today, required_text

STATUS_LABELS = {"open": _l("整改中"), "overdue": _l("逾期未整改"), "passed": _l("已销号")}
PLACE_KINDS = {
    "shop": (Shop, _l("商铺")),
    "organisation": (Organisation, _l("单位")),
    "point": (ResponsibilityPoint, _l("责任点位")),
}
# The column of Inspection that links each kind of place.
PLACE_COLUMNS = {"shop": "shop_id", "organisation": "organisation_id", "point": "responsibility_point_id"}


def _kind_of(place) -> str:
    return next(kind for kind, (model, _label) in PLACE_KINDS.items() if isinstance(place, model))


# --- Points: registered places or free text ----------------------------------------------------


def place_key(place) -> str:
    """ "shop:12", "organisation:3" or "point:5": how a place is named in a form's choices."""
    return f"{_kind_of(place)}:{place.id}"


def places_of(grid: Division, keep=None) -> list:
    """The grid's points of responsibility in use, its open shops and its organisations,
    by name (and `keep`, the place an inspection already names, even if it has closed
    since)."""
    places: list = list(
        db.session.scalars(
            select(ResponsibilityPoint)
            .where(ResponsibilityPoint.grid_id == grid.id, ResponsibilityPoint.is_active)
            .order_by(ResponsibilityPoint.name, ResponsibilityPoint.id)
        )
    )
    places += list(
        db.session.scalars(
            select(Shop).where(Shop.grid_id == grid.id, Shop.status == "open").order_by(Shop.name, Shop.id)
        )
    )
    places += list(
        db.session.scalars(
            select(Organisation).where(Organisation.grid_id == grid.id).order_by(Organisation.name, Organisation.id)
        )
    )
    if keep is not None and keep not in places:
        places.append(keep)
    return places


def place_label(place) -> str:
    return _(
        "%(kind)s：%(name)s",
        kind=PLACE_KINDS[_kind_of(place)][1],
        name=place.name,
    )


def place_from_key(key: str | None, user):
    """The shop, organisation or point a form chose, looked up in the user's scope."""
    if not key:
        return None
    kind, _sep, record_id = key.partition(":")
    if kind not in PLACE_KINDS or not record_id.isdigit():
        raise SupervisionError(_("请从列表中选择。"), "place")
    model = PLACE_KINDS[kind][0]
    place = db.session.scalar(scoped_select(model, user).where(model.id == int(record_id)))
    if place is None:
        raise SupervisionError(_("请从列表中选择。"), "place")
    return place


def point_fields(grid: Division, place, point: str) -> dict:
    """Inspection columns for the point: the place's link and name, or the free text."""
    point = (point or "").strip()
    links = dict.fromkeys(PLACE_COLUMNS.values())
    if place is None:
        return {"point": point, **links}
    if place.grid_id != grid.id:
        raise SupervisionError(_("所选场所不在%(grid)s。", grid=grid.name), "place")
    if point:
        raise SupervisionError(_("已选登记的场所时，不用再填写其他点位。"), "point")
    links[PLACE_COLUMNS[_kind_of(place)]] = place.id
    return {"point": place.name[:100], **links}


# --- Recording ---------------------------------------------------------------------------------


@dataclass
class InspectionValues:
    inspected_on: date | None
    inspectors: str
    items_checked: str
    problems: str = ""
    deadline: date | None = None
    point: str = ""
    note: str = ""
    place: Shop | Organisation | ResponsibilityPoint | None = None


def record_inspection(values: InspectionValues, grid: Division | None, user, today: date) -> Inspection:
    if grid is None or not grid.is_grid or not grid.is_active:
        raise SupervisionError(_("请选择您管辖范围内的在用网格。"), "grid_id")
    inspected_on = past_or_today(values.inspected_on, today, "inspected_on")
    inspection = Inspection(
        grid_id=grid.id,
        **point_fields(grid, values.place, values.point),
        inspected_on=inspected_on,
        inspectors=required_text(values.inspectors, "inspectors", _("请填写检查人员。")),
        items_checked=required_text(values.items_checked, "items_checked", _("请填写检查内容。")),
        note=values.note or "",
        created_by_id=getattr(user, "id", None),
    )
    problems = lines(values.problems)
    if problems:
        if values.deadline is None:
            raise SupervisionError(_("发现问题时请填写整改期限。"), "deadline")
        if values.deadline < inspected_on:
            raise SupervisionError(_("整改期限不能早于检查日期。"), "deadline")
        for problem in problems:
            inspection.rectifications.append(
                Rectification(problem=problem, first_deadline=values.deadline, deadline=values.deadline, status="open")
            )
    db.session.add(inspection)
    db.session.flush()
    audit.record(
        "inspection_recorded",
        target=inspection,
        actor=user,
        summary=f"{grid.name} {inspected_on.isoformat()}",
        detail={"grid_id": grid.id, "problems": len(problems)},
    )
    return inspection


def apply_recheck(
    rectification: Rectification,
    checked_on: date | None,
    passed: bool,
    note: str,
    new_deadline: date | None,
    today: date,
) -> tuple[date, str, date | None]:
    """Check a re-check's values and put its result on the rectification; returns the
    checked date, note and new deadline to store."""
    checked_on = past_or_today(checked_on, today, "checked_on")
    if checked_on < rectification.inspection.inspected_on:
        raise SupervisionError(_("复查日期不能早于检查日期。"), "checked_on")
    note = (note or "").strip()
    if passed:
        new_deadline = None
        rectification.status, rectification.closed_on = "passed", checked_on
    else:
        if not note:
            raise SupervisionError(_("复查未通过时请写明原因。"), "note")
        if new_deadline is not None:
            if new_deadline < checked_on:
                raise SupervisionError(_("新的整改期限不能早于复查日期。"), "new_deadline")
            rectification.deadline = new_deadline
    return checked_on, note, new_deadline


def record_recheck(
    rectification: Rectification,
    checked_on: date | None,
    passed: bool,
    note: str,
    new_deadline: date | None,
    user,
    today: date,
) -> Recheck:
    if rectification.status != "open":
        raise SupervisionError(_("该问题已整改销号。"))
    # Each re-check is measured against the deadline the one before it set, and the
    # latest (by date) is the one that may be corrected: an earlier date would move
    # the deadline back while listing before the re-check that set the current one.
    previous = rectification.rechecks[-1] if rectification.rechecks else None
    if checked_on is not None and previous is not None and checked_on < previous.checked_on:
        raise SupervisionError(
            _("复查日期不能早于上一次回头看（%(day)s）。", day=previous.checked_on.isoformat()), "checked_on"
        )
    checked_on, note, new_deadline = apply_recheck(rectification, checked_on, passed, note, new_deadline, today)
    recheck = Recheck(
        rectification=rectification,
        checked_on=checked_on,
        passed=passed,
        note=note,
        new_deadline=new_deadline,
        checked_by_id=getattr(user, "id", None),
    )
    db.session.add(recheck)
    db.session.flush()
    audit.record(
        "recheck_recorded",
        target=rectification,
        actor=user,
        summary=rectification.problem[:80],
        detail={
            "passed": passed,
            "checked_on": checked_on.isoformat(),
            "new_deadline": new_deadline.isoformat() if new_deadline else None,
        },
    )
    return recheck


def rectification_status(rectification: Rectification, today: date) -> str:
    if rectification.status == "passed":
        return "passed"
    return "overdue" if rectification.deadline < today else "open"


def inspections_of_place(place, user, limit: int = 20) -> list[Inspection]:
    """The latest inspections of a registered shop, organisation or point, as the user
    sees them (for the place's page in the registry)."""
    column = getattr(Inspection, PLACE_COLUMNS[_kind_of(place)])
    return list(
        db.session.scalars(
            scoped_select(Inspection, user)
            .where(column == place.id)
            .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
            .limit(limit)
        )
    )


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


# --- Queries for the assessment (考核) -------------------------------------------------------


def overdue_rectifications(today: date, grid_ids=None) -> Select:
    """Open rectifications whose current deadline has passed (local date); optionally
    only in the given grids (ids or a select of ids)."""
    statement = (
        select(Rectification)
        .join(Inspection, Inspection.id == Rectification.inspection_id)
        .where(Rectification.status == "open", Rectification.deadline < today)
    )
    if grid_ids is not None:
        statement = statement.where(Inspection.grid_id.in_(grid_ids))
    return statement


def late_rectifications(start: date, end: date, today: date, grid_ids=None) -> Select:
    """Rectifications first due from start to end that missed that first deadline:
    closed after it, or still open although it has passed (as of today)."""
    statement = (
        select(Rectification)
        .join(Inspection, Inspection.id == Rectification.inspection_id)
        .where(
            Rectification.first_deadline.between(start, end),
            or_(
                Rectification.closed_on > Rectification.first_deadline,
                and_(Rectification.status == "open", Rectification.first_deadline < today),
            ),
        )
    )
    if grid_ids is not None:
        statement = statement.where(Inspection.grid_id.in_(grid_ids))
    return statement

"""Correcting an inspection after it was saved: its facts (date, inspectors, items
checked, point, note), further problems found (each a rectification with its
deadline), a problem's wording, and the latest re-check (corrected, or deleted when
entered by mistake). Only the latest re-check changes, because each one set the
deadline the next was measured against; undoing it restores the rectification as
it stood before: open, with the deadline from before that re-check. Every change is
audited with before and after. The caller commits."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.auth import audit
from app.extensions import db
from app.supervision.inspections import InspectionValues, apply_recheck, point_fields
from app.supervision.models import Inspection, Recheck, Rectification
from app.supervision.rules import SupervisionError, lines, past_or_today, required_text


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _inspection_snapshot(inspection: Inspection) -> dict:
    return {
        "inspected_on": _iso(inspection.inspected_on),
        "inspectors": inspection.inspectors,
        "items_checked": inspection.items_checked,
        "point": inspection.point,
        "shop_id": inspection.shop_id,
        "organisation_id": inspection.organisation_id,
        "responsibility_point_id": inspection.responsibility_point_id,
        "note": inspection.note,
    }


def _record_change(action: str, target, user, summary: str, before: dict, after: dict) -> bool:
    changed = [key for key in after if before[key] != after[key]]
    if not changed:
        return False
    db.session.flush()
    audit.record(
        action,
        target=target,
        actor=user,
        summary=summary,
        detail={"changed": changed, "before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
    )
    return True


def update_inspection(inspection: Inspection, values: InspectionValues, user, today: date) -> bool:
    """Correct the inspection's facts; True if anything changed. The date may not move
    past a deadline it set or a re-check made since."""
    inspected_on = past_or_today(values.inspected_on, today, "inspected_on")
    later = [r.first_deadline for r in inspection.rectifications]
    later += [c.checked_on for r in inspection.rectifications for c in r.rechecks]
    if later and inspected_on > min(later):
        raise SupervisionError(
            _("检查日期不能晚于已定的整改期限或回头看日期（%(day)s）。", day=min(later).isoformat()), "inspected_on"
        )
    before = _inspection_snapshot(inspection)
    inspection.inspected_on = inspected_on
    inspection.inspectors = required_text(values.inspectors, "inspectors", _("请填写检查人员。"))
    inspection.items_checked = required_text(values.items_checked, "items_checked", _("请填写检查内容。"))
    for key, value in point_fields(inspection.grid, values.place, values.point).items():
        setattr(inspection, key, value)
    inspection.note = values.note or ""
    return _record_change(
        "inspection_updated",
        inspection,
        user,
        f"{inspection.grid.name} {inspection.inspected_on.isoformat()}",
        before,
        _inspection_snapshot(inspection),
    )


def add_problems(inspection: Inspection, problems: str, deadline: date | None, user) -> list[Rectification]:
    """Problems found at the inspection but written down later, each to be rectified."""
    found = lines(problems)
    if not found:
        raise SupervisionError(_("请填写发现的问题，每行一个。"), "problems")
    if deadline is None:
        raise SupervisionError(_("发现问题时请填写整改期限。"), "deadline")
    if deadline < inspection.inspected_on:
        raise SupervisionError(_("整改期限不能早于检查日期。"), "deadline")
    added = [
        Rectification(problem=problem, first_deadline=deadline, deadline=deadline, status="open") for problem in found
    ]
    inspection.rectifications.extend(added)
    db.session.flush()
    audit.record(
        "rectifications_added",
        target=inspection,
        actor=user,
        summary=f"{inspection.grid.name} {inspection.inspected_on.isoformat()}",
        detail={"problems": found, "deadline": deadline.isoformat()},
    )
    return added


def update_problem(rectification: Rectification, problem: str, user) -> bool:
    before = {"problem": rectification.problem}
    rectification.problem = required_text(problem, "problem", _("请填写问题。"))
    return _record_change(
        "rectification_updated",
        rectification,
        user,
        rectification.problem[:80],
        before,
        {"problem": rectification.problem},
    )


# --- The latest re-check ------------------------------------------------------------------------


def _latest(rectification: Rectification) -> Recheck:
    if not rectification.rechecks:
        raise SupervisionError(_("这个问题还没有回头看记录。"))
    return rectification.rechecks[-1]


def _recheck_snapshot(recheck: Recheck) -> dict:
    return {
        "checked_on": _iso(recheck.checked_on),
        "passed": recheck.passed,
        "note": recheck.note,
        "new_deadline": _iso(recheck.new_deadline),
    }


def _undo(rectification: Rectification, latest: Recheck) -> None:
    """The rectification as it stood before its latest re-check: open, with the
    deadline the earlier re-checks (or the inspection) had set."""
    earlier = [c for c in rectification.rechecks if c is not latest]
    rectification.deadline = next(
        (c.new_deadline for c in reversed(earlier) if c.new_deadline), rectification.first_deadline
    )
    rectification.status, rectification.closed_on = "open", None


def update_latest_recheck(
    rectification: Rectification,
    checked_on: date | None,
    passed: bool,
    note: str,
    new_deadline: date | None,
    user,
    today: date,
) -> bool:
    latest = _latest(rectification)
    before = _recheck_snapshot(latest)
    previous = rectification.rechecks[-2] if len(rectification.rechecks) > 1 else None
    if checked_on is not None and previous is not None and checked_on < previous.checked_on:
        raise SupervisionError(
            _("复查日期不能早于上一次回头看（%(day)s）。", day=previous.checked_on.isoformat()), "checked_on"
        )
    _undo(rectification, latest)
    latest.checked_on, latest.note, latest.new_deadline = apply_recheck(
        rectification, checked_on, passed, note, new_deadline, today
    )
    latest.passed = passed
    return _record_change(
        "recheck_updated", rectification, user, rectification.problem[:80], before, _recheck_snapshot(latest)
    )


def delete_latest_recheck(rectification: Rectification, user) -> None:
    """Delete a re-check entered by mistake; a passing one reopens the problem."""
    latest = _latest(rectification)
    _undo(rectification, latest)
    audit.record(
        "recheck_deleted",
        target=rectification,
        actor=user,
        summary=rectification.problem[:80],
        detail={**_recheck_snapshot(latest), "deadline_restored": _iso(rectification.deadline)},
    )
    rectification.rechecks.remove(latest)
    db.session.flush()

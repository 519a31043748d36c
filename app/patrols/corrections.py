"""Correcting and deleting patrols, their findings and 民情日志 entries entered by
mistake. A finding or entry that opened a matter keeps its link: the matter names it
(app/patrols/__init__.py `_matter_origins`), so it cannot be deleted and its
disposition cannot be changed. Every change is audited with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from flask_babel import gettext as _

from app.auth import audit
from app.core.timeutil import local_today
from app.extensions import db
from app.patrols.models import OpinionEntry, Patrol, PatrolFinding
from app.patrols.services import (
    EntryChanges,
    FieldworkError,
    FindingValues,
    check_entry,
    check_no_overlap,
    grid_workers,
    open_entry_matter,
    point_in_grid,
)


def _changes(before: dict, after: dict) -> dict | None:
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return None
    return {"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}}


# --- Patrols ------------------------------------------------------------------------------


@dataclass
class PatrolChanges:
    patrol_date: date
    start_time: time
    end_time: time
    route: str
    note: str = ""


def _patrol_snapshot(patrol: Patrol) -> dict:
    return {
        "patrol_date": patrol.patrol_date.isoformat(),
        "start_time": patrol.start_time.strftime("%H:%M"),
        "end_time": patrol.end_time.strftime("%H:%M"),
        "route": patrol.route,
        "note": patrol.note,
    }


def update_patrol(patrol: Patrol, values: PatrolChanges, user) -> bool:
    """Correct when and where a patrol went (its grid and worker stay). Returns
    whether anything changed."""
    if values.patrol_date > local_today():
        raise FieldworkError(_("巡查日期不能晚于今天。"), "patrol_date")
    if values.end_time <= values.start_time:
        raise FieldworkError(_("结束时间应晚于开始时间。"), "end_time")
    if values.patrol_date != patrol.patrol_date and patrol.staff_id not in {
        s.id for s in grid_workers(patrol.grid_id, values.patrol_date)
    }:
        raise FieldworkError(_("巡查当天此人不是该网格的网格员。"), "patrol_date")
    if not values.route.strip():
        raise FieldworkError(_("请填写巡查路线或点位。"), "route")
    check_no_overlap(
        patrol.grid_id, patrol.staff_id, values.patrol_date, values.start_time, values.end_time, patrol_id=patrol.id
    )
    before = _patrol_snapshot(patrol)
    patrol.patrol_date, patrol.start_time, patrol.end_time = values.patrol_date, values.start_time, values.end_time
    patrol.route, patrol.note = values.route.strip(), values.note.strip()
    changes = _changes(before, _patrol_snapshot(patrol))
    if changes is None:
        return False
    db.session.flush()
    audit.record(
        "patrol_updated",
        target=patrol,
        actor=user,
        summary=f"{patrol.grid.name} {patrol.patrol_date.isoformat()}",
        detail=changes,
    )
    return True


def delete_patrol(patrol: Patrol, user) -> list[str]:
    """Delete a patrol none of whose findings was reported; the names of its findings'
    photo files, to remove once the deletion is committed."""
    if any(f.matter_id is not None for f in patrol.findings):
        raise FieldworkError(_("这次巡查有发现已上报为事件，不能删除。"))
    audit.record(
        "patrol_deleted",
        target=patrol,
        actor=user,
        summary=f"{patrol.grid.name} {patrol.patrol_date.isoformat()}",
        detail={
            **_patrol_snapshot(patrol),
            "staff": patrol.staff.name,
            "findings": [f.description for f in patrol.findings],
        },
    )
    photo_files = [name for f in patrol.findings for photo in f.photos for name in (photo.filename, photo.thumbnail)]
    db.session.delete(patrol)
    db.session.flush()
    return photo_files


# --- Findings -----------------------------------------------------------------------------


def _finding_snapshot(finding: PatrolFinding) -> dict:
    return {
        "description": finding.description,
        "place": finding.place,
        "handled_on_spot": finding.handled_on_spot,
        "handling": finding.handling,
        "point_id": finding.point_id,
    }


def update_finding(finding: PatrolFinding, values: FindingValues, user) -> bool:
    if not values.description.strip():
        raise FieldworkError(_("请填写发现的情况。"), "description")
    if finding.matter_id is not None and values.handled_on_spot:
        raise FieldworkError(_("这条发现已上报为事件，不能改为现场处置。"), "handled_on_spot")
    if values.handled_on_spot and not values.handling.strip():
        raise FieldworkError(_("现场处置的，请写明怎样处置的。"), "handling")
    before = _finding_snapshot(finding)
    finding.description, finding.place = values.description.strip(), values.place.strip()
    finding.handled_on_spot = values.handled_on_spot
    finding.handling = values.handling.strip() if values.handled_on_spot else ""
    finding.point_id = point_in_grid(values.point_id, finding.patrol.grid_id)
    changes = _changes(before, _finding_snapshot(finding))
    if changes is None:
        return False
    db.session.flush()
    audit.record("patrol_finding_updated", target=finding, actor=user, summary=finding.description[:60], detail=changes)
    return True


def delete_finding(finding: PatrolFinding, user) -> list[str]:
    """Delete a finding not reported; the names of its photos' files, to remove once
    the deletion is committed."""
    if finding.matter_id is not None:
        raise FieldworkError(_("这条发现已上报为事件，不能删除。"))
    audit.record(
        "patrol_finding_deleted",
        target=finding,
        actor=user,
        summary=finding.description[:60],
        detail=_finding_snapshot(finding),
    )
    photo_files = [name for photo in finding.photos for name in (photo.filename, photo.thumbnail)]
    finding.patrol.findings.remove(finding)
    db.session.delete(finding)
    db.session.flush()
    return photo_files


# --- 民情日志 -------------------------------------------------------------------------------


def _entry_snapshot(entry: OpinionEntry) -> dict:
    return {
        "said_on": entry.said_on.isoformat(),
        "category": entry.category,
        "content": entry.content,
        "resident_name": entry.resident_name,
        "place": entry.place,
        "disposition": entry.disposition,
        "settled_note": entry.settled_note,
        "background": entry.background,
        "cause": entry.cause,
        "suggestion": entry.suggestion,
    }


def update_entry(entry: OpinionEntry, values: EntryChanges, user) -> bool:
    """Correct an entry (its grid stays). An entry that opened a matter stays 限期协办;
    a 当时结办 entry changed to 限期协办 opens its matter as a new entry would."""
    opens_matter = values.disposition == "assisted" and entry.matter_id is None
    matter_class = check_entry(
        values, opens_matter, kept_disposition=entry.disposition if entry.matter_id is not None else None
    )
    before = _entry_snapshot(entry)
    entry.said_on, entry.category, entry.content = values.said_on, values.category, values.content.strip()
    entry.resident_name, entry.place = values.resident_name.strip(), values.place.strip()
    entry.disposition = values.disposition
    entry.settled_note = values.settled_note.strip() if values.disposition == "settled" else ""
    entry.background, entry.cause = values.background.strip(), values.cause.strip()
    entry.suggestion = values.suggestion.strip()
    changes = _changes(before, _entry_snapshot(entry))
    if changes is None:
        return False
    if opens_matter:
        open_entry_matter(entry, matter_class, user)
    db.session.flush()
    audit.record(
        "opinion_entry_updated",
        target=entry,
        actor=user,
        summary=f"{entry.grid.name} {entry.said_on.isoformat()}",
        detail=changes,
    )
    return True


def delete_entry(entry: OpinionEntry, user) -> None:
    if entry.matter_id is not None:
        raise FieldworkError(_("这条民情日志已上报为事件，不能删除。"))
    audit.record(
        "opinion_entry_deleted",
        target=entry,
        actor=user,
        summary=f"{entry.grid.name} {entry.said_on.isoformat()}",
        detail=_entry_snapshot(entry),
    )
    db.session.delete(entry)
    db.session.flush()

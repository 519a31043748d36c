"""Rows of the work-manual ledgers filled from field work: form 4 (社区社情民意调查记录表)
from the 民情日志, form 14 (网格化管理工作记录) from patrols, 民情日志 entries and
household visits, date-ordered. The ledger definitions (titles, columns) stay in
app/printing/ledger_forms_area.py. Three or four queries whatever the period.

Rows hold the text as written: ID numbers and mobiles typed into it are masked where
every ledger is printed and exported (app/printing/ledgers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.circumstances import summary as circumstances_of
from app.extensions import db
from app.org.models import Division
from app.patrols import reference
from app.patrols.models import OpinionEntry, Patrol, PatrolFinding


def _entries(scope) -> list[OpinionEntry]:
    return list(
        db.session.scalars(
            select(OpinionEntry)
            .join(Division, Division.id == OpinionEntry.grid_id)
            .where(OpinionEntry.grid_id.in_(scope.grid_ids()), OpinionEntry.said_on.between(scope.start, scope.end))
            .options(selectinload(OpinionEntry.matter))
            .order_by(OpinionEntry.said_on, Division.code, OpinionEntry.id)
        )
    )


def entry_handling(entry: OpinionEntry) -> str:
    label = reference.label(reference.DISPOSITIONS, entry.disposition)
    if entry.matter is not None:
        return _(
            "%(label)s：事件 %(number)s（%(status)s）",
            label=label,
            number=entry.matter.number,
            status=entry.matter.status_label,
        )
    if entry.settled_note:
        return _("%(label)s：%(value)s", label=label, value=entry.settled_note)
    return label


@dataclass
class SurveyRow:
    day: date
    person: str
    place: str
    issue: str
    circumstances: str
    handling: str
    recorder: str


def survey_rows(scope) -> list[SurveyRow]:
    """Form 4: one row per 民情日志 entry of the scope's grids in the period."""
    return [
        SurveyRow(
            day=e.said_on,
            person=e.resident_name,
            place=e.place,
            issue=_(
                "［%(category)s］%(text)s", category=reference.label(reference.CATEGORIES, e.category), text=e.content
            ),
            circumstances=circumstances_of(e),
            handling=entry_handling(e),
            recorder=e.recorder_name,
        )
        for e in _entries(scope)
    ]


@dataclass
class WorkLogRow:
    day: date
    time: str
    place: str
    content: str
    result: str
    recorder: str
    circumstances: str = ""
    order: tuple = ()


def _finding_result(finding: PatrolFinding) -> str:
    if finding.handled_on_spot:
        return _("现场处置：%(how)s", how=finding.handling)
    if finding.matter is not None:
        return _("上报事件 %(number)s（%(status)s）", number=finding.matter.number, status=finding.matter.status_label)
    return _("未处置")


def _patrol_rows(scope) -> list[WorkLogRow]:
    patrols = db.session.scalars(
        select(Patrol)
        .where(Patrol.grid_id.in_(scope.grid_ids()), Patrol.patrol_date.between(scope.start, scope.end))
        .options(selectinload(Patrol.staff), selectinload(Patrol.findings).selectinload(PatrolFinding.matter))
    )
    rows = []
    for p in patrols:
        found = _("；").join(f.description for f in p.findings)
        # The patrol's own note first (what was looked at, what was seen), then findings.
        said = _("；").join(text for text in (p.note.strip(), found) if text)
        content = _("巡查：%(found)s", found=said) if said else _("巡查，未发现问题")
        result = _("；").join(_finding_result(f) for f in p.findings)
        rows.append(
            WorkLogRow(
                day=p.patrol_date,
                time=f"{p.start_time:%H:%M}—{p.end_time:%H:%M}",
                place=p.route,
                content=content,
                result=result,
                recorder=p.staff.name,
                # A finding reported as a matter carries the matter's 背景、起因、建议.
                circumstances=_("；").join(
                    text for f in p.findings if f.matter is not None and (text := circumstances_of(f.matter))
                ),
                order=(p.patrol_date, f"{p.start_time:%H:%M}", 0, p.id),
            )
        )
    return rows


def _entry_rows(scope) -> list[WorkLogRow]:
    rows = []
    for e in _entries(scope):
        who = e.resident_name or _("群众")
        content = _(
            "民情日志（%(category)s）：%(who)s反映%(text)s",
            category=reference.label(reference.CATEGORIES, e.category),
            who=who,
            text=e.content,
        )
        rows.append(
            WorkLogRow(
                day=e.said_on,
                time="",
                place=e.place,
                content=content,
                result=entry_handling(e),
                recorder=e.recorder_name,
                circumstances=circumstances_of(e),
                order=(e.said_on, "99", 1, e.id),
            )
        )
    return rows


def _visit_rows(scope) -> list[WorkLogRow]:
    """Household visits (app/visits), when that package is installed."""
    try:
        from app.visits.models import Visit
    except ImportError:  # pragma: no cover - visits ship with the application
        return []
    from app.registry.people.models import Household

    visits = db.session.scalars(
        select(Visit)
        .where(Visit.grid_id.in_(scope.grid_ids()), Visit.visited_on.between(scope.start, scope.end))
        .options(
            selectinload(Visit.household).selectinload(Household.building),
            selectinload(Visit.visitors),
            selectinload(Visit.matter),
        )
    )
    rows = []
    for v in visits:
        parts = [text for text in (v.found, v.needs) if text]
        # The type labels already say what it was (常规走访, 核实走访 …).
        content = _("入户%(type)s", type=v.type_label)
        if parts:
            content = _("%(label)s：%(value)s", label=content, value=_("；").join(parts))
        result = v.follow_up
        if v.matter is not None:
            result = _("；").join(
                filter(
                    None,
                    [
                        result,
                        _("上报事件 %(number)s（%(status)s）", number=v.matter.number, status=v.matter.status_label),
                    ],
                )
            )
        rows.append(
            WorkLogRow(
                day=v.visited_on,
                time="",
                place=v.household.address if v.household else "",
                content=content,
                result=result,
                recorder=v.visitor_names,
                order=(v.visited_on, "99", 2, v.id),
            )
        )
    return rows


def work_log_rows(scope) -> list[WorkLogRow]:
    """Form 14: patrols, 民情日志 entries and visits of the period, by date (patrols by
    their start time first, then the day's entries and visits)."""
    return sorted(_patrol_rows(scope) + _entry_rows(scope) + _visit_rows(scope), key=lambda row: row.order)

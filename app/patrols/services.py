"""The rules of patrols and the 民情日志: recording them, turning a finding or a
限期协办 entry into a matter in one step, reporting to the grid chief and the chief's
acknowledgement, and the community's weekly check of the log. Plain
Python over the session; the views only translate forms into these calls.

Patrol compliance and report punctuality live in compliance.py
(`patrol_compliance(grid_ids, week_start)` is the entry point for dashboards)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth import audit
from app.auth.models import shown_name
from app.auth.roles import Permission
from app.core.conflicts import serialize
from app.core.forms import RuleError
from app.core.location import Position, place
from app.core.timeutil import local_today, to_local, utcnow
from app.extensions import db
from app.matters import reference as matter_reference
from app.matters import reporting, workdays
from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember, StaffRole
from app.org.services import active_assignments
from app.patrols import reference
from app.patrols.models import ChiefReport, OpinionEntry, OpinionLogCheck, Patrol, PatrolFinding
from app.registry.points.models import ResponsibilityPoint

# Names kept in a record are joined the Chinese way whatever the language of the
# user who saved it: the record is data, not UI.
STORED_NAME_SEPARATOR = "、"


class FieldworkError(RuleError):
    """A rule of patrols or the 民情日志 refused a change."""


# --- Who works a grid -------------------------------------------------------------------


def _assigned(grid_id: int, roles: tuple[str, ...], start: date, end: date) -> list[StaffAssignment]:
    return list(
        db.session.scalars(
            select(StaffAssignment)
            .join(StaffMember, StaffMember.id == StaffAssignment.staff_id)
            .where(
                StaffAssignment.division_id == grid_id,
                StaffAssignment.role.in_(roles),
                StaffAssignment.start_date <= end,
                (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= start),
            )
            .order_by(StaffMember.name, StaffAssignment.start_date)
        )
    )


def grid_workers(grid_id: int, day: date | None = None) -> list[StaffMember]:
    """The full- and part-time grid workers assigned to the grid on that day."""
    day = day or local_today()
    return list(dict.fromkeys(a.staff for a in _assigned(grid_id, GRID_WORKER_ROLES, day, day)))


def grid_chief_names(grid_id: int, day: date) -> list[str]:
    return list(dict.fromkeys(a.staff.name for a in _assigned(grid_id, (StaffRole.GRID_CHIEF.value,), day, day)))


def own_staff(user) -> StaffMember | None:
    """The staff record linked to the signed-in account (a grid worker's own)."""
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(select(StaffMember).where(StaffMember.user_id == user.id))


def _user_label(user) -> str:
    staff = own_staff(user)
    if staff is not None:
        return staff.name
    return (shown_name(user) or "")[:32]


# --- Patrols ------------------------------------------------------------------------------


@dataclass
class PatrolValues:
    grid: Division
    staff_id: int
    patrol_date: date
    start_time: time
    end_time: time
    route: str
    note: str = ""
    # Where the phone was when setting out and at the end, if the worker recorded it.
    start_position: Position | None = None
    end_position: Position | None = None


def record_patrol(values: PatrolValues, user) -> Patrol:
    if not values.grid.is_grid:
        raise FieldworkError(_("请选择网格。"), "grid_id")
    if values.patrol_date > local_today():
        raise FieldworkError(_("巡查日期不能晚于今天。"), "patrol_date")
    if values.end_time <= values.start_time:
        raise FieldworkError(_("结束时间应晚于开始时间。"), "end_time")
    workers = {s.id for s in grid_workers(values.grid.id, values.patrol_date)}
    if values.staff_id not in workers:
        raise FieldworkError(_("巡查当天此人不是该网格的网格员。"), "staff_id")
    if not values.route.strip():
        raise FieldworkError(_("请填写巡查路线或点位。"), "route")
    check_no_overlap(values.grid.id, values.staff_id, values.patrol_date, values.start_time, values.end_time)
    patrol = Patrol(
        grid_id=values.grid.id,
        staff_id=values.staff_id,
        patrol_date=values.patrol_date,
        start_time=values.start_time,
        end_time=values.end_time,
        route=values.route.strip(),
        note=values.note.strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    place(patrol, values.start_position, "start_")
    place(patrol, values.end_position, "end_")
    db.session.add(patrol)
    db.session.flush()
    audit.record(
        "patrol_recorded", target=patrol, actor=user, summary=f"{values.grid.name} {values.patrol_date.isoformat()}"
    )
    return patrol


def check_no_overlap(
    grid_id: int, staff_id: int, day: date, start: time, end: time, patrol_id: int | None = None
) -> None:
    """One worker makes one patrol of a grid at a time: a second patrol overlapping
    the first (a form sent twice, the same patrol typed again) would count twice
    towards the weekly quota. Patrols that only touch (9–10, 10–11) are two. Two such
    patrols saved at the same moment are taken one after the other (no constraint
    can say "times overlap"), so the second sees the first."""
    serialize("patrol", grid_id, staff_id, day)
    overlapping = db.session.scalar(
        select(Patrol.id)
        .where(
            Patrol.grid_id == grid_id,
            Patrol.staff_id == staff_id,
            Patrol.patrol_date == day,
            Patrol.start_time < end,
            Patrol.end_time > start,
            *([Patrol.id != patrol_id] if patrol_id is not None else []),
        )
        .limit(1)
    )
    if overlapping is not None:
        raise FieldworkError(_("此人这段时间已登记了一次巡查，巡查时间不能重叠。"), "start_time")


@dataclass
class FindingValues:
    description: str
    place: str = ""
    handled_on_spot: bool = False
    handling: str = ""
    position: Position | None = None
    # The grid's point of responsibility (责任点位) where it was found, if one.
    point_id: int | None = None


def point_in_grid(point_id: int | None, grid_id: int) -> int | None:
    """The point a finding names, which must be one of its patrol's grid."""
    if not point_id:
        return None
    point = db.session.get(ResponsibilityPoint, point_id)
    if point is None or point.grid_id != grid_id:
        raise FieldworkError(_("所选点位不在本网格，请重新选择。"), "point_id")
    return point.id


def add_finding(patrol: Patrol, values: FindingValues, user) -> PatrolFinding:
    if not values.description.strip():
        raise FieldworkError(_("请填写发现的情况。"), "description")
    if values.handled_on_spot and not values.handling.strip():
        raise FieldworkError(_("现场处置的，请写明怎样处置的。"), "handling")
    finding = PatrolFinding(
        patrol=patrol,
        description=values.description.strip(),
        place=values.place.strip(),
        handled_on_spot=values.handled_on_spot,
        handling=values.handling.strip() if values.handled_on_spot else "",
        point_id=point_in_grid(values.point_id, patrol.grid_id),
    )
    place(finding, values.position)
    db.session.add(finding)
    db.session.flush()
    audit.record("patrol_finding_added", target=finding, actor=user, summary=values.description.strip()[:60])
    return finding


def _reported(values: reporting.MatterValues, user, now: datetime | None):
    """reporting.report, its refusal (an unknown class, a grid closed since) turned
    into ours: the views catch FieldworkError and show it at the form (the class at
    the matter_class field), where the loop's own error was a server error."""
    try:
        return reporting.report(values, reporter=user, now=now)
    except RuleError as error:
        raise FieldworkError(str(error), "matter_class" if error.field == "class_code" else None) from error


def report_finding(finding: PatrolFinding, class_code: str, user, now: datetime | None = None):
    """Open a matter from a finding not handled on the spot; the finding keeps it."""
    if finding.matter_id is not None:
        raise FieldworkError(_("这条发现已上报为事件。"))
    if finding.handled_on_spot:
        raise FieldworkError(_("已现场处置的发现无需上报。"))
    patrol = finding.patrol
    grid = db.session.get_one(Division, patrol.grid_id)  # grid_id is a non-null foreign key
    # The finding's own words first (inboxes show a matter's first words); where it
    # came from after them, as a visit's matter has it (app/visits/services.py).
    origin = _("（巡查发现 %(day)s，%(route)s）", day=patrol.patrol_date.isoformat(), route=patrol.route)
    description = f"{finding.description}\n{origin}"
    matter = _reported(
        reporting.MatterValues(
            class_code=class_code,
            description=description,
            grid=grid,
            source="grid_worker",
            address=finding.place or patrol.route[:200],
            point_id=finding.point_id,
            # Where the finding was recorded is where the matter is.
            latitude=finding.latitude,
            longitude=finding.longitude,
            accuracy_m=finding.accuracy_m,
            located_at=finding.located_at,
        ),
        user,
        now,
    )
    finding.matter = matter
    from app.patrols import photos  # it uses this module's FieldworkError

    photos.copy_to_matter(finding, matter)
    audit.record("patrol_finding_reported", target=finding, actor=user, summary=matter.number)
    return matter


# --- 民情日志 -------------------------------------------------------------------------------


@dataclass
class EntryChanges:
    """What the worker writes about an entry, new or corrected."""

    said_on: date
    category: str
    content: str
    disposition: str
    resident_name: str = ""
    place: str = ""
    settled_note: str = ""
    matter_class: str = ""
    background: str = ""
    cause: str = ""
    suggestion: str = ""


@dataclass
class EntryValues(EntryChanges):
    grid: Division = field(kw_only=True)


def check_entry(values: EntryChanges, opens_matter: bool, kept_disposition: str | None = None) -> str:
    """The checks of an entry, new or corrected (kept_disposition: an entry that opened
    a matter keeps its disposition); returns the matter class a 限期协办 entry reports in."""
    if values.said_on > local_today():
        raise FieldworkError(_("日期不能晚于今天。"), "said_on")
    if values.category not in reference.CATEGORIES:
        raise FieldworkError(_("请选择类别。"), "category")
    if not values.content.strip():
        raise FieldworkError(_("请填写群众反映的内容。"), "content")
    if values.disposition not in reference.DISPOSITIONS:
        raise FieldworkError(_("请选择当时结办或限期协办。"), "disposition")
    if kept_disposition is not None and values.disposition != kept_disposition:
        raise FieldworkError(_("这条民情日志已上报为事件，办理方式不能更改。"), "disposition")
    if values.disposition == "settled" and not values.settled_note.strip():
        raise FieldworkError(_("当时结办的，请写明怎样办结的。"), "settled_note")
    matter_class = values.matter_class or reference.MATTER_CLASS_OF_CATEGORY[values.category]
    if opens_matter and matter_class not in matter_reference.CLASSES:
        raise FieldworkError(_("请选择事件大类。"), "matter_class")
    return matter_class


def open_entry_matter(entry: OpinionEntry, matter_class: str, user, now: datetime | None = None) -> None:
    """A 限期协办 entry becomes a matter with the loop's working-day deadline."""
    # What the resident said first; the log it came from after it.
    origin = _("（民情日志，%(category)s）", category=reference.label(reference.CATEGORIES, entry.category))
    entry.matter = _reported(
        reporting.MatterValues(
            class_code=matter_class,
            description=f"{entry.content}\n{origin}",
            grid=entry.grid,
            source="grid_worker",
            address=entry.place,
            reporter_name=entry.resident_name,
            background=entry.background,
            cause=entry.cause,
            suggestion=entry.suggestion,
        ),
        user,
        now,
    )


def record_entry(values: EntryValues, user, now: datetime | None = None) -> OpinionEntry:
    """One line of the log. A 限期协办 entry opens its matter at once; the matter's
    deadline follows the loop's working-day rules (app/matters/workdays.py)."""
    if not values.grid.is_grid:
        raise FieldworkError(_("请选择网格。"), "grid_id")
    matter_class = check_entry(values, opens_matter=values.disposition == "assisted")
    entry = OpinionEntry(
        grid=values.grid,
        said_on=values.said_on,
        category=values.category,
        content=values.content.strip(),
        disposition=values.disposition,
        resident_name=values.resident_name.strip(),
        place=values.place.strip(),
        settled_note=values.settled_note.strip() if values.disposition == "settled" else "",
        background=values.background.strip(),
        cause=values.cause.strip(),
        suggestion=values.suggestion.strip(),
        recorded_by_id=getattr(user, "id", None),
        recorder_name=_user_label(user),
    )
    db.session.add(entry)
    if values.disposition == "assisted":
        open_entry_matter(entry, matter_class, user, now)
    db.session.flush()
    audit.record(
        "opinion_entry_added",
        target=entry,
        actor=user,
        summary=f"{values.grid.name} {reference.label(reference.DISPOSITIONS, values.disposition)}",
    )
    return entry


# --- Reports to the grid chief ---------------------------------------------------------------


def unreported_entries(grid_id: int) -> list[OpinionEntry]:
    return list(
        db.session.scalars(
            select(OpinionEntry)
            .where(OpinionEntry.grid_id == grid_id, OpinionEntry.chief_report_id.is_(None))
            .order_by(OpinionEntry.said_on, OpinionEntry.id)
        )
    )


def record_chief_report(
    grid: Division, report_day: date, entry_ids: list[int], note: str, user, now: datetime | None = None
) -> ChiefReport:
    """The report is dated when it is saved (not typed in): its punctuality is judged
    from that time (compliance.ReportSlot.status). A report entered late for an old
    report day (补录) is therefore late, never on time: nothing the user types can
    move its time."""
    from app.patrols.compliance import due_day, is_report_day, slot_day

    now = now or utcnow()
    if not is_report_day(report_day):
        raise FieldworkError(_("报告日应为周一或周四。"), "report_day")
    if report_day < grid.valid_from:
        raise FieldworkError(
            _("这个网格 %(day)s 才设立，报告日不能早于设立日期。", day=grid.valid_from.isoformat()), "report_day"
        )
    report_day = slot_day(report_day)
    if report_day > to_local(now).date():
        raise FieldworkError(_("报告日还没有到。"), "report_day")
    if (
        db.session.scalar(
            select(ChiefReport.id).where(ChiefReport.grid_id == grid.id, ChiefReport.report_day == report_day)
        )
        is not None
    ):
        raise FieldworkError(_("这个报告日已经报告过了。"), "report_day")
    entries = [e for e in unreported_entries(grid.id) if e.id in set(entry_ids)]
    if not entries and not note.strip():
        raise FieldworkError(_("请勾选报告的民情日志，或写明情况（如“本期无一般信息”）。"), "note")
    report = ChiefReport(
        grid_id=grid.id,
        report_day=report_day,
        reporter_name=_user_label(user),
        chief_name=STORED_NAME_SEPARATOR.join(grid_chief_names(grid.id, to_local(now).date()))[:32],
        reported_at=now,
        note=note.strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    report.entries = entries
    db.session.add(report)
    db.session.flush()
    # Recorded in the audit entry too: a report entered after its slot fell due (补录).
    late = now > workdays.end_of_day_utc(due_day(workdays.load_calendar(), report_day))
    audit.record(
        "chief_report_made",
        target=report,
        actor=user,
        summary=f"{grid.name} {report_day.isoformat()} ({len(entries)})",
        detail={"report_day": report_day.isoformat(), "late": late},
    )
    return report


# --- The community's weekly check and the chief's acknowledgement ------------------------


def may_check_logs(user) -> bool:
    """Stations, town and county staff (those who keep grid data)."""
    return user.can(Permission.EDIT_GRID_DATA)


def entries_in_week(grid_ids: list[int], monday: date) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(OpinionEntry.grid_id, func.count(OpinionEntry.id))
            .where(
                OpinionEntry.grid_id.in_(grid_ids),
                OpinionEntry.said_on >= monday,
                OpinionEntry.said_on < monday + timedelta(days=7),
            )
            .group_by(OpinionEntry.grid_id)
        ).all()
    )


def record_log_check(grid: Division, monday: date, result: str, comment: str, user, today: date) -> OpinionLogCheck:
    """The week's check of the grid's log; checking again replaces the result (audited
    with the one it replaces). A week without entries is 空岗, with the criticism."""
    if monday > today:
        raise FieldworkError(_("这一周还没有开始，不能检查。"), "week")
    count = entries_in_week([grid.id], monday).get(grid.id, 0)
    comment = (comment or "").strip()
    if count == 0:
        result = "empty"
        if not comment:
            raise FieldworkError(_("这一周没有民情日志（空岗），请写明对本网格的批评。"), "comment")
    elif result == "empty":
        raise FieldworkError(_("这一周有 %(n)d 条民情日志，不是空岗。", n=count), "result")
    elif result not in reference.CHECK_RESULTS:
        raise FieldworkError(_("请选择检查结果。"), "result")
    check = db.session.scalar(
        select(OpinionLogCheck).where(OpinionLogCheck.grid_id == grid.id, OpinionLogCheck.week_start == monday)
    )
    before = check.result if check is not None else None
    if check is None:
        check = OpinionLogCheck(grid_id=grid.id, week_start=monday)
        db.session.add(check)
    check.entries, check.result, check.comment = count, result, comment[:2000]
    check.checked_on = today
    check.checked_by_id = getattr(user, "id", None)
    check.checked_by_name = shown_name(user)
    db.session.flush()
    audit.record(
        "opinion_log_checked",
        target=check,
        actor=user,
        summary=f"{grid.name} {monday.isoformat()} {reference.CHECK_RESULTS[result]}",
        detail={"week": monday.isoformat(), "result": result, "entries": count, "before": before},
    )
    return check


def may_acknowledge(user, report: ChiefReport) -> bool:
    """The grid's chief on the report day, or station, town and county staff for them."""
    if user.can(Permission.EDIT_GRID_DATA):
        return True
    return any(
        a.role == StaffRole.GRID_CHIEF.value and a.staff.user_id == user.id
        for a in active_assignments([report.grid_id], report.report_day)
    )


def acknowledge_report(report: ChiefReport, user, now: datetime | None = None) -> None:
    if report.acknowledged_at is not None:
        raise FieldworkError(_("这份报告已经阅过了。"))
    report.acknowledged_at = now or utcnow()
    report.acknowledged_by_name = shown_name(user)
    audit.record(
        "chief_report_acknowledged",
        target=report,
        actor=user,
        summary=f"{report.grid.name} {report.report_day.isoformat()}",
        detail={"report_day": report.report_day.isoformat()},
    )

"""Meetings (例会, 调度会) and trainings: recording them, the staff who may attend,
and the training hours each person gathered in a period. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.auth import audit
from app.core.scoping import scoped_select
from app.extensions import db
from app.org.models import Division, StaffAssignment, StaffMember
from app.supervision.models import Meeting, MeetingDecision, Training, training_attendee
from app.supervision.rules import SupervisionError, lines, past_or_today, required_text

MEETING_KINDS = {"regular": _l("例会"), "scheduling": _l("调度会")}
# Meetings and trainings are held by a town, a community (its station) or a grid.
HOLDING_LEVELS = ("town", "community", "grid")
MIN_HOURS, MAX_HOURS = Decimal("0.5"), Decimal("24")


def kind_label(code: str) -> str:
    return str(MEETING_KINDS.get(code, code))


def holding_divisions(user) -> list[Division]:
    """Divisions in the user's scope that may hold a meeting or training."""
    return list(
        db.session.scalars(
            scoped_select(Division, user)
            .where(Division.level.in_(HOLDING_LEVELS), Division.status == "active")
            .order_by(Division.code)
        )
    )


def staff_of(division: Division, user) -> list[StaffMember]:
    """Staff at home in the division or working in it (or below it), as the user sees them."""
    under = select(Division.id).where(Division.code.startswith(division.code, autoescape=True))
    return list(
        db.session.scalars(
            scoped_select(StaffMember, user)
            .where(
                or_(
                    StaffMember.home_division_id.in_(under),
                    StaffMember.id.in_(
                        select(StaffAssignment.staff_id).where(
                            StaffAssignment.division_id.in_(under), StaffAssignment.end_date.is_(None)
                        )
                    ),
                )
            )
            .order_by(StaffMember.name, StaffMember.id)
        )
    )


def _holding(division: Division | None) -> Division:
    if division is None or division.level not in HOLDING_LEVELS or not division.is_active:
        raise SupervisionError(_("请选择您管辖范围内的镇（街道）、社区（村）或网格。"), "division_id")
    return division


def _attendees(attendees: list[StaffMember]) -> list[StaffMember]:
    if not attendees:
        raise SupervisionError(_("请选择参加人员。"), "attendee_ids")
    return attendees


@dataclass
class MeetingValues:
    kind: str
    held_on: date | None
    minutes: str
    place: str = ""
    host: str = ""
    decisions: str = ""


def record_meeting(
    values: MeetingValues, division: Division, attendees: list[StaffMember], user, today: date
) -> Meeting:
    if values.kind not in MEETING_KINDS:
        raise SupervisionError(_("请从列表中选择。"), "kind")
    meeting = Meeting(
        division_id=_holding(division).id,
        kind=values.kind,
        held_on=past_or_today(values.held_on, today, "held_on"),
        minutes=required_text(values.minutes, "minutes", _("请填写会议纪要。")),
        place=(values.place or "").strip(),
        host=(values.host or "").strip(),
        attendees=_attendees(attendees),
        created_by_id=getattr(user, "id", None),
    )
    for position, text in enumerate(lines(values.decisions), start=1):
        meeting.decisions.append(MeetingDecision(position=position, text=text))
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting_recorded",
        target=meeting,
        actor=user,
        summary=f"{division.name} {kind_label(meeting.kind)} {meeting.held_on.isoformat()}",
        detail={"division_id": division.id, "attendees": len(attendees), "decisions": len(meeting.decisions)},
    )
    return meeting


def update_meeting(meeting: Meeting, values: MeetingValues, attendees: list[StaffMember], user, today: date) -> None:
    """Correct a meeting's record; decisions are only added (a decision may already
    have become a task), each line of `values.decisions` as a new one."""
    if values.kind not in MEETING_KINDS:
        raise SupervisionError(_("请从列表中选择。"), "kind")
    before = {
        "kind": meeting.kind,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "host": meeting.host,
        "minutes": meeting.minutes,
        "attendees": {s.id for s in meeting.attendees},
    }
    meeting.kind = values.kind
    meeting.held_on = past_or_today(values.held_on, today, "held_on")
    meeting.minutes = required_text(values.minutes, "minutes", _("请填写会议纪要。"))
    meeting.place, meeting.host = (values.place or "").strip(), (values.host or "").strip()
    meeting.attendees = _attendees(attendees)
    added = lines(values.decisions)
    start = max((d.position for d in meeting.decisions), default=0) + 1
    for position, text in enumerate(added, start=start):
        meeting.decisions.append(MeetingDecision(position=position, text=text))
    after = {
        "kind": meeting.kind,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "host": meeting.host,
        "minutes": meeting.minutes,
        "attendees": {s.id for s in meeting.attendees},
    }
    changed = [key for key in before if before[key] != after[key]] + (["decisions"] if added else [])
    if changed:
        db.session.flush()
        audit.record(
            "meeting_updated",
            target=meeting,
            actor=user,
            summary=f"{meeting.division.name} {kind_label(meeting.kind)} {meeting.held_on.isoformat()}",
            detail={"changed": changed},
        )


@dataclass
class TrainingValues:
    held_on: date | None
    topic: str
    trainer: str
    hours: Decimal | None
    place: str = ""
    content: str = ""


def record_training(
    values: TrainingValues, division: Division, attendees: list[StaffMember], user, today: date
) -> Training:
    hours = values.hours
    if hours is None or not (MIN_HOURS <= hours <= MAX_HOURS):
        raise SupervisionError(_("学时应在 0.5 到 24 之间。"), "hours")
    training = Training(
        division_id=_holding(division).id,
        held_on=past_or_today(values.held_on, today, "held_on"),
        topic=required_text(values.topic, "topic"),
        trainer=required_text(values.trainer, "trainer"),
        hours=hours,
        place=(values.place or "").strip(),
        content=values.content or "",
        attendees=_attendees(attendees),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(training)
    db.session.flush()
    audit.record(
        "training_recorded",
        target=training,
        actor=user,
        summary=training.topic,
        detail={"division_id": division.id, "attendees": len(attendees), "hours": str(hours)},
    )
    return training


def update_training(
    training: Training, values: TrainingValues, attendees: list[StaffMember], user, today: date
) -> None:
    hours = values.hours
    if hours is None or not (MIN_HOURS <= hours <= MAX_HOURS):
        raise SupervisionError(_("学时应在 0.5 到 24 之间。"), "hours")
    before = {
        "held_on": training.held_on,
        "topic": training.topic,
        "trainer": training.trainer,
        "hours": training.hours,
        "place": training.place,
        "content": training.content,
        "attendees": {s.id for s in training.attendees},
    }
    training.held_on = past_or_today(values.held_on, today, "held_on")
    training.topic = required_text(values.topic, "topic")
    training.trainer = required_text(values.trainer, "trainer")
    training.hours, training.place, training.content = hours, (values.place or "").strip(), values.content or ""
    training.attendees = _attendees(attendees)
    after = {
        "held_on": training.held_on,
        "topic": training.topic,
        "trainer": training.trainer,
        "hours": training.hours,
        "place": training.place,
        "content": training.content,
        "attendees": {s.id for s in training.attendees},
    }
    changed = [key for key in before if before[key] != after[key]]
    if changed:
        db.session.flush()
        audit.record(
            "training_updated", target=training, actor=user, summary=training.topic, detail={"changed": changed}
        )


@dataclass
class HoursRow:
    staff: StaffMember
    hours: Decimal
    sessions: int


@dataclass
class HoursReport:
    rows: list[HoursRow] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.hours for row in self.rows), Decimal(0))


def training_hours(staff: list[StaffMember], start: date, end: date) -> HoursReport:
    """Hours of the trainings each person attended from start to end (both included);
    people with none are listed with 0, so a gap is visible."""
    if not staff:
        return HoursReport()
    totals = {
        staff_id: (hours, sessions)
        for staff_id, hours, sessions in db.session.execute(
            select(training_attendee.c.staff_id, func.sum(Training.hours), func.count(Training.id))
            .join(Training, Training.id == training_attendee.c.training_id)
            .where(training_attendee.c.staff_id.in_([s.id for s in staff]), Training.held_on.between(start, end))
            .group_by(training_attendee.c.staff_id)
        )
    }
    rows = [
        HoursRow(member, Decimal(str(totals.get(member.id, (0, 0))[0] or 0)), totals.get(member.id, (0, 0))[1])
        for member in staff
    ]
    rows.sort(key=lambda row: (-row.hours, row.staff.name, row.staff.id))
    return HoursReport(rows)

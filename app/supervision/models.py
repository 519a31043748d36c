"""Meetings and trainings, the admission list (准入事项) and the tasks assigned from
above, and supervision (督查): inspections, their rectifications and re-checks.
Every record hangs from a division (see app.core.scoping)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Department, Division, StaffMember

meeting_attendee = Table(
    "meeting_attendee",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff_member.id"), primary_key=True, index=True),
)

training_attendee = Table(
    "training_attendee",
    db.metadata,
    Column("training_id", ForeignKey("training.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff_member.id"), primary_key=True, index=True),
)


class Meeting(db.Model):
    """例会 or 调度会 of a grid, community or town."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # regular | scheduling
    held_on: Mapped[date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(100), default="")
    host: Mapped[str] = mapped_column(String(32), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    division: Mapped[Division] = relationship()
    attendees: Mapped[list[StaffMember]] = relationship(secondary=meeting_attendee, order_by=StaffMember.name)
    decisions: Mapped[list[MeetingDecision]] = relationship(
        back_populates="meeting", order_by="MeetingDecision.position", cascade="all, delete-orphan"
    )


class MeetingDecision(db.Model):
    """One decision of a meeting; it may become a task for the meeting's grids."""

    __tablename__ = "meeting_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    tasks: Mapped[list[AssignedTask]] = relationship(back_populates="meeting_decision")


class Training(db.Model):
    """A training session: who attended and how many hours it counts for."""

    __tablename__ = "training"

    id: Mapped[int] = mapped_column(primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(200))
    trainer: Mapped[str] = mapped_column(String(64))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    place: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    division: Mapped[Division] = relationship()
    attendees: Mapped[list[StaffMember]] = relationship(secondary=training_attendee, order_by=StaffMember.name)


class AdmittedItem(db.Model):
    """准入事项: a kind of work departments may hand down to grids (county list)."""

    __tablename__ = "admitted_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    basis: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship()


class AssignedTask(db.Model):
    """上级交办: a task handed by a town (or the county, or a meeting) to grids or
    communities. Its source says why it is allowed: an admitted item, a recorded
    approval (out of the list), or a decision of the assigning level's own meeting."""

    __tablename__ = "assigned_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuing_division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))  # admitted | approved | meeting
    admitted_item_id: Mapped[int | None] = mapped_column(ForeignKey("admitted_item.id"), index=True)
    approved_by: Mapped[str] = mapped_column(String(64), default="")
    approval_document: Mapped[str] = mapped_column(String(100), default="")
    approved_on: Mapped[date | None]
    meeting_decision_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_decision.id"), index=True)
    deadline: Mapped[date] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A task given by mistake or overtaken is withdrawn (撤回), not deleted: the
    # targets saw it, so it stays visible with who withdrew it, when and why.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_by_name: Mapped[str] = mapped_column(String(64), default="")
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    issuing_division: Mapped[Division] = relationship()
    admitted_item: Mapped[AdmittedItem | None] = relationship()
    meeting_decision: Mapped[MeetingDecision | None] = relationship(back_populates="tasks")
    targets: Mapped[list[TaskTarget]] = relationship(back_populates="task", cascade="all, delete-orphan")

    @property
    def outside_list(self) -> bool:
        return self.source == "approved"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class TaskTarget(db.Model):
    """One grid or community a task was given to, and its completion report."""

    __tablename__ = "task_target"
    __table_args__ = (UniqueConstraint("task_id", "division_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("assigned_task.id"), index=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    completed_on: Mapped[date | None]
    completion_note: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime | None]
    # 代报: a town (or the county) reported for the grid or community; the name is
    # kept as shown then, so the page names who even if the account changes later.
    reported_on_behalf: Mapped[bool] = mapped_column(default=False)
    reported_by_name: Mapped[str] = mapped_column(String(64), default="")

    task: Mapped[AssignedTask] = relationship(back_populates="targets")
    division: Mapped[Division] = relationship()


class Inspection(db.Model):
    """督查 of a grid (or of one point of responsibility in it)."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    # The point: a place registered in the grid (a shop, an organisation or a point of
    # responsibility, one nullable foreign key each, so the database keeps the link
    # honest and a place's page can find its inspections by index) or free text. `point`
    # always holds the name as written at the inspection, so rows from before the
    # links, and points that are not registered places, read the same.
    point: Mapped[str] = mapped_column(String(100), default="")
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    responsibility_point_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_point.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(index=True)
    inspectors: Mapped[str] = mapped_column(String(200))
    items_checked: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Division] = relationship()
    shop = relationship("Shop")
    organisation = relationship("Organisation")
    responsibility_point = relationship("ResponsibilityPoint")
    rectifications: Mapped[list[Rectification]] = relationship(
        back_populates="inspection", order_by="Rectification.id", cascade="all, delete-orphan"
    )

    @property
    def place(self):
        """The registered shop, organisation or point of responsibility inspected, if
        the point is one."""
        return self.shop or self.organisation or self.responsibility_point

    @property
    def point_name(self) -> str:
        """The place's name as registered now, else the point as written."""
        place = self.place
        return place.name if place is not None else self.point


class Rectification(db.Model):
    """A problem found by an inspection, to be put right by its deadline. It closes
    only when a re-check (回头看) passes; a failed re-check may set a new deadline."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    first_deadline: Mapped[date]
    deadline: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | passed
    closed_on: Mapped[date | None]

    inspection: Mapped[Inspection] = relationship(back_populates="rectifications")
    rechecks: Mapped[list[Recheck]] = relationship(
        back_populates="rectification", order_by="Recheck.checked_on, Recheck.id", cascade="all, delete-orphan"
    )


class Recheck(db.Model):
    """回头看: the date, the result and what was seen."""

    __tablename__ = "recheck"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectification.id"), index=True)
    checked_on: Mapped[date]
    passed: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    new_deadline: Mapped[date | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rectification: Mapped[Rectification] = relationship(back_populates="rechecks")

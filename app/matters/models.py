"""Matters (事件/诉求) and everything on their way round the loop."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.circumstances import Circumstances
from app.core.location import Located
from app.core.masking import mask_phone
from app.core.offline import EnteredOffline
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import reference


class MatterType(db.Model):
    """A node of the configurable subtype tree under one of the six classes, with
    the working days it may take (None: the level's limit applies)."""

    __tablename__ = "matter_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_code: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("matter_type.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # 部件 (an object: a manhole cover) or 事件 (behaviour: illegal building), city management only.
    kind: Mapped[str] = mapped_column(String(16), default="")
    time_limit_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    parent = relationship("MatterType", remote_side=[id])

    @property
    def path(self) -> str:
        return f"{self.parent.path} › {self.name}" if self.parent else self.name

    @property
    def class_label(self) -> str:
        return reference.label(reference.CLASSES, self.class_code)


matter_resident = Table(
    "matter_resident",
    db.metadata,
    Column("matter_id", ForeignKey("matter.id"), primary_key=True),
    Column("resident_id", ForeignKey("resident.id"), primary_key=True, index=True),
)


class Matter(Circumstances, Located, EnteredOffline, db.Model):
    """A matter. Its latitude and longitude (from `Located`) are where it is: given by
    a public report (Open311, kept without accuracy and time), or the phone's position
    when a worker recorded it (with accuracy_m and located_at), shown outside only once
    published (app/public/open311.py)."""

    __tablename__ = "matter"
    __table_args__ = (
        Index("ix_matter_status_due", "status", "due_at"),
        Index("ix_matter_grid_created", "grid_id", "created_at"),
        # The indicators' "due in the period", per grid.
        Index("ix_matter_grid_handle_due", "grid_id", "handle_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 20261122-0007: the day it was reported and its place in that day.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # What a member of the public types to follow their matter (no login).
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    class_code: Mapped[str] = mapped_column(String(16), index=True)
    type_id: Mapped[int | None] = mapped_column(ForeignKey("matter_type.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    # The grid's point of responsibility (责任点位) it happened at, if one.
    point_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_point.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    # When it happened (UTC), if the reporter said: a report later than the urgency's
    # allowance (reference.late_report_hours) is 迟报, decided once when it is reported.
    occurred_at: Mapped[datetime | None]
    reported_late: Mapped[bool | None]

    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    reporter_name: Mapped[str] = mapped_column(String(32), default="")
    reporter_phone: Mapped[str] = mapped_column(String(32), default="")
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    involved_text: Mapped[str] = mapped_column(String(200), default="")
    # A hashed client address for throttling the public form; never shown.
    submitter_fingerprint: Mapped[str] = mapped_column(String(64), default="", index=True)
    hotline_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The 12345 hotline's own limit (办结时限) on an imported work order: the 回单 is
    # judged against it, and it may fall before the loop's own deadline.
    hotline_due_at: Mapped[datetime | None]

    status: Mapped[str] = mapped_column(String(16), default="reported")
    # Who verifies and dispatches now: a division at a level (its staff).
    owner_level: Mapped[str] = mapped_column(String(16), default="community")
    owner_division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    # Who handles it once dispatched: a division's staff or a department.
    handler_level: Mapped[str | None] = mapped_column(String(16))
    handler_division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    handler_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    # 首问责任制: the first receiver keeps the reporter informed throughout.
    first_receiver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dispatcher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    # The current stage's clock (verification, handling, checking).
    stage_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    verify_due_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    handle_due_at: Mapped[datetime | None]
    fed_back_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_on_time: Mapped[bool | None]
    result: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(16))
    rating_note: Mapped[str] = mapped_column(String(200), default="")
    rated_at: Mapped[datetime | None]
    reopened: Mapped[bool] = mapped_column(default=False)
    rework_count: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)
    urge_level: Mapped[str | None] = mapped_column(String(8))
    # The owner's last 催办 of a department or town past its deadline.
    chased_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    invalid_reason: Mapped[str] = mapped_column(String(200), default="")

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    matter_type = relationship("MatterType")
    grid = relationship("Division", foreign_keys=[grid_id])
    point = relationship("ResponsibilityPoint")
    owner_division = relationship("Division", foreign_keys=[owner_division_id])
    handler_division = relationship("Division", foreign_keys=[handler_division_id])
    handler_department = relationship("Department")
    building = relationship("Building")
    reporter = relationship("User", foreign_keys=[reporter_id])
    first_receiver = relationship("User", foreign_keys=[first_receiver_id])
    dispatcher = relationship("User", foreign_keys=[dispatcher_id])
    merged_into = relationship("Matter", remote_side=[id])
    residents = relationship("Resident", secondary=matter_resident, order_by="Resident.name")
    steps = relationship("MatterStep", back_populates="matter", order_by="MatterStep.id", cascade="all, delete-orphan")
    photos = relationship(
        "MatterPhoto", back_populates="matter", order_by="MatterPhoto.id", cascade="all, delete-orphan"
    )
    extensions = relationship(
        "ExtensionRequest", back_populates="matter", order_by="ExtensionRequest.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return reference.label(reference.STATUSES, self.status)

    @property
    def class_label(self) -> str:
        return reference.label(reference.CLASSES, self.class_code)

    @property
    def source_label(self) -> str:
        return reference.label(reference.SOURCES, self.source)

    @property
    def urgency_label(self) -> str:
        return reference.label(reference.URGENCIES, self.urgency)

    @property
    def is_open(self) -> bool:
        return self.status in reference.OPEN_STATUSES

    @property
    def place(self) -> str:
        if self.building is not None:
            return self.building.address + (f" {self.address}" if self.address else "")
        return self.address

    @property
    def handler_label(self) -> str:
        if self.handler_department is not None:
            return self.handler_department.name
        if self.handler_division is not None:
            return self.handler_division.name
        return ""

    @property
    def masked_reporter_phone(self) -> str:
        return mask_phone(self.reporter_phone)

    @property
    def pending_extension(self):
        return next((e for e in self.extensions if e.decision == "pending"), None)


class MatterStep(db.Model):
    """One step on a matter's timeline: who, when, what, with a note. Append-only."""

    __tablename__ = "matter_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    action: Mapped[str] = mapped_column(String(24), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # What the timeline shows for the actor: a name, a department, or 群众.
    actor_label: Mapped[str] = mapped_column(String(64), default="")
    # The department a dispatch sent it to: such a department's handlers see the matter.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    matter = relationship("Matter", back_populates="steps")
    actor = relationship("User")

    @property
    def action_label(self) -> str:
        return reference.label(reference.ACTIONS, self.action)


class MatterPhoto(db.Model):
    __tablename__ = "matter_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("matter_step.id"))
    # "report" (what was found) or "result" (what was done).
    stage: Mapped[str] = mapped_column(String(8), default="report")
    filename: Mapped[str] = mapped_column(String(40))
    thumbnail: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    matter = relationship("Matter", back_populates="photos")


class ExtensionRequest(db.Model):
    """申请延期: the handler asks, whoever dispatched decides."""

    __tablename__ = "matter_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(200), default="")

    matter = relationship("Matter", back_populates="extensions")


class DisputeScreening(db.Model):
    """矛盾纠纷排查 (work-manual form 12): one per dispute matter."""

    __tablename__ = "dispute_screening"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), unique=True)
    parties: Mapped[str] = mapped_column(Text, default="")
    dispute_type: Mapped[str] = mapped_column(String(16), default="other")
    risk_level: Mapped[str] = mapped_column(String(8), default="low")
    instability_factors: Mapped[str] = mapped_column(Text, default="")
    # 包案责任人: who answers for settling it (表12).
    responsible_person: Mapped[str] = mapped_column(String(64), default="", server_default="")
    screened_on: Mapped[date | None]
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    matter = relationship("Matter", backref=db.backref("screening", uselist=False))


class Mediation(db.Model):
    """调解记录 (work-manual form 13)."""

    __tablename__ = "dispute_mediation"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    held_on: Mapped[date]
    mediators: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(100), default="")
    process: Mapped[str] = mapped_column(Text, default="")
    agreed: Mapped[bool] = mapped_column(default=False)
    agreement_text: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    matter = relationship("Matter", backref=db.backref("mediations", order_by="Mediation.held_on"))


class HolidayDay(db.Model):
    """A day an administrator marked as a holiday (is_workday False) or a make-up
    working day (True): for years chinesecalendar does not cover yet."""

    __tablename__ = "holiday_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_workday: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(32), default="")


class HolidayYear(db.Model):
    """A year whose holiday arrangement an administrator confirmed as entered in full:
    only then are its deadlines exact. Entering some of its days does not make it so."""

    __tablename__ = "holiday_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class TimeLimit(db.Model):
    """Working days allowed per stage/level (reference.DEFAULT_TIME_LIMITS)."""

    __tablename__ = "matter_time_limit"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    days: Mapped[int]

    @property
    def label(self) -> str:
        return reference.label(reference.TIME_LIMIT_LABELS, self.key)


class ApiKey(db.Model):
    """A key that lets an Open311 client POST requests. Only a hash is kept."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

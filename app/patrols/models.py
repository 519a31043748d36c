"""Patrols and their findings, 民情日志 entries, reports to the grid chief and the
community's weekly checks of the log. All of them belong to a grid (scoped through
`grid_id`, as other grid records)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.circumstances import Circumstances
from app.core.location import Located
from app.core.offline import EnteredOffline
from app.core.timeutil import utcnow
from app.extensions import db


class Patrol(EnteredOffline, db.Model):
    """One patrol of a grid by one grid worker: when, and the route or points covered."""

    __tablename__ = "patrol"
    __table_args__ = (Index("ix_patrol_grid_day", "grid_id", "patrol_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    patrol_date: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    route: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the phone was at the start and at the end (app/core/location.py, the
    # columns of `Located` twice): empty unless the worker chose to record them.
    start_latitude: Mapped[float | None]
    start_longitude: Mapped[float | None]
    start_accuracy_m: Mapped[float | None]
    start_located_at: Mapped[datetime | None]
    end_latitude: Mapped[float | None]
    end_longitude: Mapped[float | None]
    end_accuracy_m: Mapped[float | None]
    end_located_at: Mapped[datetime | None]

    grid = relationship("Division")
    staff = relationship("StaffMember")
    recorded_by = relationship("User")
    findings: Mapped[list[PatrolFinding]] = relationship(
        back_populates="patrol", order_by="PatrolFinding.id", cascade="all, delete-orphan"
    )


class PatrolFinding(Located, EnteredOffline, db.Model):
    """Something found on a patrol: handled on the spot (how), or reported as a matter;
    where the phone was, if the worker recorded it."""

    __tablename__ = "patrol_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    handled_on_spot: Mapped[bool] = mapped_column(default=False)
    handling: Mapped[str] = mapped_column(String(500), default="")
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), unique=True)
    # The grid's point of responsibility (责任点位) where it was found, if one.
    point_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_point.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    patrol: Mapped[Patrol] = relationship(back_populates="findings")
    point = relationship("ResponsibilityPoint")
    matter = relationship("Matter")
    photos: Mapped[list[FindingPhoto]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="FindingPhoto.id"
    )


class FindingPhoto(db.Model):
    """A photo of a finding, taken at the spot: kept with a thumbnail under
    UPLOAD_FOLDER/findings/ (app/patrols/photos.py), served after the scope check; a
    copy goes with the matter when the finding is reported."""

    __tablename__ = "finding_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("patrol_finding.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(40))
    thumbnail: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    finding: Mapped[PatrolFinding] = relationship(back_populates="photos")


class OpinionEntry(Circumstances, EnteredOffline, db.Model):
    """A line of the 民情日志: what a resident said, and how it was sorted —
    当时结办 (settled on the spot, with how) or 限期协办 (a matter with a deadline)."""

    __tablename__ = "opinion_entry"
    __table_args__ = (Index("ix_opinion_entry_grid_day", "grid_id", "said_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    said_on: Mapped[date]
    resident_name: Mapped[str] = mapped_column(String(32), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str] = mapped_column(String(16))  # settled | assisted
    settled_note: Mapped[str] = mapped_column(String(500), default="")
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), unique=True)
    chief_report_id: Mapped[int | None] = mapped_column(ForeignKey("chief_report.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorder_name: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")
    matter = relationship("Matter")
    chief_report = relationship("ChiefReport", back_populates="entries")


class ChiefReport(EnteredOffline, db.Model):
    """Ordinary information reported to the grid chief for one report day (each
    Monday and Thursday, 002 篇二): who reported, when, which entries, a note."""

    __tablename__ = "chief_report"
    __table_args__ = (UniqueConstraint("grid_id", "report_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    # The Monday or Thursday this report answers (its due day may be later: holidays).
    report_day: Mapped[date]
    reporter_name: Mapped[str] = mapped_column(String(32))
    chief_name: Mapped[str] = mapped_column(String(32), default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The grid chief (or the station for them) has read it (网格长已阅).
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_name: Mapped[str] = mapped_column(String(64), default="")

    grid = relationship("Division")
    entries: Mapped[list[OpinionEntry]] = relationship(
        back_populates="chief_report", order_by="OpinionEntry.said_on, OpinionEntry.id"
    )


class OpinionLogCheck(db.Model):
    """The community's check of a grid's 民情日志 for one week (Monday to Sunday): how
    many entries the week had when checked, the result — a week without entries is
    空岗 and the grid is criticised, in words — who checked and when. One per grid and
    week; checking again replaces the result."""

    __tablename__ = "opinion_log_check"
    __table_args__ = (UniqueConstraint("grid_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    week_start: Mapped[date]
    entries: Mapped[int] = mapped_column(default=0)
    result: Mapped[str] = mapped_column(String(16))  # reference.CHECK_RESULTS
    comment: Mapped[str] = mapped_column(Text, default="")
    checked_on: Mapped[date]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    checked_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")

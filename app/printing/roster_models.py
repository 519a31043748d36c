"""Duty rosters (值班表): a station's duty schedule for a week or a month — who is
on duty at the station on which day. Published as an A4 notice and on the public
grid pages of the community's grids (names and work phones only)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Division, StaffMember


class DutyRoster(db.Model):
    """One community's roster for one period: a week (Monday first) or a month."""

    __tablename__ = "duty_roster"
    __table_args__ = (UniqueConstraint("community_id", "period_kind", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    period_kind: Mapped[str] = mapped_column(String(8))  # week | month
    period_start: Mapped[date]
    period_end: Mapped[date]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Division] = relationship()
    shifts: Mapped[list["DutyShift"]] = relationship(
        back_populates="roster", cascade="all, delete-orphan", order_by="DutyShift.day, DutyShift.id")


class DutyShift(db.Model):
    """One staff member on duty on one day of a roster (with the day's note)."""

    __tablename__ = "duty_shift"
    __table_args__ = (UniqueConstraint("roster_id", "day", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("duty_roster.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    note: Mapped[str] = mapped_column(String(100), default="")

    roster: Mapped[DutyRoster] = relationship(back_populates="shifts")
    staff: Mapped[StaffMember] = relationship()

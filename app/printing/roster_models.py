"""Duty rosters (值班表): a station's duty schedule for a week or a month — who is
on duty at the station on which day. Published as an A4 notice and on the public
grid pages of the community's grids (names and work phones only). A day's note
("节假日值班见镇安排") belongs to the roster, so that a day with nobody of the
station on duty may carry one too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
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
    # The day's note by ISO date ("2026-11-28" → "节假日值班见镇安排"), days without one left out.
    day_notes: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    community: Mapped[Division] = relationship()
    shifts: Mapped[list[DutyShift]] = relationship(
        back_populates="roster", cascade="all, delete-orphan", order_by="DutyShift.day, DutyShift.id"
    )

    def note_on(self, day: date) -> str:
        return (self.day_notes or {}).get(day.isoformat(), "")

    @property
    def is_empty(self) -> bool:
        """Nobody on duty and no note: nothing to publish or print."""
        return not self.shifts and not any((self.day_notes or {}).values())


class DutyShift(db.Model):
    """One staff member on duty on one day of a roster."""

    __tablename__ = "duty_shift"
    __table_args__ = (UniqueConstraint("roster_id", "day", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("duty_roster.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)

    roster: Mapped[DutyRoster] = relationship(back_populates="shifts")
    staff: Mapped[StaffMember] = relationship()

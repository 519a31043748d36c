"""Partner units (结对共建单位, 物业公司) linked to grids, and their activities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db

partner_unit_grid = Table(
    "partner_unit_grid",
    db.metadata,
    Column("partner_unit_id", ForeignKey("partner_unit.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("division.id"), primary_key=True, index=True),
)


class PartnerUnit(db.Model):
    """A unit paired with one or more grids: what it has undertaken to do there (its
    duties) and a contact. Its phone is a unit's work number, not a resident's."""

    __tablename__ = "partner_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # services.PARTNER_KINDS
    name: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(32), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    duties: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grids = relationship("Division", secondary=partner_unit_grid, order_by="Division.code")
    activities: Mapped[list[PartnerActivity]] = relationship(
        back_populates="unit", order_by="PartnerActivity.held_on.desc(), PartnerActivity.id.desc()"
    )


class PartnerActivity(db.Model):
    """What a partner unit did in one of its grids on a day (共建活动)."""

    __tablename__ = "partner_activity"
    __table_args__ = (Index("ix_partner_activity_unit_day", "partner_unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_unit_id: Mapped[int] = mapped_column(ForeignKey("partner_unit.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    held_on: Mapped[date]
    content: Mapped[str] = mapped_column(Text)
    participants: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[PartnerUnit] = relationship(back_populates="activities")
    grid = relationship("Division")

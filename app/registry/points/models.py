"""Points of responsibility (责任点位) and their supervisions (督导台帐)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class ResponsibilityPoint(db.Model):
    """A road, green, street lamp, billboard, market, compound … of a grid, given to a
    responsible unit and person (001 篇二; 002 篇九 创建点位)."""

    __tablename__ = "responsibility_point"
    __table_args__ = (Index("uq_responsibility_point_grid_name", "grid_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # reference.POINT_KINDS
    name: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(200), default="")
    responsible_unit: Mapped[str] = mapped_column(String(100), default="")
    responsible_person: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")
    supervisions: Mapped[list[PointSupervision]] = relationship(
        back_populates="point", order_by="PointSupervision.supervised_on.desc(), PointSupervision.id.desc()"
    )


class PointSupervision(db.Model):
    """One 督查督导 of a point: the day, who went, what they found (正常 or the problem)
    and what was done."""

    __tablename__ = "point_supervision"
    __table_args__ = (Index("ix_point_supervision_point_day", "point_id", "supervised_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("responsibility_point.id"))
    supervised_on: Mapped[date]
    supervisors: Mapped[str] = mapped_column(String(200), default="")
    found_problem: Mapped[bool] = mapped_column(default=False)
    finding: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    point: Mapped[ResponsibilityPoint] = relationship(back_populates="supervisions")

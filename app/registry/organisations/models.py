"""Organisations (组织) in the grids, and 十户联防 joint-defence groups of households with
what they do together."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class Organisation(db.Model):
    """驻区单位/非公企业/社会组织/党组织, identified by the unified social credit code."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    org_type: Mapped[str] = mapped_column(String(24))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    party_organisation: Mapped[str] = mapped_column(String(100), default="")
    party_member_count: Mapped[int | None]
    employee_count: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")


class JointDefenceGroup(db.Model):
    """十户联防: about ten neighbouring households with a group leader."""

    __tablename__ = "joint_defence_group"
    # An index, not a table constraint: SQLite adds and drops it without rebuilding the table.
    __table_args__ = (Index("uq_joint_defence_group_grid_name", "grid_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    leader_resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    grid = relationship("Division")
    leader = relationship("Resident")
    members: Mapped[list[JointDefenceMember]] = relationship(back_populates="group", cascade="all, delete-orphan")


class JointDefenceMember(db.Model):
    """A household's place in one group (a household is in at most one group)."""

    __tablename__ = "joint_defence_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("joint_defence_group.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), unique=True)

    group: Mapped[JointDefenceGroup] = relationship(back_populates="members")
    household = relationship("Household")


class JointDefenceActivity(db.Model):
    """What a 十户联防 group did on a day: a joint patrol, neighbours helping each other,
    an alert passed round, a meeting (reference.ACTIVITY_KINDS)."""

    __tablename__ = "joint_defence_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("joint_defence_group.id"), index=True)
    held_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    participants: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("JointDefenceGroup")

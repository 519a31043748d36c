"""交接: a grid worker's or grid chief's assignment ended, handed over to a successor."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class Handover(db.Model):
    """Who handed which grid to whom on which day, what moved with it, and the pack
    (交接清单) as it was printed for signing: kept byte for byte, with its SHA-256, so
    that a copy printed later is the one that was signed."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("staff_assignment.id"), unique=True)
    leaver_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    handed_over_on: Mapped[date]
    # What became of the leaver's account: disabled | kept (its sessions ended either way).
    account_action: Mapped[str] = mapped_column(String(16), default="")
    key_persons_moved: Mapped[int] = mapped_column(default=0)
    pack_sha256: Mapped[str] = mapped_column(String(64))
    pack_pdf: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")
    assignment = relationship("StaffAssignment")
    leaver = relationship("StaffMember", foreign_keys=[leaver_id])
    successor = relationship("StaffMember", foreign_keys=[successor_id])
    recorded_by = relationship("User")


class CarriedRecord(db.Model):
    """A household, or open work — a matter, a task target, an inspection still to
    rectify — carried by a split, merge or bulk move from one grid to another,
    effective from a day. The record itself
    now names the new grid; this row keeps where it was, so that what happened to it
    before that day (visited as a key-group household, reported, urged, fallen late, screened,
    inspected) still counts for
    the grid it belonged to then: assessments and ledgers of past periods read it
    through app.adjustments.history."""

    __tablename__ = "carried_record"
    __table_args__ = (Index("ix_carried_record_kind_record", "kind", "record_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # household | matter | task (a task target) | inspection
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    from_grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    to_grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    effective_on: Mapped[date]
    # The start of that local day in UTC, for comparing with recorded times.
    effective_from: Mapped[datetime]

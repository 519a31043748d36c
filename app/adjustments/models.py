"""交接: a grid worker's or grid chief's assignment ended, handed over to a successor."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String
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

"""A visit (入户走访) to a household: when, who went, what kind of visit, what was
found, the needs raised, the follow-up and the matter it opened, if any; and a visit
to an organisation of the grid — a party organisation or an owners' committee."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.location import Located
from app.core.offline import EnteredOffline
from app.core.timeutil import utcnow
from app.extensions import db

# Who went (staff of the grid or its station); a visit usually has one or two visitors.
visit_visitor = Table(
    "visit_visitor",
    db.metadata,
    Column("visit_id", ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff_member.id"), primary_key=True, index=True),
)


class Visit(Located, EnteredOffline, db.Model):
    """One visit. It belongs to the grid the household was in on the day (kept even
    if the household later moves), which is also how it is scoped. Where the phone
    was, if the visitor recorded it (app/core/location.py)."""

    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_household_day", "household_id", "visited_on"),
        # With household_id, visit coverage reads the index only.
        Index("ix_visit_grid_day_household", "grid_id", "visited_on", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    visited_on: Mapped[date]
    # routine 常规 | key 重点 | verification 核实 | concentrated 集中 (app.visits.reference)
    visit_type: Mapped[str] = mapped_column(String(16), default="routine")
    found: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"), index=True)
    # A 核实 (verification or annual check): the verifier's verdict on the grid's records
    # of the household — accurate | to_correct (reference.RECORD_CHECKS), "" for other
    # visits — what is to be corrected, and when the grid's staff said it was.
    record_check: Mapped[str] = mapped_column(String(16), default="", server_default="")
    correction: Mapped[str] = mapped_column(Text, default="", server_default="")
    corrected_on: Mapped[date | None]
    corrected_by_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    grid = relationship("Division")
    household = relationship("Household")
    matter = relationship("Matter")
    recorded_by = relationship("User")
    visitors = relationship("StaffMember", secondary=visit_visitor, order_by="StaffMember.name")

    @property
    def type_label(self) -> str:
        from app.visits.reference import VISIT_TYPES

        return str(VISIT_TYPES.get(self.visit_type, self.visit_type))

    @property
    def record_check_label(self) -> str:
        from app.visits.reference import RECORD_CHECKS

        return str(RECORD_CHECKS.get(self.record_check, ""))

    @property
    def visitor_names(self) -> str:
        from flask_babel import gettext as _

        return _("、").join(s.name for s in self.visitors)


class OrganisationVisit(db.Model):
    """A visit to an organisation of the grid (002 篇四 (一): 走访党小组和小组长、小区业主委员会):
    when, who went (their names as they were), what was found, the needs raised and the
    follow-up. It belongs to the grid the organisation was in on the day."""

    __tablename__ = "organisation_visit"
    __table_args__ = (Index("ix_organisation_visit_grid_day", "grid_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    visited_on: Mapped[date]
    visitor_names: Mapped[str] = mapped_column(String(200), default="")
    found: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")
    organisation = relationship("Organisation")

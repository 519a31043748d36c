"""Key and special persons (重点人员/特殊人群) and their follow-up log (帮教/帮扶/管控).

Each category says which extra fields its people carry (stored as JSON per
person), so a county can add categories without a schema change."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class KeyPersonCategory(db.Model):
    __tablename__ = "key_person_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"key": "start_date", "label": "矫正起始日期", "type": "date"|"text"|"textarea"}]
    fields: Mapped[list] = mapped_column(JSON, default=list)
    # How often the grid must follow up, in days (管控频次).
    follow_up_days: Mapped[int] = mapped_column(default=30)
    is_active: Mapped[bool] = mapped_column(default=True)


class KeyPerson(db.Model):
    """A resident under one category of attention, from start to end."""

    __tablename__ = "key_person"
    # Each category once at a time (the service's check, held at once by this index).
    __table_args__ = (
        Index(
            "uq_key_person_active",
            "resident_id",
            "category_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("key_person_category.id"), index=True)
    # The grid of the resident when listed; kept in step by the services (scoping).
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    risk_level: Mapped[str] = mapped_column(String(8), default="low")  # low | medium | high
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # Why the listing ended: typed at 解除列管, or the death or moving away that ended it.
    end_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    responsible_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resident = relationship("Resident")
    category: Mapped[KeyPersonCategory] = relationship()
    grid = relationship("Division")
    responsible_staff = relationship("StaffMember")
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="key_person", order_by="FollowUp.follow_up_date.desc(), FollowUp.id.desc()"
    )


class FollowUp(db.Model):
    """One 帮教/帮扶/管控 contact: when, who, what was done, when the next is due."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_person_id: Mapped[int] = mapped_column(ForeignKey("key_person.id"), index=True)
    follow_up_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))  # education | assistance | control
    performed_by: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    next_due_date: Mapped[date | None] = mapped_column(index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    key_person: Mapped[KeyPerson] = relationship(back_populates="follow_ups")
    recorded_by = relationship("User")

"""The population register (实有人口): households, residents, membership history,
care tags and the dated log of population changes (动态信息)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.masking import mask_id_number, mask_numbers, mask_phone
from app.core.timeutil import utcnow
from app.extensions import db
from app.registry.people import reference


class Household(db.Model):
    """户: an address in a grid (a room in a building, or a rural address) and the
    people who belong to it, one of them the head."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("grid_id", "household_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="")
    room: Mapped[str] = mapped_column(String(16), default="")
    # Rural households (and any without a building) have a free-text address.
    address_text: Mapped[str] = mapped_column(String(200), default="")
    household_number: Mapped[str] = mapped_column(String(32))
    household_type: Mapped[str] = mapped_column(String(16), default="permanent")
    visit_class: Mapped[int] = mapped_column(default=3)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", use_alter=True), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    grid = relationship("Division")
    building = relationship("Building")
    head: Mapped[Resident | None] = relationship(foreign_keys=[head_id], post_update=True)
    memberships: Mapped[list[HouseholdMember]] = relationship(
        back_populates="household", order_by="HouseholdMember.start_date, HouseholdMember.id"
    )

    @property
    def address(self) -> str:
        if self.building is not None:
            parts = [self.building.address or self.building.number]
            if self.unit:
                parts.append(_("%(n)s单元", n=self.unit) if self.unit.isdigit() else self.unit)
            if self.room:
                parts.append(_("%(n)s室", n=self.room) if self.room.isdigit() else self.room)
            return "".join(parts)
        return self.address_text

    @property
    def current_members(self) -> list[HouseholdMember]:
        members = [m for m in self.memberships if m.end_date is None]
        return sorted(members, key=lambda m: (m.relation != "head", m.id))

    @property
    def type_label(self) -> str:
        return reference.label(reference.HOUSEHOLD_TYPES, self.household_type)

    @property
    def visit_class_label(self) -> str:
        from app.registry.settings.visit_classes import visit_class_name

        return visit_class_name(self.visit_class)

    @property
    def visit_class_info(self):
        """The class as the county set it: meaning and visit frequency."""
        from app.registry.settings.visit_classes import visit_class

        return visit_class(self.visit_class)


class Resident(db.Model):
    """A person of the 实有人口: registered, floating or overseas."""

    __tablename__ = "resident"
    __table_args__ = (
        Index("ix_resident_grid_name", "grid_id", "name"),
        Index("ix_resident_grid_status_name", "grid_id", "status", "name"),
        # The dashboard's population figures read this index only (no table rows).
        Index("ix_resident_grid_status_figures", "grid_id", "status", "sex", "population_type", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    # For search: full pinyin without tones ("zhangsan") and initials ("zs").
    name_pinyin: Mapped[str] = mapped_column(String(128), default="", index=True)
    name_initials: Mapped[str] = mapped_column(String(32), default="", index=True)
    id_type: Mapped[str] = mapped_column(String(16), default="resident_id")
    # Unique across the county: one record per person (一次采集、多次使用).
    id_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None]
    ethnicity: Mapped[str] = mapped_column(String(16), default=reference.ETHNICITIES[0])
    phone: Mapped[str] = mapped_column(String(32), default="")
    population_type: Mapped[str] = mapped_column(String(16), default="registered")
    registered_address: Mapped[str] = mapped_column(String(200), default="")
    current_address: Mapped[str] = mapped_column(String(200), default="")
    political_status: Mapped[str] = mapped_column(String(24), default="masses")
    workplace: Mapped[str] = mapped_column(String(100), default="")
    # A floating resident's stay (表6 社区流动人口登记表): when they came, why, and the
    # number of their 居住证 (often their ID number: masked as one wherever shown).
    arrival_date: Mapped[date | None]
    stay_reason: Mapped[str] = mapped_column(String(32), default="", server_default="")
    residence_permit_number: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # No index of its own: three values, and SQLite (with statistics) would pick it
    # over the grid and search indexes; (grid_id, status, name) serves the lists.
    status: Mapped[str] = mapped_column(String(16), default="active")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    grid = relationship("Division")
    memberships: Mapped[list[HouseholdMember]] = relationship(
        back_populates="resident", order_by="HouseholdMember.start_date"
    )
    tags: Mapped[list[CareTag]] = relationship(secondary="resident_tag", order_by="CareTag.name")

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def current_membership(self) -> HouseholdMember | None:
        for membership in self.memberships:
            if membership.end_date is None:
                return membership
        return None

    @property
    def id_type_label(self) -> str:
        from app.core.identity import IdType

        try:
            return IdType(self.id_type).label
        except ValueError:
            return self.id_type

    @property
    def masked_permit(self) -> str:
        """The 居住证 number with any ID or mobile number in it masked (it is often the
        holder's ID number)."""
        return mask_numbers(self.residence_permit_number or "")

    @property
    def stay_reason_label(self) -> str:
        return str(reference.STAY_REASONS.get(self.stay_reason, self.stay_reason))

    @property
    def sex_label(self) -> str:
        return reference.label(reference.SEXES, self.sex)

    @property
    def population_type_label(self) -> str:
        return reference.label(reference.POPULATION_TYPES, self.population_type)

    @property
    def political_status_label(self) -> str:
        return reference.label(reference.POLITICAL_STATUSES, self.political_status)

    @property
    def status_label(self) -> str:
        return reference.label(reference.RESIDENT_STATUSES, self.status)


class HouseholdMember(db.Model):
    """A resident's membership of a household, with its relation to the head, from
    start to end: changing heads, splits and merges end rows instead of editing them."""

    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    household: Mapped[Household] = relationship(back_populates="memberships")
    resident: Mapped[Resident] = relationship(back_populates="memberships")

    @property
    def relation_label(self) -> str:
        return reference.label(reference.RELATIONS, self.relation)


class CareTag(db.Model):
    """A group that gets care (留守儿童, 空巢老人 …); the list is the county's own."""

    __tablename__ = "care_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class ResidentTag(db.Model):
    __tablename__ = "resident_tag"

    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("care_tag.id"), primary_key=True, index=True)


class VisitClass(db.Model):
    """一类/二类/三类户: what each class means and how often its households must be
    visited. The three levels are fixed (households store the level); the county
    edits names, meanings and frequencies."""

    __tablename__ = "visit_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(16), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    # At least `visits_required` visits per `visit_period` (month | quarter | year).
    visits_required: Mapped[int] = mapped_column(default=1)
    visit_period: Mapped[str] = mapped_column(String(8), default="quarter")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PopulationEvent(db.Model):
    """动态信息: a dated change (birth, death, moving in or out, a new head, a split or
    merge …) recorded by a named user, with what the register held before and after."""

    __tablename__ = "population_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    occurred_on: Mapped[date] = mapped_column(index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    # A shop moving (商铺搬迁) is a change of the grid too; the subject is the shop.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id"), index=True)
    # The grid a subject left when it moved to another: the event shows in both feeds.
    from_grid_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")

    grid = relationship("Division", foreign_keys=[grid_id])
    from_grid = relationship("Division", foreign_keys=[from_grid_id])
    household: Mapped[Household | None] = relationship()
    resident: Mapped[Resident | None] = relationship()
    shop = relationship("Shop")
    recorded_by = relationship("User")


# The other registers live in their own modules; importing them here makes every
# register table known wherever the population models are.
from app.registry.housing.models import House, Rental, RentalTenant, Shop  # noqa: E402
from app.registry.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory  # noqa: E402
from app.registry.organisations.models import (  # noqa: E402
    JointDefenceGroup,
    JointDefenceMember,
    Organisation,
)
from app.registry.partners.models import PartnerActivity, PartnerUnit  # noqa: E402
from app.registry.points.models import PointSupervision, ResponsibilityPoint  # noqa: E402

"""Housing (房屋): houses and rooms with their use, rentals (出租房屋) with their
tenants, and shops (商铺) with their 门前三包 duty."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class House(db.Model):
    """A house or a room in a building."""

    __tablename__ = "house"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="")
    room: Mapped[str] = mapped_column(String(16), default="")
    address_text: Mapped[str] = mapped_column(String(200), default="")
    use: Mapped[str] = mapped_column(String(16), default="own")  # own | rent | shop | vacant | other
    owner_resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    owner_name: Mapped[str] = mapped_column(String(64), default="")
    owner_phone: Mapped[str] = mapped_column(String(32), default="")
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid = relationship("Division")
    building = relationship("Building")
    owner = relationship("Resident")
    rentals: Mapped[list[Rental]] = relationship(back_populates="house", order_by="Rental.start_date.desc()")


class Rental(db.Model):
    """出租房屋: one letting of a house, with its landlord, tenants and whether the
    safety-responsibility agreement (治安责任书) is signed."""

    __tablename__ = "rental"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("house.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    landlord_resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    landlord_name: Mapped[str] = mapped_column(String(64), default="")
    landlord_phone: Mapped[str] = mapped_column(String(32), default="")
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    agreement_signed: Mapped[bool] = mapped_column(default=False)
    agreement_date: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")

    house: Mapped[House] = relationship(back_populates="rentals")
    landlord = relationship("Resident", foreign_keys=[landlord_resident_id])
    tenants: Mapped[list[RentalTenant]] = relationship(back_populates="rental", cascade="all, delete-orphan")


class RentalTenant(db.Model):
    __tablename__ = "rental_tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    rental_id: Mapped[int] = mapped_column(ForeignKey("rental.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)

    rental: Mapped[Rental] = relationship(back_populates="tenants")
    resident = relationship("Resident")


class Shop(db.Model):
    """商铺: a business in the grid, its licence, operator and 门前三包 duty."""

    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    house_id: Mapped[int | None] = mapped_column(ForeignKey("house.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    licence_number: Mapped[str] = mapped_column(String(32), default="")
    business_type: Mapped[str] = mapped_column(String(32), default="")
    operator_name: Mapped[str] = mapped_column(String(64), default="")
    operator_phone: Mapped[str] = mapped_column(String(32), default="")
    operator_resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    frontage_duty_signed: Mapped[bool] = mapped_column(default=False)  # 门前三包责任书
    frontage_duty_note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    note: Mapped[str] = mapped_column(Text, default="")

    grid = relationship("Division")
    house = relationship("House")
    operator = relationship("Resident")

"""Rules of the housing registers: houses and their owners, and rentals (出租房屋) with
their landlord, term, 治安责任书 and tenants; shops are in app.registry.housing.shop_services.
People are linked only when the user may see them (found by full ID number within the
user's scope); otherwise a name and phone are kept as text. Every write is audited;
summaries never carry ID or phone numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth import audit
from app.core.conflicts import serialize
from app.core.identity import check_phone, normalise_text_digits
from app.core.masking import mask_id_number, mask_phone
from app.core.scoping import scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Building, Division
from app.registry.housing.models import House, Rental, RentalTenant
from app.registry.people.models import Resident
from app.registry.people.services import RegistryError

HOUSE_USES = {
    "own": _l("自住"),
    "rent": _l("出租"),
    "shop": _l("商铺"),
    "vacant": _l("空置"),
    "other": _l("其他"),
}
NOT_FOUND = _l("在您的管辖范围内未找到该证件号码的人员。")


def label(mapping: dict, code) -> str:
    value = mapping.get(code)
    return str(value) if value is not None else (code or "")


# --- Shown values ----------------------------------------------------------------------


def house_address(house: House | None) -> str:
    """东关路1号2单元202室 for a room in a building; the typed address otherwise."""
    if house is None:
        return ""
    if house.building is not None:
        parts = [house.building.address or house.building.number]
        if house.unit:
            parts.append(_("%(n)s单元", n=house.unit) if house.unit.isdigit() else house.unit)
        if house.room:
            parts.append(_("%(n)s室", n=house.room) if house.room.isdigit() else house.room)
        return "".join(parts)
    return house.address_text


def person_name(resident: Resident | None, name: str) -> str:
    return resident.name if resident is not None else (name or "")


def person_phone(resident: Resident | None, phone: str) -> str:
    """The phone typed for this role, else the linked resident's own."""
    return phone or (resident.phone if resident is not None else "") or ""


def rental_expired(rental: Rental, today: date | None = None) -> bool:
    return rental.end_date is not None and rental.end_date < (today or local_today())


# --- People ----------------------------------------------------------------------------


def find_visible_resident(id_number: str, user) -> Resident | None:
    """The resident with exactly this ID number, if `user` may see them. Someone
    outside the scope looks exactly like someone never registered."""
    number = normalise_text_digits(id_number, upper=True)
    if not number:
        return None
    return db.session.scalar(scoped_select(Resident, user).where(Resident.id_number == number))


@dataclass
class PersonValues:
    """Who (owner, landlord, operator): a registered resident by full ID number, or a
    name and phone as text."""

    id_number: str = ""
    name: str = ""
    phone: str = ""


def _phone(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    check = check_phone(value)
    if check.error:
        raise RegistryError(check.error, field)
    return check.number


def linked_person(
    values: PersonValues, current_id: int | None, user, prefix: str, required: str
) -> tuple[int | None, str, str]:
    """(resident id, name, phone) for a role. An ID number wins; a typed name
    unlinks; both empty keep the resident already linked, or are refused."""
    phone = _phone(values.phone, f"{prefix}_phone")
    if normalise_text_digits(values.id_number):
        resident = find_visible_resident(values.id_number, user)
        if resident is None:
            raise RegistryError(str(NOT_FOUND), f"{prefix}_id_number")
        return resident.id, "", phone
    name = (values.name or "").strip()
    if name:
        return None, name[:64], phone
    if current_id is not None:
        return current_id, "", phone
    raise RegistryError(required, f"{prefix}_name")


def require_grid(grid: Division) -> None:
    if grid is None or not grid.is_grid or not grid.is_active:
        raise RegistryError(_("请选择您管辖范围内的在用网格。"), "grid_id")


def changed_fields(record, cleaned: dict) -> list[str]:
    return [key for key, value in cleaned.items() if getattr(record, key) != value]


# --- Houses ----------------------------------------------------------------------------


@dataclass
class HouseValues:
    building_id: int | None = None
    unit: str = ""
    room: str = ""
    address_text: str = ""
    use: str = "own"
    owner: PersonValues = None  # type: ignore[assignment]
    area_m2: Decimal | None = None
    note: str = ""


def _clean_house(values: HouseValues, grid: Division, house: House | None, user) -> dict:
    building = None
    unit, room = (values.unit or "").strip(), (values.room or "").strip()
    address_text = (values.address_text or "").strip()
    if values.building_id:
        building = db.session.get(Building, values.building_id)
        if building is None or building.grid_id != grid.id:
            raise RegistryError(_("请选择本网格内的楼栋。"), "building_id")
        if not room:
            raise RegistryError(_("请填写房号。"), "room")
        same = select(House.id).where(House.building_id == building.id, House.unit == unit, House.room == room)
    elif not address_text:
        raise RegistryError(_("请选择楼栋，或填写地址（农村住户）。"), "address_text")
    else:
        same = select(House.id).where(
            House.grid_id == grid.id, House.building_id.is_(None), House.address_text == address_text
        )
    if house is not None:
        same = same.where(House.id != house.id)
    # Unit and room may be empty (NULL), which a unique constraint would not compare.
    serialize("house", grid.id)
    if db.session.scalar(same.limit(1)) is not None:
        raise RegistryError(_("该房屋已经登记，请勿重复登记。"), "room" if building is not None else "address_text")
    if values.use not in HOUSE_USES:
        raise RegistryError(_("请从列表中选择。"), "use")
    if values.area_m2 is not None and not Decimal("0") < values.area_m2 < Decimal("100000"):
        raise RegistryError(_("面积应大于 0 且小于 100000 平方米。"), "area_m2")
    owner_id, owner_name, owner_phone = linked_person(
        values.owner or PersonValues(),
        house.owner_resident_id if house else None,
        user,
        "owner",
        _("请填写房主的证件号码（已登记人员），或房主姓名。"),
    )
    return {
        "building_id": building.id if building else None,
        "unit": unit if building else "",
        "room": room if building else "",
        "address_text": "" if building else address_text,
        "use": values.use,
        "owner_resident_id": owner_id,
        "owner_name": owner_name,
        "owner_phone": owner_phone,
        "area_m2": values.area_m2,
        "note": (values.note or "").strip(),
    }


def create_house(values: HouseValues, grid: Division, *, user) -> House:
    require_grid(grid)
    house = House(grid_id=grid.id, **_clean_house(values, grid, None, user))
    db.session.add(house)
    db.session.flush()
    db.session.refresh(house, ["building"])
    audit.record("house_created", target=house, actor=user, summary=house_address(house))
    return house


def update_house(house: House, values: HouseValues, *, user) -> bool:
    cleaned = _clean_house(values, house.grid, house, user)
    changed = changed_fields(house, cleaned)
    for key in changed:
        setattr(house, key, cleaned[key])
    if changed:
        db.session.flush()
        db.session.refresh(house, ["building", "owner"])
        audit.record(
            "house_updated", target=house, actor=user, summary=house_address(house), detail={"fields": changed}
        )
    return bool(changed)


# --- Rentals ---------------------------------------------------------------------------


@dataclass
class RentalValues:
    landlord: PersonValues = None  # type: ignore[assignment]
    start_date: date | None = None
    end_date: date | None = None
    agreement_signed: bool = False
    agreement_date: date | None = None
    note: str = ""


def _clean_rental(values: RentalValues, current_landlord_id: int | None, user) -> dict:
    if values.start_date is None:
        raise RegistryError(_("此项为必填项。"), "start_date")
    if values.end_date is not None and values.end_date < values.start_date:
        raise RegistryError(_("到期日期不能早于起租日期。"), "end_date")
    agreement_date = None
    if values.agreement_signed:
        agreement_date = values.agreement_date
        if agreement_date is None:
            raise RegistryError(_("已签治安责任书的，请填写签订日期。"), "agreement_date")
        if agreement_date > local_today():
            raise RegistryError(_("日期不能晚于今天。"), "agreement_date")
    landlord_id, landlord_name, landlord_phone = linked_person(
        values.landlord or PersonValues(),
        current_landlord_id,
        user,
        "landlord",
        _("请填写出租人的证件号码（已登记人员），或出租人姓名。"),
    )
    return {
        "landlord_resident_id": landlord_id,
        "landlord_name": landlord_name,
        "landlord_phone": landlord_phone,
        "start_date": values.start_date,
        "end_date": values.end_date,
        "agreement_signed": bool(values.agreement_signed),
        "agreement_date": agreement_date,
        "note": (values.note or "").strip(),
    }


def create_rental(house: House, values: RentalValues, *, user) -> Rental:
    """A letting of the house; the house is now used for rent. With no landlord
    given, a registered owner of the house is the landlord."""
    rental = Rental(house=house, grid_id=house.grid_id, **_clean_rental(values, house.owner_resident_id, user))
    house.use = "rent"
    db.session.add(rental)
    db.session.flush()
    audit.record("rental_created", target=rental, actor=user, summary=house_address(house))
    return rental


def update_rental(rental: Rental, values: RentalValues, *, user) -> bool:
    cleaned = _clean_rental(values, rental.landlord_resident_id, user)
    changed = changed_fields(rental, cleaned)
    for key in changed:
        setattr(rental, key, cleaned[key])
    if changed:
        audit.record(
            "rental_updated", target=rental, actor=user, summary=house_address(rental.house), detail={"fields": changed}
        )
    return bool(changed)


def add_tenant(rental: Rental, id_number: str, *, user) -> RentalTenant:
    """A registered resident the user may see, found by their full ID number."""
    resident = find_visible_resident(id_number, user)
    if resident is None:
        raise RegistryError(str(NOT_FOUND), "id_number")
    if any(t.resident_id == resident.id for t in rental.tenants):
        raise RegistryError(_("该人员已是本出租房屋的租户。"), "id_number")
    tenant = RentalTenant(rental=rental, resident_id=resident.id)
    db.session.add(tenant)
    db.session.flush()
    audit.record("tenant_added", target=rental, actor=user, summary=f"{house_address(rental.house)} {resident.name}")
    return tenant


def remove_tenant(tenant: RentalTenant, *, user) -> None:
    rental = tenant.rental
    audit.record(
        "tenant_removed", target=rental, actor=user, summary=f"{house_address(rental.house)} {tenant.resident.name}"
    )
    rental.tenants.remove(tenant)
    db.session.flush()


# --- Exports ---------------------------------------------------------------------------


def house_row(house: House) -> dict:
    return {
        "grid": house.grid.name,
        "address": house_address(house),
        "use": label(HOUSE_USES, house.use),
        "owner": person_name(house.owner, house.owner_name),
        "owner_phone": mask_phone(person_phone(house.owner, house.owner_phone)),
        "area": house.area_m2,
        "rentals": sum(not rental_expired(r) for r in house.rentals),
        "note": house.note,
    }


def rental_row(rental: Rental, today: date) -> dict:
    return {
        "grid": rental.house.grid.name,
        "address": house_address(rental.house),
        "landlord": person_name(rental.landlord, rental.landlord_name),
        "landlord_phone": mask_phone(person_phone(rental.landlord, rental.landlord_phone)),
        "start": rental.start_date,
        "end": rental.end_date,
        "term": str(_("已到期")) if rental_expired(rental, today) else str(_("在租")),
        "agreement": str(_("已签")) if rental.agreement_signed else str(_("未签")),
        "agreement_date": rental.agreement_date,
        "tenant_count": len(rental.tenants),
        "tenants": "; ".join(
            f"{t.resident.name} {mask_id_number(t.resident.id_number)}".strip() for t in rental.tenants
        ),
    }

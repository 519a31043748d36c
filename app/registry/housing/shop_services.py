"""Rules of the shop register (商铺): licence, operator, the house it trades from and
its 门前三包 duty. The operator is linked when the user may see them (found by full ID
number within the user's scope), otherwise kept as a name and phone, as for the
housing registers (app.registry.housing.services). Every write is audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth import audit
from app.core.identity import check_credit_code, normalise_text_digits
from app.core.masking import mask_phone
from app.extensions import db
from app.org.models import Division
from app.registry.housing.models import House, Shop
from app.registry.housing.services import (
    PersonValues,
    changed_fields,
    house_address,
    label,
    linked_person,
    person_name,
    person_phone,
    require_grid,
)
from app.registry.people.services import RegistryError

SHOP_STATUSES = {"open": _l("营业中"), "closed": _l("已停业")}
BUSINESS_TYPES = {
    "catering": _l("餐饮"),
    "retail": _l("零售"),
    "accommodation": _l("住宿"),
    "services": _l("生活服务"),
    "entertainment": _l("娱乐场所"),
    "repair": _l("维修"),
    "education": _l("教育培训"),
    "medical": _l("医药卫生"),
    "other": _l("其他"),
}
LICENCE_MAX = 32


def shop_address(shop: Shop) -> str:
    return shop.address or house_address(shop.house)


@dataclass
class ShopValues:
    name: str = ""
    business_type: str = "other"
    licence_number: str = ""
    operator: PersonValues = None  # type: ignore[assignment]
    house_id: int | None = None
    address: str = ""
    frontage_duty_signed: bool = False
    frontage_duty_note: str = ""
    status: str = "open"
    note: str = ""


def clean_licence(value: str | None) -> str:
    """营业执照号: 18 characters must be a valid unified social credit code; older
    registration numbers are kept as typed (up to 32 characters)."""
    number = normalise_text_digits(value, upper=True)
    if len(number) == 18:
        check = check_credit_code(number)
        if check.error:
            raise RegistryError(check.error, "licence_number")
        return check.number
    if len(number) > LICENCE_MAX:
        raise RegistryError(_("营业执照号不能超过 %(n)d 个字符。", n=LICENCE_MAX), "licence_number")
    return number


def _clean_shop(values: ShopValues, grid: Division, shop: Shop | None, user) -> dict:
    name = (values.name or "").strip()
    if not name:
        raise RegistryError(_("此项为必填项。"), "name")
    if values.business_type not in BUSINESS_TYPES:
        raise RegistryError(_("请从列表中选择。"), "business_type")
    if values.status not in SHOP_STATUSES:
        raise RegistryError(_("请从列表中选择。"), "status")
    house = None
    if values.house_id:
        house = db.session.get(House, values.house_id)
        if house is None or house.grid_id != grid.id:
            raise RegistryError(_("请选择本网格内的房屋。"), "house_id")
    address = (values.address or "").strip()
    if house is None and not address:
        raise RegistryError(_("请选择房屋，或填写经营地址。"), "address")
    operator_id, operator_name, operator_phone = linked_person(
        values.operator or PersonValues(),
        shop.operator_resident_id if shop else None,
        user,
        "operator",
        _("请填写经营者的证件号码（已登记人员），或经营者姓名。"),
    )
    return {
        "name": name[:100],
        "business_type": values.business_type,
        "licence_number": clean_licence(values.licence_number),
        "house_id": house.id if house else None,
        "address": address,
        "operator_resident_id": operator_id,
        "operator_name": operator_name,
        "operator_phone": operator_phone,
        "frontage_duty_signed": bool(values.frontage_duty_signed),
        "frontage_duty_note": (values.frontage_duty_note or "").strip(),
        "status": values.status,
        "note": (values.note or "").strip(),
    }


def mark_shop_house(shop: Shop) -> None:
    """A house that holds an open shop is used as a shop (unless it is let)."""
    if shop.house is not None and shop.status == "open" and shop.house.use in ("own", "vacant", "other"):
        shop.house.use = "shop"


def create_shop(values: ShopValues, grid: Division, *, user) -> Shop:
    require_grid(grid)
    shop = Shop(grid_id=grid.id, **_clean_shop(values, grid, None, user))
    db.session.add(shop)
    db.session.flush()
    db.session.refresh(shop, ["house"])
    mark_shop_house(shop)
    audit.record("shop_created", target=shop, actor=user, summary=shop.name)
    return shop


def update_shop(shop: Shop, values: ShopValues, *, user) -> bool:
    cleaned = _clean_shop(values, shop.grid, shop, user)
    changed = changed_fields(shop, cleaned)
    for key in changed:
        setattr(shop, key, cleaned[key])
    if changed:
        db.session.flush()
        db.session.refresh(shop, ["house"])
        mark_shop_house(shop)
        audit.record("shop_updated", target=shop, actor=user, summary=shop.name, detail={"fields": changed})
    return bool(changed)


def shop_row(shop: Shop) -> dict:
    return {
        "grid": shop.grid.name,
        "name": shop.name,
        "business_type": label(BUSINESS_TYPES, shop.business_type),
        "licence": shop.licence_number,
        "operator": person_name(shop.operator, shop.operator_name),
        "operator_phone": mask_phone(person_phone(shop.operator, shop.operator_phone)),
        "address": shop_address(shop),
        "duty": str(_("已签")) if shop.frontage_duty_signed else str(_("未签")),
        "duty_note": shop.frontage_duty_note,
        "status": label(SHOP_STATUSES, shop.status),
    }

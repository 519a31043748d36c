"""商铺搬迁: a shop moving to a new address, possibly in another grid, is a dated
population change (动态信息, docs/domain.md: "households or shops moving") by a named
user. The shop register is updated, the event keeps the old and the new address
and grid, and it shows in the change feed of both grids. Correcting a mistyped
address stays an ordinary edit of the shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import audit
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.registry.housing.models import House, Shop
from app.registry.housing.services import require_grid
from app.registry.housing.shop_services import mark_shop_house, shop_address
from app.registry.people.models import PopulationEvent
from app.registry.people.services import RegistryError, record_event

ADDRESS_MAX = 200
NOTE_MAX = 2000


@dataclass
class ShopMoveValues:
    house_id: int | None = None
    address: str = ""
    day: date | None = None
    note: str = ""


def shop_snapshot(shop: Shop) -> dict:
    """What a move changes, as the feed shows it: the grid by name (the grid left may
    not see the new one) and the address as text."""
    return {"grid": shop.grid.name, "shop_address": shop_address(shop), "house_id": shop.house_id}


def _free_house(house: House | None, shop: Shop) -> None:
    """The premises left behind stand empty, unless another open shop is still there
    or the house is used otherwise (let, lived in)."""
    if house is None or house.id == shop.house_id or house.use != "shop":
        return
    others = db.session.scalar(
        select(Shop.id).where(Shop.house_id == house.id, Shop.status == "open", Shop.id != shop.id).limit(1)
    )
    if others is None:
        house.use = "vacant"


def move_shop(shop: Shop, grid: Division, values: ShopMoveValues, *, user=None) -> PopulationEvent:
    """Move an open shop to a house of `grid` or to a typed address there."""
    if shop.status != "open":
        raise RegistryError(_("已停业的商铺不能登记搬迁。"))
    require_grid(grid)
    if values.day is None:
        raise RegistryError(_("此项为必填项。"), "day")
    if values.day > local_today():
        raise RegistryError(_("日期不能晚于今天。"), "day")
    house = None
    if values.house_id:
        house = db.session.get(House, values.house_id)
        if house is None or house.grid_id != grid.id:
            raise RegistryError(_("请选择迁往网格内的房屋。"), "house_id")
    address = (values.address or "").strip()
    if len(address) > ADDRESS_MAX:
        raise RegistryError(_("不能超过 %(n)d 个字。", n=ADDRESS_MAX), "address")
    if house is None and not address:
        raise RegistryError(_("请选择房屋，或填写新的经营地址。"), "address")
    if grid.id == shop.grid_id and (house.id if house else None) == shop.house_id and address == shop.address:
        raise RegistryError(_("新地址与现经营地址相同。"), "address")
    note = (values.note or "").strip()[:NOTE_MAX]

    before, old_house, old_grid_id = shop_snapshot(shop), shop.house, shop.grid_id
    shop.grid_id, shop.house_id, shop.address = grid.id, house.id if house else None, address
    db.session.flush()
    db.session.refresh(shop, ["house", "grid"])
    mark_shop_house(shop)
    _free_house(old_house, shop)
    event = record_event(
        "shop_moved",
        grid.id,
        occurred_on=values.day,
        shop=shop,
        from_grid_id=old_grid_id if old_grid_id != grid.id else None,
        before=before,
        after=shop_snapshot(shop),
        note=note,
        user=user,
    )
    audit.record(
        "shop_moved",
        target=shop,
        actor=user,
        summary=shop.name,
        detail={"from_grid_id": old_grid_id, "to_grid_id": grid.id},
    )
    db.session.flush()
    return event

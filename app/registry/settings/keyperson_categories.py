"""Rules for the county's list of key-person categories (重点人员类别), kept by county
administrators: name, description, how often the grid must follow up, in use or not.

A category's own fields (矫正起始日期, 监护人 …) are data seeded with the six
categories of the source documents; this page does not edit them, so a category
added here carries the common fields only (risk level, start date, responsible
staff member, note, follow-up log)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth import audit
from app.core.forms import RuleError
from app.extensions import db
from app.registry.keypersons.models import KeyPerson, KeyPersonCategory

NAME_MAX = 32
DESCRIPTION_MAX = 500
FOLLOW_UP_DAYS = (1, 365)
CUSTOM_PREFIX = "custom"


class CategoryError(RuleError):
    """A rule of the category list refused the change."""


@dataclass
class CategoryValues:
    name: str
    description: str = ""
    follow_up_days: int | None = 30


def _clean(values: CategoryValues, existing_id: int | None) -> dict:
    name = (values.name or "").strip()
    if not name:
        raise CategoryError(_("此项为必填项。"), "name")
    if len(name) > NAME_MAX:
        raise CategoryError(_("不能超过 %(n)d 个字。", n=NAME_MAX), "name")
    twin = db.session.scalar(select(KeyPersonCategory.id).where(KeyPersonCategory.name == name))
    if twin is not None and twin != existing_id:
        raise CategoryError(_("已有同名类别。"), "name")
    description = (values.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise CategoryError(_("不能超过 %(n)d 个字。", n=DESCRIPTION_MAX), "description")
    low, high = FOLLOW_UP_DAYS
    if values.follow_up_days is None or not low <= values.follow_up_days <= high:
        raise CategoryError(_("请填写 %(low)d 到 %(high)d 之间的整数。", low=low, high=high), "follow_up_days")
    return {"name": name, "description": description, "follow_up_days": values.follow_up_days}


def _next_code() -> str:
    """custom1, custom2 …: codes are internal and never reused."""
    codes = db.session.scalars(select(KeyPersonCategory.code).where(KeyPersonCategory.code.startswith(CUSTOM_PREFIX)))
    taken = [int(code[len(CUSTOM_PREFIX) :]) for code in codes if code[len(CUSTOM_PREFIX) :].isdigit()]
    return f"{CUSTOM_PREFIX}{max(taken, default=0) + 1}"


def add_category(values: CategoryValues, *, user=None) -> KeyPersonCategory:
    """A new category, in use at once, with the common fields only."""
    category = KeyPersonCategory(code=_next_code(), fields=[], is_active=True, **_clean(values, None))
    db.session.add(category)
    db.session.flush()
    audit.record(
        "key_person_category_added",
        target=category,
        actor=user,
        summary=category.name,
        detail={"follow_up_days": category.follow_up_days},
    )
    return category


def update_category(category: KeyPersonCategory, values: CategoryValues, *, user=None) -> bool:
    """Rename, describe or change the follow-up interval; audited with before and after.
    Listings keep their category; their next due date follows the new interval unless
    their latest follow-up named a date of its own."""
    after = _clean(values, category.id)
    before = {key: getattr(category, key) for key in after}
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return False
    for key in changed:
        setattr(category, key, after[key])
    audit.record(
        "key_person_category_updated",
        target=category,
        actor=user,
        summary=category.name,
        detail={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}},
    )
    db.session.flush()
    return True


def set_category_active(category: KeyPersonCategory, active: bool, *, user=None) -> None:
    """A category out of use is no longer offered for new listings; people already
    listed under it stay listed, with their follow-ups."""
    if category.is_active == active:
        return
    category.is_active = active
    audit.record(
        "key_person_category_enabled" if active else "key_person_category_disabled",
        target=category,
        actor=user,
        summary=category.name,
    )
    db.session.flush()


def active_listing_counts() -> dict[int, int]:
    """How many people are listed under each category now (a count, no names)."""
    return dict(
        db.session.execute(
            select(KeyPerson.category_id, func.count())
            .where(KeyPerson.status == "active")
            .group_by(KeyPerson.category_id)
        ).all()
    )

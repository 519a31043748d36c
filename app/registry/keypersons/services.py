"""Rules of the key-person register (重点人员/特殊人群): listing a resident under a
category with that category's own fields, the follow-up log (帮教/帮扶/管控) and when
the next contact is due, closing a listing.

When is a key person overdue? Each follow-up names its next due date; before the
first follow-up, the first contact is due `category.follow_up_days` after the start
date. A listing is overdue when that date is before today. The same rule exists
twice: in Python for one record (`due_date`) and in SQL for the list filter
(`overdue_condition`); a test keeps them in step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select

from app.auth import audit
from app.core.forms import RuleError
from app.core.timeutil import local_today
from app.extensions import db
from app.registry.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory
from app.registry.people.models import Resident

RISK_LEVELS = {"low": _l("低"), "medium": _l("中"), "high": _l("高")}
FOLLOW_UP_KINDS = {"education": _l("帮教"), "assistance": _l("帮扶"), "control": _l("管控")}
STATUSES = {"active": _l("在管"), "closed": _l("已解除")}
FIELD_TYPES = ("text", "date", "textarea")
MAX_TEXT = {"text": 200, "date": 10, "textarea": 2000}


class KeyPersonError(RuleError):
    """A rule of the key-person register refused the change."""


def label(mapping: dict, code: str | None) -> str:
    return str(mapping[code]) if code in mapping else (code or "")


def detail_field_name(key: str) -> str:
    """The form field that carries one of a category's own fields."""
    return f"detail_{key}"


def category_fields(category: KeyPersonCategory | None) -> list[dict]:
    """The category's field specs, skipping malformed ones (the list is data)."""
    if category is None:
        return []
    return [
        spec
        for spec in (category.fields or [])
        if isinstance(spec, dict) and spec.get("key") and spec.get("type", "text") in FIELD_TYPES
    ]


def active_categories() -> list[KeyPersonCategory]:
    return list(
        db.session.scalars(select(KeyPersonCategory).where(KeyPersonCategory.is_active).order_by(KeyPersonCategory.id))
    )


# --- Listing a person ------------------------------------------------------------------


@dataclass
class KeyPersonValues:
    risk_level: str = "low"
    start_date: date | None = None
    responsible_staff_id: int | None = None
    note: str = ""
    # Raw text per category field key, as typed.
    details: dict[str, str] = field(default_factory=dict)


def clean_details(category: KeyPersonCategory, raw: dict[str, str]) -> dict[str, str]:
    """The category's fields as stored: trimmed text, dates as YYYY-MM-DD. A value
    that is not a date raises at its own field."""
    cleaned = {}
    for spec in category_fields(category):
        key, kind = spec["key"], spec.get("type", "text")
        value = (raw.get(key) or "").strip()
        if kind == "date" and value:
            try:
                value = date.fromisoformat(value.replace("/", "-").replace(".", "-")).isoformat()
            except ValueError:
                raise KeyPersonError(_("请输入有效日期，格式为 YYYY-MM-DD。"), detail_field_name(key)) from None
        if len(value) > MAX_TEXT[kind]:
            raise KeyPersonError(_("不能超过 %(n)d 个字。", n=MAX_TEXT[kind]), detail_field_name(key))
        if value:
            cleaned[key] = value
    return cleaned


def _check_values(values: KeyPersonValues) -> None:
    if values.risk_level not in RISK_LEVELS:
        raise KeyPersonError(_("请从列表中选择。"), "risk_level")
    if values.start_date is None:
        raise KeyPersonError(_("此项为必填项。"), "start_date")
    if values.start_date > local_today():
        raise KeyPersonError(_("列管日期不能晚于今天。"), "start_date")


def _refuse_duplicate(resident: Resident, category: KeyPersonCategory) -> None:
    """A resident may carry several categories, but each only once at a time."""
    twin = db.session.scalar(
        select(KeyPerson.id).where(
            KeyPerson.resident_id == resident.id, KeyPerson.category_id == category.id, KeyPerson.status == "active"
        )
    )
    if twin is not None:
        raise KeyPersonError(
            _("该人员已在“%(category)s”类别中列管，不能重复列入。", category=category.name), "category_id"
        )


def create_key_person(
    resident: Resident, category: KeyPersonCategory, values: KeyPersonValues, *, user=None
) -> KeyPerson:
    """List a resident under a category; the listing lives in the resident's grid."""
    if resident.status != "active":
        raise KeyPersonError(_("该人员已不在册，不能列为重点人员。"))
    if category is None or not category.is_active:
        raise KeyPersonError(_("请从列表中选择。"), "category_id")
    _check_values(values)
    details = clean_details(category, values.details)
    _refuse_duplicate(resident, category)
    key_person = KeyPerson(
        resident_id=resident.id,
        category=category,
        grid_id=resident.grid_id,
        risk_level=values.risk_level,
        start_date=values.start_date,
        details=details,
        responsible_staff_id=values.responsible_staff_id or None,
        note=(values.note or "").strip(),
        status="active",
    )
    db.session.add(key_person)
    db.session.flush()
    # By record number and category only: the audit log identifies nobody.
    audit.record("key_person_created", target=key_person, actor=user, summary=category.name)
    return key_person


def update_key_person(key_person: KeyPerson, values: KeyPersonValues, *, user=None) -> list[str]:
    """Correct a listing (its category stays); returns the names of what changed."""
    _check_values(values)
    assert values.start_date is not None  # _check_values refuses a missing date
    first = min((f.follow_up_date for f in key_person.follow_ups), default=None)
    if first is not None and values.start_date > first:
        raise KeyPersonError(_("列管日期不能晚于第一次跟进（%(day)s）。", day=first.isoformat()), "start_date")
    if key_person.end_date is not None and values.start_date > key_person.end_date:
        raise KeyPersonError(_("列管日期不能晚于解除日期。"), "start_date")
    new = {
        "risk_level": values.risk_level,
        "start_date": values.start_date,
        "responsible_staff_id": values.responsible_staff_id or None,
        "note": (values.note or "").strip(),
        "details": clean_details(key_person.category, values.details),
        # Kept in step with the resident (scoping follows the grid).
        "grid_id": key_person.resident.grid_id,
    }
    changed = [key for key, value in new.items() if getattr(key_person, key) != value]
    for key in changed:
        setattr(key_person, key, new[key])
    if changed:
        audit.record(
            "key_person_updated",
            target=key_person,
            actor=user,
            summary=key_person.category.name,
            detail={"fields": changed},
        )
    return changed


def close_key_person(key_person: KeyPerson, end_date: date | None, reason: str = "", *, user=None) -> None:
    """解除列管: the listing ends on a date; its history stays."""
    if key_person.status != "active":
        raise KeyPersonError(_("该人员已解除列管。"))
    if end_date is None:
        raise KeyPersonError(_("此项为必填项。"), "end_date")
    if end_date < key_person.start_date:
        raise KeyPersonError(
            _("解除日期不能早于列管日期（%(day)s）。", day=key_person.start_date.isoformat()), "end_date"
        )
    if end_date > local_today():
        raise KeyPersonError(_("解除日期不能晚于今天。"), "end_date")
    reason = (reason or "").strip()
    key_person.status, key_person.end_date, key_person.end_reason = "closed", end_date, reason[:200]
    audit.record(
        "key_person_closed",
        target=key_person,
        actor=user,
        summary=f"{key_person.category.name} {end_date.isoformat()} {reason}".strip(),
    )


# --- Follow-ups ------------------------------------------------------------------------


@dataclass
class FollowUpValues:
    follow_up_date: date | None
    kind: str
    performed_by: str
    content: str
    next_due_date: date | None = None


def default_next_due(key_person: KeyPerson, day: date) -> date:
    return day + timedelta(days=key_person.category.follow_up_days)


def _clean_follow_up(key_person: KeyPerson, values: FollowUpValues) -> dict:
    day = values.follow_up_date
    if day is None:
        raise KeyPersonError(_("此项为必填项。"), "follow_up_date")
    if day > local_today():
        raise KeyPersonError(_("跟进日期不能晚于今天。"), "follow_up_date")
    if day < key_person.start_date:
        raise KeyPersonError(
            _("跟进日期不能早于列管日期（%(day)s）。", day=key_person.start_date.isoformat()), "follow_up_date"
        )
    if key_person.end_date is not None and day > key_person.end_date:
        raise KeyPersonError(_("跟进日期不能晚于解除日期。"), "follow_up_date")
    if values.kind not in FOLLOW_UP_KINDS:
        raise KeyPersonError(_("请从列表中选择。"), "kind")
    performed_by = (values.performed_by or "").strip()
    if not performed_by:
        raise KeyPersonError(_("此项为必填项。"), "performed_by")
    content = (values.content or "").strip()
    if not content:
        raise KeyPersonError(_("此项为必填项。"), "content")
    next_due = values.next_due_date or default_next_due(key_person, day)
    if next_due <= day:
        raise KeyPersonError(_("下次跟进日期须晚于本次跟进日期。"), "next_due_date")
    return {
        "follow_up_date": day,
        "kind": values.kind,
        "performed_by": performed_by[:64],
        "content": content,
        "next_due_date": next_due,
    }


def add_follow_up(key_person: KeyPerson, values: FollowUpValues, *, user=None) -> FollowUp:
    if key_person.status != "active":
        raise KeyPersonError(_("已解除列管的人员不能再添加跟进记录。"))
    follow_up = FollowUp(
        key_person=key_person, recorded_by_id=getattr(user, "id", None), **_clean_follow_up(key_person, values)
    )
    db.session.add(follow_up)
    db.session.flush()
    db.session.expire(key_person, ["follow_ups"])
    audit.record(
        "follow_up_added",
        target=follow_up,
        actor=user,
        summary=f"{key_person.category.name} {follow_up.follow_up_date.isoformat()}",
    )
    return follow_up


def update_follow_up(follow_up: FollowUp, values: FollowUpValues, *, user=None) -> list[str]:
    new = _clean_follow_up(follow_up.key_person, values)
    changed = [key for key, value in new.items() if getattr(follow_up, key) != value]
    for key in changed:
        setattr(follow_up, key, new[key])
    if changed:
        db.session.flush()
        db.session.expire(follow_up.key_person, ["follow_ups"])
        audit.record(
            "follow_up_updated",
            target=follow_up,
            actor=user,
            summary=follow_up.follow_up_date.isoformat(),
            detail={"fields": changed},
        )
    return changed


# --- Due dates -------------------------------------------------------------------------


def latest_follow_up(key_person: KeyPerson) -> FollowUp | None:
    # The relationship is ordered newest first (date, then id).
    return key_person.follow_ups[0] if key_person.follow_ups else None


def due_date(key_person: KeyPerson) -> date | None:
    """When the next contact is due; None once the listing is closed."""
    if key_person.status != "active":
        return None
    latest = latest_follow_up(key_person)
    if latest is not None and latest.next_due_date is not None:
        return latest.next_due_date
    base = latest.follow_up_date if latest is not None else key_person.start_date
    return base + timedelta(days=key_person.category.follow_up_days)


def is_overdue(key_person: KeyPerson, today: date | None = None) -> bool:
    due = due_date(key_person)
    return due is not None and due < (today or local_today())


def overdue_condition(today: date | None = None):
    """SQL for `is_overdue`, portable across SQLite and PostgreSQL: the date sum is
    unrolled per category (there are a handful) instead of using date arithmetic."""
    today = today or local_today()

    def latest(column):
        return (
            select(column)
            .where(FollowUp.key_person_id == KeyPerson.id)
            .order_by(FollowUp.follow_up_date.desc(), FollowUp.id.desc())
            .limit(1)
            .correlate(KeyPerson)
            .scalar_subquery()
        )

    latest_next, latest_date = latest(FollowUp.next_due_date), latest(FollowUp.follow_up_date)
    base = func.coalesce(latest_date, KeyPerson.start_date)
    per_category = [
        and_(KeyPerson.category_id == category_id, base < today - timedelta(days=days))
        for category_id, days in db.session.execute(select(KeyPersonCategory.id, KeyPersonCategory.follow_up_days))
    ]
    return and_(
        KeyPerson.status == "active", or_(latest_next < today, and_(latest_next.is_(None), or_(false(), *per_category)))
    )


def follow_up_timeliness(key_person: KeyPerson, today: date | None = None) -> dict[int, str]:
    """Per follow-up: "overdue" for the latest when its due date has passed, "late"
    for an earlier one whose next contact came after the date it named."""
    today = today or local_today()
    marks, newer = {}, None
    for follow_up in key_person.follow_ups:  # newest first
        due = follow_up.next_due_date
        if newer is None:
            if key_person.status == "active" and is_overdue(key_person, today):
                marks[follow_up.id] = "overdue"
        elif due is not None and newer.follow_up_date > due:
            marks[follow_up.id] = "late"
        newer = follow_up
    return marks


def details_for_display(key_person: KeyPerson) -> list[tuple[str, str]]:
    """(label, value) for the category's fields, then any stored key the category no
    longer lists (kept, not hidden)."""
    details = dict(key_person.details or {})
    rows = [
        (spec.get("label") or spec["key"], details.pop(spec["key"], ""))
        for spec in category_fields(key_person.category)
    ]
    rows.extend((key, str(value)) for key, value in details.items())
    return rows

"""Writes of the assessment: the administrators' edits of the scoring rules and the
warning cards (黄牌/红牌) town and county staff issue and withdraw. Audited; the
caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.assessment import reference
from app.assessment.models import ScoringRule, WarningCard
from app.auth import audit
from app.auth.roles import Permission, holds
from app.core.forms import RuleError
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember


def may_issue_cards(user) -> bool:
    """Town and county staff issue cards (the supervision group, as inspections)."""
    return holds(user, Permission.ISSUE_WARNING_CARDS)


@dataclass
class RuleValues:
    points: int
    cap_month: int | None
    cap_year: int | None
    applies_to_grid: bool
    applies_to_worker: bool
    is_enabled: bool


EDITABLE = ("points", "cap_month", "cap_year", "applies_to_grid", "applies_to_worker", "is_enabled")


def update_rule(rule: ScoringRule, values: RuleValues, user) -> list[str]:
    """Change a rule's points, caps, subjects and on/off; the names of what changed."""
    if values.points == 0:
        raise RuleError(_("分值不能为 0；不用的规则请停用。"), "points")
    for name in ("cap_month", "cap_year"):
        cap = getattr(values, name)
        if cap is not None and cap <= 0:
            raise RuleError(_("上限应大于 0，不设上限请留空。"), name)
    before = {name: getattr(rule, name) for name in EDITABLE}
    changed = [name for name in EDITABLE if before[name] != getattr(values, name)]
    for name in changed:
        setattr(rule, name, getattr(values, name))
    if changed:
        db.session.flush()
        audit.record(
            "scoring_rule_updated",
            target=rule,
            actor=user,
            summary=rule.name,
            detail={name: [before[name], getattr(values, name)] for name in changed},
        )
    return changed


@dataclass
class CardValues:
    grid_id: int | None
    staff_id: int | None
    colour: str
    issued_on: date | None
    reason: str


def workers_of(grid: Division, day: date) -> list[StaffMember]:
    """The grid workers assigned to the grid on the day."""
    return list(
        db.session.scalars(
            select(StaffMember)
            .join(StaffAssignment, StaffAssignment.staff_id == StaffMember.id)
            .where(
                StaffAssignment.division_id == grid.id,
                StaffAssignment.role.in_(GRID_WORKER_ROLES),
                StaffAssignment.start_date <= day,
                or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= day),
            )
            .order_by(StaffMember.name)
            .distinct()
        )
    )


def issue_card(grid: Division, values: CardValues, user, today: date) -> WarningCard:
    """A yellow or red card to the grid, or to one of its workers on the day."""
    if values.colour not in reference.CARD_COLOURS:
        raise RuleError(_("请选择黄牌或红牌。"), "colour")
    if values.issued_on is None:
        raise RuleError(_("请填写日期。"), "issued_on")
    if values.issued_on > today:
        raise RuleError(_("日期不能晚于今天。"), "issued_on")
    reason = (values.reason or "").strip()
    if not reason:
        raise RuleError(_("请写明原因。"), "reason")
    staff = None
    if values.staff_id:
        staff = next((s for s in workers_of(grid, values.issued_on) if s.id == values.staff_id), None)
        if staff is None:
            raise RuleError(_("该网格员当天不在这个网格。"), "staff_id")
    card = WarningCard(
        grid_id=grid.id,
        staff_id=staff.id if staff else None,
        colour=values.colour,
        issued_on=values.issued_on,
        reason=reason[:2000],
        issuer_id=getattr(user, "id", None),
        issuer_name=getattr(user, "display_name", "") or getattr(user, "username", ""),
    )
    db.session.add(card)
    db.session.flush()
    audit.record(
        "warning_card_issued",
        target=card,
        actor=user,
        summary=f"{reference.CARD_COLOURS[values.colour]} {grid.name}" + (f" {staff.name}" if staff else ""),
        detail={"colour": values.colour, "issued_on": values.issued_on.isoformat(), "staff_id": card.staff_id},
    )
    return card


def withdraw_card(card: WarningCard, reason: str, user, now: datetime | None = None) -> WarningCard:
    """Withdraw a card issued by mistake or overturned on appeal (撤销). It stays on
    record, marked withdrawn, and no longer counts in the scoreboards."""
    if not may_issue_cards(user):
        raise RuleError(_("只有镇（街道）和县级人员可以撤销黄牌或红牌。"))
    if card.is_withdrawn:
        raise RuleError(_("这张牌已经撤销过了。"))
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_("请写明撤销原因。"), "reason")
    card.withdrawn_at = now or utcnow()
    card.withdrawn_by_id = getattr(user, "id", None)
    card.withdrawn_by_name = getattr(user, "display_name", "") or getattr(user, "username", "")
    card.withdrawal_reason = reason[:2000]
    db.session.flush()
    staff = card.staff
    audit.record(
        "warning_card_withdrawn",
        target=card,
        actor=user,
        summary=f"{reference.CARD_COLOURS[card.colour]} {card.grid.name}" + (f" {staff.name}" if staff else ""),
        detail={
            "colour": card.colour,
            "issued_on": card.issued_on.isoformat(),
            "staff_id": card.staff_id,
            "reason": card.withdrawal_reason,
        },
    )
    return card

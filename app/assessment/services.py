"""Writes of the assessment: the administrators' edits of the scoring rules and of
the in-use date, the warning cards (黄牌/红牌) town and county staff issue and
withdraw, and the complaints about a grid chief's first contact stations record.
Audited; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask_babel import gettext as _

from app.assessment import reference
from app.assessment.models import FirstContactComplaint, ScoringRule, WarningCard
from app.auth import audit
from app.auth.models import shown_name
from app.auth.roles import Permission, holds
from app.core.forms import RuleError
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.models import Matter
from app.org.models import GRID_WORKER_ROLES, Division, StaffMember, StaffRole
from app.org.services import active_assignments

# The rule whose occurrences carry their own points (app.assessment.adjustments).
MANUAL_RULE = "manual_adjustment"


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
    """Change a rule's points, caps, subjects and on/off; the names of what changed.
    人工加减分 keeps points 0 (each record has its own) and counts for grids only; the
    units' rules count for units only (their subjects are fixed)."""
    from app.assessment.units import UNIT_RULES

    if rule.code == MANUAL_RULE:
        values = replace(values, points=0, applies_to_grid=True, applies_to_worker=False)
    elif values.points == 0:
        raise RuleError(_("分值不能为 0；不用的规则请停用。"), "points")
    if rule.code in UNIT_RULES:
        values = replace(values, applies_to_grid=False, applies_to_worker=False)
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


def _assigned(grid: Division, day: date, posts) -> list[StaffMember]:
    """The staff holding one of `posts` in the grid on the day, by name."""
    staff = {a.staff for a in active_assignments([grid.id], day) if a.role in posts}  # StaffRole values
    return sorted(staff, key=lambda member: (member.name, member.id))


def workers_of(grid: Division, day: date) -> list[StaffMember]:
    """The grid workers assigned to the grid on the day."""
    return _assigned(grid, day, GRID_WORKER_ROLES)


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
        issuer_name=shown_name(user),
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
    card.withdrawn_by_name = shown_name(user)
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


# --- 首问 complaints (跟踪问效) ----------------------------------------------------------


def may_record_complaints(user) -> bool:
    """Stations, town and county staff: those who also take the satisfaction surveys."""
    return holds(user, Permission.RECORD_SURVEYS)


def chiefs_of(grid: Division, day: date) -> list[StaffMember]:
    """The grid's chiefs (网格长) on the day."""
    return _assigned(grid, day, (StaffRole.GRID_CHIEF.value,))


@dataclass
class ComplaintValues:
    staff_id: int | None
    received_on: date | None
    content: str
    matter: Matter | None
    upheld: bool
    finding: str = ""
    training_note: str = ""


def record_complaint(grid: Division, values: ComplaintValues, user, today: date) -> FirstContactComplaint:
    if values.received_on is None:
        raise RuleError(_("请填写日期。"), "received_on")
    if values.received_on > today:
        raise RuleError(_("日期不能晚于今天。"), "received_on")
    staff = next((s for s in chiefs_of(grid, values.received_on) if s.id == values.staff_id), None)
    if staff is None:
        raise RuleError(_("请选择反映日期当天这个网格的网格长。"), "staff_id")
    if staff.user_id is not None and staff.user_id == getattr(user, "id", None):
        raise RuleError(_("不能登记对自己的反映，请由社区其他人员登记。"), "staff_id")
    content = (values.content or "").strip()
    if not content:
        raise RuleError(_("请写明居民反映的问题。"), "content")
    complaint = FirstContactComplaint(
        grid_id=grid.id,
        staff_id=staff.id,
        received_on=values.received_on,
        content=content[:2000],
        matter_id=values.matter.id if values.matter else None,
        upheld=values.upheld,
        finding=(values.finding or "").strip()[:2000],
        training_note=(values.training_note or "").strip()[:4000],
        recorded_by_id=getattr(user, "id", None),
        recorded_by_name=shown_name(user),
    )
    db.session.add(complaint)
    db.session.flush()
    audit.record(
        "first_contact_complaint_recorded",
        target=complaint,
        actor=user,
        summary=f"{grid.name} {staff.name} {reference.UPHELD[values.upheld]}",
        detail={"received_on": values.received_on.isoformat(), "staff_id": staff.id, "upheld": values.upheld},
    )
    return complaint


def update_complaint(complaint: FirstContactComplaint, upheld: bool, finding: str, training_note: str, user) -> bool:
    """The station's later finding and the chief's training note; the facts stay."""
    before = (complaint.upheld, complaint.finding, complaint.training_note)
    complaint.upheld = upheld
    complaint.finding = (finding or "").strip()[:2000]
    complaint.training_note = (training_note or "").strip()[:4000]
    if before == (complaint.upheld, complaint.finding, complaint.training_note):
        return False
    audit.record(
        "first_contact_complaint_updated",
        target=complaint,
        actor=user,
        summary=f"{complaint.grid.name} {complaint.staff.name} {reference.UPHELD[upheld]}",
        detail={"upheld_before": before[0], "upheld": upheld},
    )
    return True

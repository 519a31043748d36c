"""Where an ID number is registered, told to someone who may not see its holder.

Registering (or importing, or correcting to) an ID number that someone outside the
user's scope already holds is refused with the community and grid that hold it, so
that the two stations can sort it out. That answer locates a person: each one is
written to the audit log (`id_number_located`, the masked number only), and an
account is told the place at most `LOCATE_DAILY_LIMIT` times a local day — counted
from the audit log. Above it the refusal says only that the number is registered in
the county; the attempt is audited all the same.

A holder in the user's own scope is no locating (the user may open the record): the
place is named without counting. Outside a request (scripts on the server) the place
is named and nothing is recorded.

The refusal rolls the form's work back, so the entries are written after the view,
in a transaction of their own (`_write_entries`); if that fails, the request fails
and the answer is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g, has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import audit
from app.auth.models import AuditEvent
from app.core.masking import mask_id_number
from app.core.scoping import sees_division
from app.core.settings import setting
from app.core.timeutil import local_day_start_utc, local_today
from app.extensions import db
from app.org.models import Division
from app.registry import bp
from app.registry.people.models import Resident
from app.registry.people.rules import RegistryError

ACTION = "id_number_located"


def daily_limit() -> int:
    return setting("LOCATE_DAILY_LIMIT")


@dataclass
class _Located:
    resident_id: int
    grid_code: str | None
    place: str
    named: bool


class _Resident:
    """The audit entry's target: the holder, by id (no need to load the row)."""

    __tablename__ = Resident.__tablename__

    def __init__(self, resident_id: int):
        self.id = resident_id


def duplicate_refusal(id_number: str, resident_id: int, grid_id: int | None) -> RegistryError:
    """The refusal for an ID number that the resident `resident_id` of grid `grid_id`
    already holds: naming their community and grid, unless the account has used up
    today's answers about people outside its scope."""
    grid = db.session.get(Division, grid_id) if grid_id is not None else None
    community = grid.parent if grid is not None else None
    community_name, grid_name = community.full_name if community else "", grid.name if grid else ""
    if _names_place(id_number, resident_id, grid, f"{community_name} {grid_name}".strip()):
        return RegistryError(
            _(
                "该证件号码已登记在 %(community)s %(grid)s，请联系该工作站核实，不要重复登记。",
                community=community_name,
                grid=grid_name,
            ),
            "id_number",
        )
    return RegistryError(_("该证件号码已在本县登记，请联系县级管理员核实。"), "id_number")


def _names_place(id_number: str, resident_id: int, grid: Division | None, place: str) -> bool:
    if not has_request_context():
        return True
    if not current_user.is_authenticated:
        return False
    if grid is not None and sees_division(grid, current_user):
        return True
    located: dict[str, _Located] = g.setdefault("registry_located", {})
    if id_number in located:
        # The same number answered twice in one request (an import's repeated row).
        return located[id_number].named
    if "registry_located_before" not in g:
        # Counted when the request starts answering, written when it ends
        # (_write_entries): two requests of one account at the same moment may each
        # name a place past the limit, by at most their own answers.
        g.registry_located_before = _answered_today(current_user.id)
    named = g.registry_located_before + len(located) < daily_limit()
    located[id_number] = _Located(resident_id, grid.code if grid is not None else None, place, named)
    return named


def _answered_today(user_id: int) -> int:
    """The account's answers about people outside its scope since local midnight
    (from the audit log; once past the limit none of them named a place)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.actor_id == user_id,
                AuditEvent.action == ACTION,
                AuditEvent.occurred_at >= local_day_start_utc(local_today()),
            )
        )
        or 0
    )


@bp.after_app_request
def _write_entries(response: Response) -> Response:
    located: dict[str, _Located] = g.pop("registry_located", {})
    if not located:
        return response
    # The view rolled its work back (a refusal) or committed it: nothing is pending.
    # Committing here must not look, to app/core/once.py, like the form's own commit.
    once_committed = g.get("once_committed")
    db.session.rollback()
    for number, entry in located.items():
        masked = mask_id_number(number)
        summary = (
            f"{masked} → {entry.place}"
            if entry.named
            else _("%(number)s（已超过每日上限，未告知登记地）", number=masked)
        )
        audit.record(
            ACTION,
            target=_Resident(entry.resident_id),
            summary=summary,
            detail={"named": entry.named, "grid": entry.grid_code, "page": request.endpoint},
        )
    db.session.commit()
    if once_committed is not None:
        g.once_committed = once_committed
    return response

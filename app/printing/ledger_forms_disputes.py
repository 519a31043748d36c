"""Dispute ledgers (forms 12–13): the screenings and the mediations of dispute
matters in the scope's grids within the period. The parties are as the station
recorded them (the forms are internal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import aliased, selectinload

from app.adjustments.history import BeforeCarry, before_day, grid_then, was_in_grids
from app.core.timeutil import local_day_start_utc, to_local
from app.extensions import db
from app.matters.models import DisputeScreening, Matter, Mediation
from app.matters.reference import DISPUTE_TYPES, RISK_LEVELS, label
from app.org.models import Division
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope


def _screened_on(screening: DisputeScreening) -> str:
    return screening.screened_on.isoformat() if screening.screened_on else ""


def _reported_on(matter: Matter) -> str:
    return to_local(matter.created_at).date().isoformat() if matter.created_at else ""


# --- 12 社区矛盾纠纷不稳定因素排查登记表 -----------------------------------------------------


@dataclass(frozen=True)
class InGridThen:
    """A row with the grid its matter was in on the row's day: a dispute that a later
    split carried on, open, still prints with the grid that screened or mediated it."""

    record: Any
    grid: Division


def _in_grids_then(statement, before: BeforeCarry, scope: LedgerScope, *order_by) -> list[InGridThen]:
    grid = aliased(Division)
    rows = db.session.execute(
        statement.add_columns(grid)
        .join(grid, grid.id == grid_then("matter", Matter.id, Matter.grid_id, before))
        .where(was_in_grids("matter", Matter.id, Matter.grid_id, before, scope.grid_ids()))
        .order_by(grid.code, *order_by)
    )
    return [InGridThen(record, grid) for record, grid in rows]


def _screenings(scope: LedgerScope) -> list[InGridThen]:
    """Screenings dated in the period (undated ones: by the day the matter was reported)."""
    reported_in_period = and_(
        Matter.created_at >= local_day_start_utc(scope.start),
        Matter.created_at < local_day_start_utc(scope.end + timedelta(days=1)),
    )

    def before(carry):
        return case(
            (DisputeScreening.screened_on.is_(None), carry.effective_from > Matter.created_at),
            else_=carry.effective_on > DisputeScreening.screened_on,
        )

    return _in_grids_then(
        select(DisputeScreening)
        .join(Matter, Matter.id == DisputeScreening.matter_id)
        .where(
            or_(
                DisputeScreening.screened_on.between(scope.start, scope.end),
                and_(DisputeScreening.screened_on.is_(None), reported_in_period),
            ),
        )
        .options(selectinload(DisputeScreening.matter).selectinload(Matter.mediations)),
        before,
        scope,
        DisputeScreening.screened_on,
        Matter.number,
    )


def _resolution(matter: Matter) -> str:
    """How far the dispute is settled: the matter's state, the agreement reached in
    mediation, and the result when it closed."""
    parts = [matter.status_label]
    if any(m.agreed for m in matter.mediations):
        parts.append(_("调解达成协议"))
    if matter.result:
        parts.append(matter.result)
    return _("；").join(parts)


LEDGER_12 = Ledger(
    number=12,
    title=_l("社区矛盾纠纷不稳定因素排查登记表"),
    font_pt=9,
    columns=[
        LedgerColumn(_l("事件编号"), 25, lambda row: row.record.matter.number, system_only=True),
        LedgerColumn(_l("登记日期"), 21, lambda row: _reported_on(row.record.matter)),
        LedgerColumn(_l("网格"), 18, lambda row: row.grid.name),
        LedgerColumn(_l("当事人"), 23, lambda row: row.record.parties, lines=2),
        LedgerColumn(_l("纠纷类型"), 16, lambda row: label(DISPUTE_TYPES, row.record.dispute_type)),
        LedgerColumn(_l("风险等级"), 16, lambda row: label(RISK_LEVELS, row.record.risk_level)),
        LedgerColumn(_l("纠纷事由"), 30, lambda row: row.record.matter.description, lines=3),
        LedgerColumn(_l("不稳定因素"), 24, lambda row: row.record.instability_factors, lines=2),
        LedgerColumn(_l("排查日期"), 21, lambda row: _screened_on(row.record)),
        LedgerColumn(_l("包案责任人"), 19, lambda row: row.record.responsible_person),
        LedgerColumn(_l("化解情况"), 30, lambda row: _resolution(row.record.matter), lines=3),
    ],
    rows=_screenings,
)


# --- 13 社区矛盾纠纷调解工作记录表 -----------------------------------------------------------


def _mediations(scope: LedgerScope) -> list[InGridThen]:
    return _in_grids_then(
        select(Mediation)
        .join(Matter, Matter.id == Mediation.matter_id)
        .where(Mediation.held_on.between(scope.start, scope.end))
        .options(selectinload(Mediation.matter).selectinload(Matter.screening)),
        before_day(Mediation.held_on),
        scope,
        Mediation.held_on,
        Mediation.id,
    )


def _dispute_type(mediation: Mediation) -> str:
    screening = mediation.matter.screening
    return label(DISPUTE_TYPES, screening.dispute_type) if screening is not None else ""


def _parties(mediation: Mediation) -> str:
    screening = mediation.matter.screening
    return screening.parties if screening is not None else mediation.matter.involved_text


# One case per page (A4 portrait): the record the mediators and the parties sign. The
# columns are the record's lines; the xlsx keeps them as a list of cases.
LEDGER_13 = Ledger(
    number=13,
    title=_l("社区矛盾纠纷调解工作记录表"),
    landscape=False,
    per_record=True,
    signatures=[
        _l("当事人（签名）"),
        _l("当事人（签名）"),
        _l("调解人（签名）"),
        _l("记录人（签名）"),
        _l("调解组织（盖章）"),
    ],
    columns=[
        LedgerColumn(_l("调解日期"), 22, lambda row: row.record.held_on.isoformat()),
        LedgerColumn(_l("调解地点"), 24, lambda row: row.record.place),
        LedgerColumn(_l("事件编号"), 28, lambda row: row.record.matter.number, system_only=True),
        LedgerColumn(_l("纠纷类型"), 18, lambda row: _dispute_type(row.record)),
        LedgerColumn(_l("当事人"), 30, lambda row: _parties(row.record), lines=2),
        LedgerColumn(_l("调解人"), 26, lambda row: row.record.mediators),
        LedgerColumn(_l("纠纷事由"), 46, lambda row: row.record.matter.description, lines=4),
        LedgerColumn(_l("调解经过"), 46, lambda row: row.record.process, lines=8),
        LedgerColumn(_l("达成协议"), 18, lambda row: _l("是") if row.record.agreed else _l("否")),
        LedgerColumn(_l("协议内容"), 30, lambda row: row.record.agreement_text, lines=4),
        LedgerColumn(_l("回访情况"), 26, lambda row: row.record.follow_up, lines=3),
    ],
    rows=_mediations,
)

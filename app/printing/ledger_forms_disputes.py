"""Dispute ledgers (forms 12–13): the screenings and the mediations of dispute
matters in the scope's grids within the period. The parties are as the station
recorded them (the forms are internal)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.core.timeutil import local_day_start_utc, to_local
from app.extensions import db
from app.matters.models import DisputeScreening, Matter, Mediation
from app.matters.reference import DISPUTE_TYPES, RISK_LEVELS, label
from app.org.models import Division
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope


def _reported_on(matter: Matter) -> str:
    return to_local(matter.created_at).date().isoformat() if matter.created_at else ""


# --- 12 社区矛盾纠纷不稳定因素排查登记表 -----------------------------------------------------


def _screenings(scope: LedgerScope):
    """Screenings dated in the period (undated ones: by the day the matter was reported)."""
    reported_in_period = and_(
        Matter.created_at >= local_day_start_utc(scope.start),
        Matter.created_at < local_day_start_utc(scope.end + timedelta(days=1)),
    )
    return db.session.scalars(
        select(DisputeScreening)
        .join(Matter, Matter.id == DisputeScreening.matter_id)
        .join(Division, Division.id == Matter.grid_id)
        .where(
            Matter.grid_id.in_(scope.grid_ids()),
            or_(
                DisputeScreening.screened_on.between(scope.start, scope.end),
                and_(DisputeScreening.screened_on.is_(None), reported_in_period),
            ),
        )
        .options(selectinload(DisputeScreening.matter).selectinload(Matter.grid))
        .order_by(Division.code, DisputeScreening.screened_on, Matter.number)
    )


LEDGER_12 = Ledger(
    number=12,
    title=_l("社区矛盾纠纷不稳定因素排查登记表"),
    columns=[
        LedgerColumn(_l("事件编号"), 28, lambda s: s.matter.number),
        LedgerColumn(_l("登记日期"), 22, lambda s: _reported_on(s.matter)),
        LedgerColumn(_l("网格"), 20, lambda s: s.matter.grid.name),
        LedgerColumn(_l("当事人"), 34, lambda s: s.parties),
        LedgerColumn(_l("纠纷类型"), 18, lambda s: label(DISPUTE_TYPES, s.dispute_type)),
        LedgerColumn(_l("风险等级"), 18, lambda s: label(RISK_LEVELS, s.risk_level)),
        LedgerColumn(_l("纠纷事由"), 46, lambda s: s.matter.description),
        LedgerColumn(_l("不稳定因素"), 40, lambda s: s.instability_factors),
        LedgerColumn(_l("排查日期"), 22, lambda s: s.screened_on.isoformat() if s.screened_on else ""),
    ],
    rows=_screenings,
)


# --- 13 社区矛盾纠纷调解工作记录表 -----------------------------------------------------------


def _mediations(scope: LedgerScope):
    return db.session.scalars(
        select(Mediation)
        .join(Matter, Matter.id == Mediation.matter_id)
        .join(Division, Division.id == Matter.grid_id)
        .where(Matter.grid_id.in_(scope.grid_ids()), Mediation.held_on.between(scope.start, scope.end))
        .options(selectinload(Mediation.matter).selectinload(Matter.screening))
        .order_by(Division.code, Mediation.held_on, Mediation.id)
    )


def _parties(mediation: Mediation) -> str:
    screening = mediation.matter.screening
    return screening.parties if screening is not None else mediation.matter.involved_text


LEDGER_13 = Ledger(
    number=13,
    title=_l("社区矛盾纠纷调解工作记录表"),
    columns=[
        LedgerColumn(_l("调解日期"), 22, lambda m: m.held_on.isoformat()),
        LedgerColumn(_l("事件编号"), 28, lambda m: m.matter.number),
        LedgerColumn(_l("当事人"), 30, _parties),
        LedgerColumn(_l("调解人"), 26, lambda m: m.mediators),
        LedgerColumn(_l("调解地点"), 24, lambda m: m.place),
        LedgerColumn(_l("调解经过"), 46, lambda m: m.process),
        LedgerColumn(_l("达成协议"), 18, lambda m: _l("是") if m.agreed else _l("否")),
        LedgerColumn(_l("协议内容"), 30, lambda m: m.agreement_text),
        LedgerColumn(_l("回访情况"), 26, lambda m: m.follow_up),
    ],
    rows=_mediations,
)

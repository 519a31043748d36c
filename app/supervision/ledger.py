"""Ledger 15, 督导台帐 (docs/domain.md: every point supervised 1–2 times a month with a
supervision ledger): one row per problem found in the scope's grids in the period,
with its deadline and the last re-check; an inspection that found nothing prints as
one row saying so. Registered with the ledger machinery of app.printing."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from app.adjustments.history import before_day, grid_then, was_in_grids
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope
from app.supervision.inspections import rectification_status, status_label
from app.supervision.models import Inspection, Rectification


@dataclass
class SupervisionRow:
    inspection: Inspection
    rectification: Rectification | None
    # The grid the inspection was in on its day (one a later split carried on, open,
    # still prints with the grid it was done in).
    grid: Division

    @property
    def problem(self) -> str:
        return self.rectification.problem if self.rectification else str(_l("未发现问题"))

    @property
    def deadline(self) -> str:
        return self.rectification.deadline.isoformat() if self.rectification else ""

    @property
    def recheck(self) -> str:
        if self.rectification is None or not self.rectification.rechecks:
            return ""
        last = self.rectification.rechecks[-1]
        result = _l("通过") if last.passed else _l("未通过")
        return f"{last.checked_on.isoformat()} {result} {last.note}".strip()

    @property
    def status(self) -> str:
        if self.rectification is None:
            return ""
        return status_label(rectification_status(self.rectification, local_today()))


def _rows(scope: LedgerScope) -> list[SupervisionRow]:
    then = before_day(Inspection.inspected_on)
    grid = aliased(Division)
    inspections = db.session.execute(
        select(Inspection, grid)
        .join(grid, grid.id == grid_then("inspection", Inspection.id, Inspection.grid_id, then))
        .where(
            was_in_grids("inspection", Inspection.id, Inspection.grid_id, then, scope.grid_ids()),
            Inspection.inspected_on.between(scope.start, scope.end),
        )
        .options(
            selectinload(Inspection.shop),
            selectinload(Inspection.organisation),
            selectinload(Inspection.rectifications).selectinload(Rectification.rechecks),
        )
        .order_by(grid.code, Inspection.inspected_on, Inspection.id)
    )
    rows = []
    for inspection, grid_then_ in inspections:
        rows.extend(SupervisionRow(inspection, r, grid_then_) for r in inspection.rectifications)
        if not inspection.rectifications:
            rows.append(SupervisionRow(inspection, None, grid_then_))
    return rows


LEDGER_15 = Ledger(
    number=15,
    title=_l("督导台帐"),
    columns=[
        LedgerColumn(_l("检查日期"), 22, lambda r: r.inspection.inspected_on.isoformat()),
        LedgerColumn(_l("网格"), 22, lambda r: r.grid.name),
        LedgerColumn(_l("检查点位"), 22, lambda r: r.inspection.point_name),
        LedgerColumn(_l("检查人员"), 24, lambda r: r.inspection.inspectors),
        LedgerColumn(_l("检查内容"), 34, lambda r: r.inspection.items_checked, lines=2),
        LedgerColumn(_l("发现问题"), 40, lambda r: r.problem, lines=3),
        LedgerColumn(_l("整改期限"), 22, lambda r: r.deadline),
        LedgerColumn(_l("回头看"), 40, lambda r: r.recheck, lines=2),
        LedgerColumn(_l("整改状态"), 20, lambda r: r.status),
    ],
    rows=_rows,
    note=_l("每个点位每月督导 1–2 次；发现的问题逐条列出，回头看一栏为最近一次复查。"),
)

"""The ledger definitions, one per form of the work manual; titles and columns are
those of the paper forms. Form 6 is here; the others are in ledger_forms_area (1–5,
14), ledger_forms_people (7–11) and ledger_forms_disputes (12–13), and the
supervision ledger (15) in app/supervision/ledger.py. app/printing/ledgers.py lists
them all in one place (`all_ledgers`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.core.identity import age_on
from app.core.timeutil import local_today
from app.extensions import db
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope
from app.registry.people.models import HouseholdMember, Resident


def _floating_residents(scope: LedgerScope):
    """Floating and overseas people living in the area during the period."""
    statement = (
        select(Resident)
        .where(
            Resident.grid_id.in_(scope.grid_ids()),
            Resident.population_type.in_(("floating", "overseas")),
            or_(Resident.status == "active", Resident.updated_at >= scope.start),
        )
        .options(
            selectinload(Resident.grid), selectinload(Resident.memberships).selectinload(HouseholdMember.household)
        )
        .order_by(Resident.grid_id, Resident.name, Resident.id)
    )
    return db.session.scalars(statement)


LEDGER_6 = Ledger(
    number=6,
    title=_l("社区流动人口登记表"),
    columns=[
        LedgerColumn(_l("姓名"), 18, lambda r: r.name),
        LedgerColumn(_l("性别"), 12, lambda r: r.sex_label),
        LedgerColumn(_l("年龄"), 12, lambda r: age_on(r.birth_date, local_today()) if r.birth_date else ""),
        LedgerColumn(_l("证件号码"), 36, lambda r: r.masked_id),
        LedgerColumn(_l("户籍地址"), 45, lambda r: r.registered_address, lines=2),
        LedgerColumn(
            _l("现住地址"),
            42,
            lambda r: r.current_address or (r.current_membership.household.address if r.current_membership else ""),
        ),
        LedgerColumn(_l("工作单位"), 28, lambda r: r.workplace),
        LedgerColumn(_l("联系电话"), 26, lambda r: r.masked_phone),
        LedgerColumn(_l("网格"), 20, lambda r: r.grid.name),
        LedgerColumn(_l("备注"), 14, lambda r: r.status_label if r.status != "active" else ""),
    ],
    rows=_floating_residents,
)

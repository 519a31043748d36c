"""The ledger definitions, one per form of the work manual; titles and columns are
those of the paper forms. Form 6 is here; the others are in ledger_forms_area (1–5,
14), ledger_forms_people (7–11) and ledger_forms_disputes (12–13), and the
supervision ledger (15) in app/supervision/ledger.py. app/printing/ledgers.py lists
them all in one place (`all_ledgers`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.core.identity import age_on
from app.core.timeutil import local_today
from app.extensions import db
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope
from app.registry.housing.services import person_name
from app.registry.people.models import HouseholdMember, Rental, RentalTenant, Resident


@dataclass(frozen=True)
class FloatingRow:
    resident: Resident
    landlord: str
    place: str


def _floating_residents(scope: LedgerScope) -> list[FloatingRow]:
    """Floating and overseas people living in the area during the period, each with
    the landlord of the rental they are a tenant of (the latest, if several)."""
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
    residents = list(db.session.scalars(statement))
    landlords: dict[int, str] = {}
    if residents:
        lettings = db.session.execute(
            select(RentalTenant.resident_id, Rental)
            .join(Rental, Rental.id == RentalTenant.rental_id)
            .where(RentalTenant.resident_id.in_(select(Resident.id).where(statement.whereclause)))
            .options(selectinload(Rental.landlord))
            .order_by(Rental.start_date, Rental.id)
        )
        for resident_id, rental in lettings:
            landlords[resident_id] = person_name(rental.landlord, rental.landlord_name)
    return [FloatingRow(r, landlords.get(r.id, ""), _lives_at(r, scope)) for r in residents]


def _name(row: FloatingRow) -> str:
    resident = row.resident
    if resident.status == "active":
        return resident.name
    return _("%(name)s（%(status)s）", name=resident.name, status=resident.status_label)


def _lives_at(r: Resident, scope: LedgerScope) -> str:
    """The address; a community's ledger adds the grid, a grid's says it once above."""
    address = r.current_address or (r.current_membership.household.address if r.current_membership else "")
    if scope.division.level == "grid":
        return address
    return _("%(address)s（%(grid)s）", address=address, grid=r.grid.name) if address else r.grid.name


LEDGER_6 = Ledger(
    number=6,
    title=_l("社区流动人口登记表"),
    # Twelve columns on a landscape page: 9 pt keeps an 18-digit ID number on one line.
    font_pt=9,
    columns=[
        LedgerColumn(_l("姓名"), 16, _name),
        LedgerColumn(_l("性别"), 10, lambda row: row.resident.sex_label),
        LedgerColumn(
            _l("年龄"),
            10,
            lambda row: age_on(row.resident.birth_date, local_today()) if row.resident.birth_date else "",
        ),
        LedgerColumn(_l("证件号码"), 35, lambda row: row.resident.masked_id),
        LedgerColumn(_l("户籍地"), 28, lambda row: row.resident.registered_address, lines=2),
        LedgerColumn(_l("现住地址"), 32, lambda row: row.place, lines=2),
        LedgerColumn(
            _l("来本地日期"),
            21,
            lambda row: row.resident.arrival_date.isoformat() if row.resident.arrival_date else "",
        ),
        LedgerColumn(_l("暂住事由"), 16, lambda row: row.resident.stay_reason_label),
        LedgerColumn(_l("居住证号码"), 26, lambda row: row.resident.masked_permit),
        LedgerColumn(_l("工作单位"), 16, lambda row: row.resident.workplace),
        LedgerColumn(_l("房东"), 16, lambda row: row.landlord),
        LedgerColumn(_l("联系电话"), 24, lambda row: row.resident.masked_phone),
    ],
    rows=_floating_residents,
)

"""台账: one page that leads to every register, with what each holds in one's scope."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.auth.roles import may_see_key_persons
from app.core.scoping import scope_condition
from app.extensions import db
from app.registry import bp
from app.registry.people.models import (
    House,
    Household,
    JointDefenceGroup,
    KeyPerson,
    Organisation,
    PartnerUnit,
    PopulationEvent,
    Rental,
    Resident,
    ResponsibilityPoint,
    Shop,
)


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(scope_condition(model), *conditions))


@bp.route("/registers/")
@login_required
def hub():
    """The registers of 人、地、事、物、组织 with their counts in the user's scope."""
    counts = {
        "residents": _count(Resident, Resident.status == "active"),
        "households": _count(Household, Household.status == "active"),
        "changes": _count(PopulationEvent),
        "houses": _count(House),
        "rentals": _count(Rental),
        "shops": _count(Shop),
        "organisations": _count(Organisation),
        "points": _count(ResponsibilityPoint, ResponsibilityPoint.is_active.is_(True)),
        "groups": _count(JointDefenceGroup),
        "partners": _count(PartnerUnit, PartnerUnit.is_active.is_(True)),
    }
    if may_see_key_persons(current_user):
        counts["key_persons"] = _count(KeyPerson, KeyPerson.status == "active")
    return render_template("registry/hub.html", counts=counts)

"""Demo households and residents for the demo county: about ten households per grid
with made-up names, valid-looking ID numbers (correct check digits, fictitious
people) and phone numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.core.identity import id_check_char
from app.extensions import db
from app.org.models import Building, Division
from app.registry.people import services
from app.registry.people.models import CareTag

# A real-format region code: the numbers are valid, the people are made up.
DEMO_REGION = "610102"
START = date(2024, 1, 1)
# The people of a 流动户 are 流动人口 and of a 常住户 常住人口; everyone else 户籍人口.
POPULATION_OF_HOUSEHOLD = {"floating": "floating", "permanent": "permanent"}
RARE_NAME = "黎\U00020bb7"  # 黎𠮷


HOME_PLACES = (
    "四川省南充市顺庆区",
    "河南省周口市太康县",
    "甘肃省天水市秦州区",
    "陕西省汉中市城固县",
    "湖北省十堰市郧阳区",
)


def _stay(birth: date, seed: int) -> dict:
    """A floating adult's stay (表6): where they are registered, when they came, why.
    From a generator of its own, so the rest of the demo stays as it was."""
    rng = random.Random(seed)
    arrival = max(birth + timedelta(days=365 * 18), date(2026, 6, 1) - timedelta(days=rng.randint(30, 3000)))
    return {
        "registered_address": f"{rng.choice(HOME_PLACES)}{rng.randint(1, 30)}组",
        "arrival_date": arrival,
        "stay_reason": rng.choice(("work", "work", "business", "family", "study")),
    }


def load_demo_population(grids: list[Division], rng: random.Random, names, households_per_grid: int = 10) -> int:
    """Register households and their members in each grid; returns the number of residents.
    `names(rng)` gives a made-up full name (surname first)."""
    tags = {t.name: t.id for t in db.session.scalars(select(CareTag))}
    sequence = iter(range(1, 10**6))
    count = 0
    for grid in grids:
        buildings = list(db.session.scalars(select(Building).where(Building.grid_id == grid.id)))
        for index in range(1, households_per_grid + 1):
            building = rng.choice(buildings) if buildings else None
            household_type = rng.choice(("registered", "registered", "permanent", "floating", "rental"))
            # The county's first household is floating and its head named 黎𠮷: a name
            # beyond GBK (GB 18030-2022) in the floating-population ledger and the
            # registers, so every print and page shows how rare characters come out.
            first = count == 0
            household = services.create_household(
                services.HouseholdValues(
                    household_number=f"{grid.code[-6:]}{index:03d}",
                    household_type="floating" if first else household_type,
                    visit_class=rng.choice((1, 2, 3, 3, 3)),
                    building_id=building.id if building and grid.kind == "urban" else None,
                    unit=str(rng.randint(1, 3)) if grid.kind == "urban" else "",
                    room=f"{rng.randint(1, 6)}0{rng.randint(1, 4)}" if grid.kind == "urban" else "",
                    address_text=""
                    if grid.kind == "urban"
                    else f"{building.address if building else grid.name}{index}号",
                ),
                grid,
            )
            surname = names(rng)[0]
            head_birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 45))
            members = [("head", head_birth, rng.random() < 0.6)]
            if rng.random() < 0.8:
                members.append(("spouse", head_birth + timedelta(days=rng.randint(-900, 900)), not members[0][2]))
            for _ in range(rng.choice((0, 1, 1, 2))):
                members.append(
                    ("child", head_birth + timedelta(days=rng.randint(365 * 22, 365 * 35)), rng.random() < 0.5)
                )
            for relation, birth, male in members:
                if birth > date(2024, 6, 1):
                    birth = date(2024, 6, 1) - timedelta(days=rng.randint(0, 3000))
                name = (surname if relation != "spouse" else names(rng)[0]) + names(rng)[1:]
                if first and relation == "head":
                    name = RARE_NAME
                digit = next(sequence) % 500 * 2 + (1 if male else 0)
                first17 = f"{DEMO_REGION}{birth:%Y%m%d}{digit:03d}"
                chosen_tags = []
                age = (START - birth).days // 365
                if age >= 70 and rng.random() < 0.3:
                    chosen_tags.append(tags.get("空巢老人"))
                if age < 16 and rng.random() < 0.3:
                    chosen_tags.append(tags.get("留守儿童"))
                if rng.random() < 0.03:
                    chosen_tags.append(tags.get("残疾人"))
                floating = household.household_type == "floating"
                stay = _stay(birth, digit) if floating and age >= 16 else {}
                resident = services.register_resident(
                    services.ResidentValues(
                        **stay,
                        name=name,
                        id_number=first17 + id_check_char(first17),
                        phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}" if age >= 16 else "",
                        population_type=POPULATION_OF_HOUSEHOLD.get(household.household_type, "registered"),
                        current_address=household.address,
                        political_status="cpc_member" if rng.random() < 0.08 else "masses",
                        tag_ids=[t for t in chosen_tags if t],
                    ),
                    grid,
                    occurred_on=START,
                )
                services.add_member(household, resident, relation, START)
                count += 1
    return count

"""The register's rules for a resident and a household: the values a form or an
import row carries, and their checks — without queries. What needs the database
comes in as arguments (whether the ID number or household number is taken, which grid
a building is in), so the services (app.registry.people.services) ask the database once per
record while an import checks thousands of rows against what it looked up once per
file (app.registry.transfer.import_rows): one set of rules, the same messages at the same
fields."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from app.core.forms import RuleError
from app.core.identity import IdType, check_document, check_phone
from app.registry.people import reference


class RegistryError(RuleError):
    """A rule of the population register refused the change."""


@dataclass
class ResidentValues:
    name: str
    id_type: str = IdType.RESIDENT_ID.value
    id_number: str = ""
    sex: str | None = None
    birth_date: date | None = None
    ethnicity: str = reference.ETHNICITIES[0]
    phone: str = ""
    population_type: str = "registered"
    registered_address: str = ""
    current_address: str = ""
    political_status: str = "masses"
    workplace: str = ""
    arrival_date: date | None = None
    stay_reason: str = ""
    residence_permit_number: str = ""
    note: str = ""
    tag_ids: list[int] = field(default_factory=list)


@dataclass
class HouseholdValues:
    household_number: str
    household_type: str = "permanent"
    visit_class: int = 3
    building_id: int | None = None
    unit: str = ""
    room: str = ""
    address_text: str = ""
    note: str = ""


ID_TYPES = frozenset(t.value for t in IdType)


def clean_resident(values: ResidentValues, refuse_duplicate: Callable[[str], None], today: date) -> dict:
    """Validated column values (without the pinyin keys), or a RegistryError at the
    field that is wrong (the first of `check_resident`'s). `refuse_duplicate(number)`
    raises when someone else in the register holds the ID number."""
    cleaned, problems = check_resident(values, refuse_duplicate, today)
    if problems:
        raise problems[0]
    return cleaned


def sex_mismatch(given: str | None, from_number: str | None) -> str | None:
    """The refusal when the sex given contradicts the sex the ID number carries
    (its 17th digit); None when they agree or either is unknown. The number does not
    silently overrule what a person wrote: one of the two is wrong."""
    if not given or not from_number or given == from_number:
        return None
    if from_number == "M":
        return _("性别与身份证号码不符（身份证号码为男性）。")
    return _("性别与身份证号码不符（身份证号码为女性）。")


def birth_mismatch(given: date | None, from_number: date | None) -> str | None:
    """The refusal when the birth date given contradicts the one the ID number
    carries; None when they agree or either is unknown (as for sex)."""
    if not given or not from_number or given == from_number:
        return None
    return _("出生日期与身份证号码不符（身份证号码为 %(day)s）。", day=from_number.isoformat())


def check_resident(
    values: ResidentValues, refuse_duplicate: Callable[[str], None], today: date
) -> tuple[dict, list[RegistryError]]:
    """Every rule on a resident's values: the cleaned values and each refusal, in the
    order the form's fields are checked (a form shows the first, an import row lists
    them all). The cleaned values are to be used only when there is no refusal."""
    problems: list[RegistryError] = []

    def refuse(message: str, field: str) -> None:
        problems.append(RegistryError(message, field))

    name = (values.name or "").strip()
    if not name:
        refuse(_("此项为必填项。"), "name")
    type_known = values.id_type in ID_TYPES
    if not type_known:
        refuse(_("请选择证件类型。"), "id_type")
    cleaned = {
        "name": name,
        "id_type": values.id_type,
        "id_number": None,
        "sex": values.sex or None,
        "birth_date": values.birth_date,
    }
    if (values.id_number or "").strip():
        check = check_document(values.id_type, values.id_number, today=today) if type_known else None
        if check is not None and check.error:
            refuse(check.error, "id_number")
        elif check is not None:
            cleaned["id_number"] = check.number
            try:
                refuse_duplicate(check.number)
            except RuleError as error:
                problems.append(error if isinstance(error, RegistryError) else RegistryError(str(error), error.field))
            mismatch = sex_mismatch(values.sex, check.sex)
            if mismatch:
                refuse(mismatch, "sex")
            mismatch = birth_mismatch(values.birth_date, check.birth_date)
            if mismatch:
                refuse(mismatch, "birth_date")
            # The ID number fills in the birth date and sex where none is given.
            if check.birth_date:
                cleaned["birth_date"] = check.birth_date
            if check.sex:
                cleaned["sex"] = check.sex
    elif values.id_type == IdType.RESIDENT_ID.value and values.population_type != "overseas":
        refuse(_("请填写身份证号码（暂无证件的，请选择“其他”证件类型并在备注中说明）。"), "id_number")
    if values.birth_date and values.birth_date > today:
        refuse(_("出生日期不能晚于今天。"), "birth_date")
    if values.arrival_date and values.arrival_date > today:
        refuse(_("来本地日期不能晚于今天。"), "arrival_date")
    elif values.arrival_date and isinstance(born := cleaned["birth_date"], date) and values.arrival_date < born:
        refuse(_("来本地日期不能早于出生日期。"), "arrival_date")
    phone = (values.phone or "").strip()
    if phone:
        phone_check = check_phone(phone)
        if phone_check.error:
            refuse(phone_check.error, "phone")
        phone = phone_check.number
    for key, mapping in (
        ("population_type", reference.POPULATION_TYPES),
        ("political_status", reference.POLITICAL_STATUSES),
    ):
        if getattr(values, key) not in mapping:
            refuse(_("请从列表中选择。"), key)
    if values.stay_reason and values.stay_reason not in reference.STAY_REASONS:
        refuse(_("请从列表中选择。"), "stay_reason")
    if values.ethnicity not in reference.ETHNICITIES:
        refuse(_("请从列表中选择民族。"), "ethnicity")
    cleaned.update(
        phone=phone,
        ethnicity=values.ethnicity,
        population_type=values.population_type,
        political_status=values.political_status,
        registered_address=(values.registered_address or "").strip(),
        current_address=(values.current_address or "").strip(),
        workplace=(values.workplace or "").strip(),
        arrival_date=values.arrival_date,
        stay_reason=(values.stay_reason or "").strip(),
        residence_permit_number=(values.residence_permit_number or "").strip().upper(),
        note=values.note,
    )
    return cleaned, problems


def clean_household(
    values: HouseholdValues,
    grid_id: int,
    *,
    number_taken: bool,
    building_grid: Callable[[int], int | None | bool],
    visit_levels: Collection[int],
) -> dict:
    """Validated column values, or a RegistryError (the first of `check_household`'s).
    `number_taken`: another household of the grid has the number; `building_grid(id)`:
    the building's grid id (False when there is no such building); `visit_levels`:
    the visit classes."""
    cleaned, problems = check_household(
        values, grid_id, number_taken=number_taken, building_grid=building_grid, visit_levels=visit_levels
    )
    if problems:
        raise problems[0]
    return cleaned


def check_household(
    values: HouseholdValues,
    grid_id: int,
    *,
    number_taken: bool,
    building_grid: Callable[[int], int | None | bool],
    visit_levels: Collection[int],
) -> tuple[dict, list[RegistryError]]:
    """Every rule on a household's values: the cleaned values and each refusal, in
    field order (used only when there is no refusal)."""
    problems: list[RegistryError] = []
    number = (values.household_number or "").strip()
    if not number:
        problems.append(RegistryError(_("此项为必填项。"), "household_number"))
    elif number_taken:
        problems.append(RegistryError(_("本网格已有该户号。"), "household_number"))
    if values.household_type not in reference.HOUSEHOLD_TYPES:
        problems.append(RegistryError(_("请从列表中选择。"), "household_type"))
    if values.visit_class not in visit_levels:
        problems.append(RegistryError(_("请从列表中选择。"), "visit_class"))
    if values.building_id:
        if building_grid(values.building_id) != grid_id:
            problems.append(RegistryError(_("请选择本网格内的楼栋。"), "building_id"))
    elif not values.address_text.strip():
        problems.append(RegistryError(_("请选择楼栋，或填写地址（农村住户）。"), "address_text"))
    return (
        {
            "household_number": number,
            "household_type": values.household_type,
            "visit_class": values.visit_class,
            "building_id": values.building_id or None,
            "unit": values.unit.strip(),
            "room": values.room.strip(),
            "address_text": values.address_text.strip(),
            "note": values.note,
        },
        problems,
    )

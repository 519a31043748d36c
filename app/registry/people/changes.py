"""How recorded population events read to people: corrections and moves as
(field, before, after) with labels, coded values named and personal numbers masked."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.identity import id_type_choices
from app.core.masking import mask_id_number, mask_numbers, mask_phone
from app.core.scoping import scoped_select
from app.extensions import db
from app.org.models import Division
from app.registry.people import reference
from app.registry.settings.visit_classes import visit_class_name

FIELD_LABELS = {
    "name": _l("姓名"),
    "id_type": _l("证件类型"),
    "id_number": _l("证件号码"),
    "sex": _l("性别"),
    "birth_date": _l("出生日期"),
    "ethnicity": _l("民族"),
    "phone": _l("联系电话"),
    "population_type": _l("人口类型"),
    "registered_address": _l("户籍地址"),
    "current_address": _l("现住地址"),
    "political_status": _l("政治面貌"),
    "workplace": _l("工作单位或学校"),
    "arrival_date": _l("来本地日期"),
    "stay_reason": _l("暂住事由"),
    "residence_permit_number": _l("居住证号码"),
    "grid_id": _l("所属网格"),
    "status": _l("状态"),
    "tags": _l("关爱标签"),
    "household_number": _l("户号"),
    "household_type": _l("户类型"),
    "visit_class": _l("走访分类"),
    "address": _l("地址"),
    "head": _l("户主"),
    "members": _l("成员"),
    "grid": _l("所属网格"),
    "shop_address": _l("经营地址"),
}
CODED_FIELDS = {
    "sex": reference.SEXES,
    "population_type": reference.POPULATION_TYPES,
    "political_status": reference.POLITICAL_STATUSES,
    "stay_reason": reference.STAY_REASONS,
    "status": reference.RESIDENT_STATUSES,
    "household_type": reference.HOUSEHOLD_TYPES,
}
# Events whose before/after are shown as what changed. A shop's move keeps its grid
# by name (the feed of the grid it left shows where it went); house_id is not shown.
SUMMARISED_KINDS = ("corrected", "household_moved", "shop_moved", "grid_adjusted")
HIDDEN_KEYS = {"house_id"}


def _shown(key: str, value, grid_names: dict[int, str]) -> str:
    """One value of a snapshot as people read it — personal numbers masked."""
    if value is None or value == "" or value == []:
        return "—"
    if key == "birth_date" and value:
        return _("%(year)s年", year=str(value)[:4])  # the date would unmask the ID number
    if key == "id_number":
        return mask_id_number(value)
    if key == "phone":
        return mask_phone(value)
    if key == "residence_permit_number":  # often the ID number itself
        return mask_numbers(str(value))
    if key == "id_type":
        return dict(id_type_choices()).get(value, value)
    if key in CODED_FIELDS:
        return reference.label(CODED_FIELDS[key], value)
    if key == "visit_class":
        return visit_class_name(value)
    if key == "grid_id":
        return grid_names.get(value, "—")
    if key == "members":
        return _("、").join(
            _("%(name)s（%(relation)s）", name=name, relation=reference.label(reference.RELATIONS, relation))
            for name, relation in value
        )
    if key == "tags":
        return _("、").join(value)
    return str(value)


def correction_summaries(events) -> dict[int, list[tuple[str, str, str]]]:
    """For each correction or move: (field label, before, after) of what changed."""
    corrected = [
        e for e in events if e.kind in SUMMARISED_KINDS and isinstance(e.before, dict) and isinstance(e.after, dict)
    ]
    grid_ids = {
        value
        for e in corrected
        for snap in (e.before, e.after)
        for key, value in snap.items()
        if key == "grid_id" and isinstance(value, int)
    }
    grid_names = (
        {d.id: d.name for d in db.session.scalars(scoped_select(Division).where(Division.id.in_(grid_ids)))}
        if grid_ids
        else {}
    )
    summaries = {}
    for event in corrected:
        rows = []
        for key in event.after:
            if key in HIDDEN_KEYS:
                continue
            before, after = event.before.get(key), event.after.get(key)
            if before != after:
                rows.append(
                    (str(FIELD_LABELS.get(key, key)), _shown(key, before, grid_names), _shown(key, after, grid_names))
                )
        summaries[event.id] = rows
    return summaries

"""Codes and figures of field visits, kept as data (not literals in views).

- Visit types (003: regular + concentrated, general + targeted; 002 篇四: 核实).
- Verification targets (002 篇四): each quarter the area (片区) grid staff verify at
  least 50 % / 30 % / 20 % of class 一/二/三 households, the workstation (工作站) staff
  at least 50 % / 30 % / 10 %. A county may set other figures with the
  VISIT_VERIFICATION_TARGETS setting ({"area": {1: 50, …}, "station": {…}}).
  核实 is a check by someone else: a verification counts only for visitors who are not
  the household's own grid's staff, and each one judges the grid's records (信息准确 or
  需更正, with what). The community's yearly check of every household (村(社区)网格负责
  人员…每人每年核实一次入户信息) is the 年度入户核实, made by the station's staff.
- Key groups (002 篇八, 社区跟踪问效制度 6): each quarter the community visits at least
  3 key-group households (重点人群, not 3 visits) in every grid.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

VISIT_TYPES = {
    "routine": _l("常规走访"),
    "key": _l("重点走访"),
    "verification": _l("核实走访"),
    "concentrated": _l("集中走访"),
    "annual_check": _l("年度入户核实"),
}
# Checks by someone else, recorded on the 入户核实表 form with the verdict on the records.
VERIFICATION_TYPES = ("verification", "annual_check")
# What the grid's own staff record on the visit form and the back-entry sheet.
ORDINARY_TYPES = tuple(code for code in VISIT_TYPES if code not in VERIFICATION_TYPES)
# The verifier's verdict on the grid's records of the household.
RECORD_CHECKS = {"accurate": _l("信息准确"), "to_correct": _l("需更正")}

# Percent of each class's households to verify per quarter, by who verifies.
DEFAULT_VERIFICATION_TARGETS = {
    "area": {1: 50, 2: 30, 3: 20},
    "station": {1: 50, 2: 30, 3: 10},
}
TIERS = {"area": _l("片区网格工作人员"), "station": _l("工作站工作人员")}

KEY_GROUP_HOUSEHOLDS_PER_QUARTER = 3


def verification_targets() -> dict[str, dict[int, int]]:
    configured = current_app.config.get("VISIT_VERIFICATION_TARGETS") if has_app_context() else None
    targets = configured or DEFAULT_VERIFICATION_TARGETS
    return {
        tier: {int(level): int(percent) for level, percent in by_class.items()} for tier, by_class in targets.items()
    }


# The organisations whose visits the rates page counts (002 篇四 (一)).
ORGANISATION_KINDS = {"party": _l("党组织"), "owners_committee": _l("业主委员会")}

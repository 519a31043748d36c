"""Codes of patrols and the 民情日志, their labels, and the rules kept as settings."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

# What residents' words are about (002 篇八: 城管、计生、党群、经济等信息).
CATEGORIES = {
    "city": _l("城管"),
    "family_planning": _l("计生"),
    "party": _l("党群"),
    "economy": _l("经济"),
    "other": _l("其他"),
}

# The community's weekly check of a grid's 民情日志 (002 篇八: 社区每周要对各网格的民情日志
# 进行检查，对空岗的要对本网格进行批评). A week without entries is 空岗 whatever is chosen.
CHECK_RESULTS = {
    "good": _l("合格"),
    "improve": _l("需改进"),
    "empty": _l("空岗"),
}

# How an entry was sorted the same day (002 篇八: 当时结办与限期协办).
DISPOSITIONS = {
    "settled": _l("当时结办"),
    "assisted": _l("限期协办"),
}

# The matter class a 限期协办 entry opens by default (the form may choose another):
# 城管 is city management; the rest are residents' livelihood needs.
MATTER_CLASS_OF_CATEGORY = {
    "city": "city",
    "family_planning": "livelihood",
    "party": "livelihood",
    "economy": "livelihood",
    "other": "livelihood",
}

# "网格员每周到网格责任区内开展巡查工作不少于3次" (002 篇九). A county may set its own
# quota with PATROLS_PER_WEEK in instance/config.py (or GRIDBOOK_PATROLS_PER_WEEK).
DEFAULT_PATROLS_PER_WEEK = 3


def patrols_per_week() -> int:
    return int(current_app.config.get("PATROLS_PER_WEEK", DEFAULT_PATROLS_PER_WEEK))


def label(table: dict, code: str | None) -> str:
    return str(table.get(code, "")) if code else ""

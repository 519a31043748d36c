"""Labels, thresholds and the rules the migration seeds.

Thresholds (002 篇八: 年终百分制考核, 70 分以下教育培训, 60 分以下辞退; 满意度 80 分以下
批评教育) default here and may be overridden in instance/config.py. 培训 and 辞退 judge a
year (年终), so a monthly board shows only 通报批评:
ASSESSMENT_THRESHOLDS = {"criticised": 80, "retrain": 70, "dismiss": 60},
SATISFACTION_CRITICISED_BELOW = 80 and SATISFACTION_BONUS_FROM = 90 (percent)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

DEFAULT_THRESHOLDS = {"criticised": 80, "retrain": 70, "dismiss": 60}
FLAG_LABELS = {"dismiss": _l("辞退"), "retrain": _l("培训"), "criticised": _l("通报批评")}
# Most severe first: a score under 60 is 辞退, not also 培训 and 通报批评.
FLAG_ORDER = ("dismiss", "retrain", "criticised")
DEFAULT_SATISFACTION_CRITICISED_BELOW = 80
DEFAULT_SATISFACTION_BONUS_FROM = 90

CARD_COLOURS = {"yellow": _l("黄牌"), "red": _l("红牌")}
ANSWERS = {"satisfied": _l("满意"), "basically": _l("基本满意"), "dissatisfied": _l("不满意")}
HALVES = {1: _l("上半年"), 2: _l("下半年")}
KINDS = {"grid": _l("网格"), "worker": _l("网格员")}
UPHELD = {True: _l("属实"), False: _l("不属实")}


def thresholds() -> dict[str, int]:
    return {**DEFAULT_THRESHOLDS, **current_app.config.get("ASSESSMENT_THRESHOLDS", {})}


def satisfaction_criticised_below() -> int:
    return int(current_app.config.get("SATISFACTION_CRITICISED_BELOW", DEFAULT_SATISFACTION_CRITICISED_BELOW))


def satisfaction_bonus_from() -> int:
    return int(current_app.config.get("SATISFACTION_BONUS_FROM", DEFAULT_SATISFACTION_BONUS_FROM))


# What a monthly board may show: the year's consequences wait for the annual one.
MONTHLY_FLAGS = ("criticised",)


def flag_for(score, yearly: bool = True) -> str | None:
    """The most severe threshold the score falls under (None: none); on a monthly
    board (yearly False) only 通报批评."""
    limits = thresholds()
    codes = FLAG_ORDER if yearly else MONTHLY_FLAGS
    return next((code for code in codes if score < limits[code]), None)


def in_use_from():
    """The county's in-use date (系统启用日期): records before it are not assessed, so
    days without reports or patrols before the system was used are not failures."""
    from app.core.settings import setting

    return setting("ASSESSMENT_IN_USE_FROM")

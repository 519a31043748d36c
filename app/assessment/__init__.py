"""Assessment (考核): scoring rules kept as data and applied to the records, monthly
and annual 100-point scoreboards per grid and per grid worker with every point
traced to its record, warning cards (黄牌/红牌), half-yearly satisfaction surveys and
跟踪问效 — the yearly rules on grid chiefs, with the 首问 complaints behind them —
and the units' yearly board (departments, towns, stations) with manual adjustments
(人工加减分)."""

from flask import Blueprint

bp = Blueprint("assessment", __name__)

from app.assessment import (  # noqa: E402
    accountability_views,
    card_views,
    models,
    public_views,
    rule_views,
    survey_views,
    unit_views,
    views,
)

"""网格调整: when grids are split or merged, what the registers and the open work hold
goes with its place into the new grids (`carry.py`), as dated adjustment events —
never as households moving house. It sits above the registers and the matters loop,
whose records it moves; the split and merge pages of app/org call it."""

from flask import Blueprint

bp = Blueprint("adjustments", __name__)

from app.adjustments import views  # noqa: E402  (registers the routes)

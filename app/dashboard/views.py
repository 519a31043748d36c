"""The dashboard page and the command centre's big screen (one set of figures)."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from app.core.rendering import render_page
from app.dashboard import board, bp
from app.dashboard.filters import DashboardForm, read_filters

SCREEN_REFRESH_SECONDS = 60
SCREEN_FALLBACK_REFRESH_SECONDS = 300


def _board():
    form = DashboardForm(request.args)
    chosen = read_filters(form, current_user)
    return form, board.build(current_user, chosen)


@bp.route("/")
@login_required
def index():
    """Population, key persons, matters, on-time trend and overdue list of the scope."""
    form, figures = _board()
    return render_page("dashboard/index.html", form=form, board=figures)


@bp.route("/screen")
@login_required
def screen():
    """The big screen (1920×1080, no navigation): htmx swaps its body every minute;
    without JavaScript the page reloads itself every five minutes."""
    form, figures = _board()
    return render_page(
        "dashboard/screen.html",
        fragment="dashboard/_screen_body.html",
        target_id="screen-body",
        form=form,
        board=figures,
        refresh=SCREEN_REFRESH_SECONDS,
        fallback_refresh=SCREEN_FALLBACK_REFRESH_SECONDS,
    )

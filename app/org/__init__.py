"""Divisions, grids, buildings, grid staff, service teams and departments."""

from flask import Blueprint

bp = Blueprint("org", __name__)

from app.org import building_views, staff_views, team_views, views  # noqa: E402

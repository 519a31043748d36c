"""Divisions, grids, buildings, grid staff, service teams and departments."""

from flask import Blueprint

bp = Blueprint("org", __name__)

from app.org import area_views, building_views, staff_views, team_views, views  # noqa: E402

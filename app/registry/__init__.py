"""The population register: residents, households and population changes."""
from flask import Blueprint

bp = Blueprint("registry", __name__)

from app.registry import household_views, resident_views  # noqa: E402,F401  (registers routes)

"""Field work of a grid worker: patrols (巡查) with their findings, the 民情日志
(what residents said, settled on the spot or assisted within a deadline), and the
twice-weekly report of ordinary information to the grid chief."""
from flask import Blueprint

bp = Blueprint("patrols", __name__)

from app.patrols import models  # noqa: E402,F401

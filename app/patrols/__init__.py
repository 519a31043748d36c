"""Field work of a grid worker: patrols (巡查) with their findings, the 民情日志
(what residents said, settled on the spot or assisted within a deadline), and the
twice-weekly report of ordinary information to the grid chief."""

from flask import Blueprint

bp = Blueprint("patrols", __name__)

from app.patrols import (  # noqa: E402
    edit_views,
    log_views,
    models,
    reference,
    views,
)


@bp.app_context_processor
def _labels():
    return {
        "opinion_category_label": lambda code: reference.label(reference.CATEGORIES, code),
        "disposition_label": lambda code: reference.label(reference.DISPOSITIONS, code),
        "matter_origins": _matter_origins,
    }


def _matter_origins(matter) -> list[tuple[str, str]]:
    """The patrol finding or 民情日志 entry a matter was opened from, as (label, url),
    when the user may see it (a department handler sees the matter, not the patrol)."""
    from flask import url_for
    from flask_babel import gettext as _

    from app.core.scoping import scoped_select
    from app.extensions import db
    from app.patrols.models import OpinionEntry, PatrolFinding

    origins = []
    finding = db.session.scalar(scoped_select(PatrolFinding).where(PatrolFinding.matter_id == matter.id))
    if finding is not None:
        origins.append(
            (
                _("巡查发现（%(day)s）", day=finding.patrol.patrol_date.isoformat()),
                url_for("patrols.patrol_detail", patrol_id=finding.patrol_id),
            )
        )
    entry = db.session.scalar(scoped_select(OpinionEntry).where(OpinionEntry.matter_id == matter.id))
    if entry is not None:
        origins.append(
            (
                _("民情日志（%(day)s）", day=entry.said_on.isoformat()),
                url_for("patrols.opinion_detail", opinion_id=entry.id),
            )
        )
    return origins

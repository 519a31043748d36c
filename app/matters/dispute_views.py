"""矛盾纠纷: the screening record (排查, work-manual form 12) and mediation records
(调解, form 13) of a dispute matter. Kept by those who work on it: its owner,
its handler and the grid's workers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.extensions import db
from app.matters import bp, workflow
from app.matters.forms import MediationForm, ScreeningForm
from app.matters.models import DisputeScreening, Matter, Mediation


def may_record(user, matter: Matter) -> bool:
    return workflow.is_owner(user, matter) or workflow.is_handler(user, matter) or workflow.is_grid_worker(user, matter)


def _dispute_or_404(matter_id: int) -> Matter:
    matter = get_visible_or_404(Matter, matter_id)
    if matter.class_code != "dispute":
        abort(404)
    if not may_record(current_user, matter):
        abort(403)
    return matter


@bp.route("/matters/<int:matter_id>/screening", methods=["GET", "POST"])
@login_required
def dispute_screening(matter_id: int):
    matter = _dispute_or_404(matter_id)
    screening = matter.screening
    form = ScreeningForm(obj=screening)
    if screening is None and not form.is_submitted():
        form.screened_on.data = local_today()
    if form.validate_on_submit():
        if screening is None:
            screening = DisputeScreening(matter=matter)
            db.session.add(screening)
        form.populate_obj(screening)
        screening.screened_by_id = current_user.id
        db.session.commit()
        flash(_("已保存排查记录。"), "success")
        return redirect(url_for("matters.matter_detail", matter_id=matter.id))
    return render_template("matters/dispute_form.html", matter=matter, form=form, title=_("矛盾纠纷排查"))


@bp.route("/matters/<int:matter_id>/mediations/new", methods=["GET", "POST"])
@login_required
def add_mediation(matter_id: int):
    matter = _dispute_or_404(matter_id)
    form = MediationForm()
    if not form.is_submitted():
        form.held_on.data = local_today()
    if form.validate_on_submit():
        mediation = Mediation(
            matter=matter,
            recorded_by_id=current_user.id,
            process=form.course.data,
            held_on=form.held_on.data,
            mediators=form.mediators.data,
            place=form.place.data or "",
            agreed=form.agreed.data,
            agreement_text=form.agreement_text.data or "",
            follow_up=form.follow_up.data or "",
        )
        db.session.add(mediation)
        db.session.commit()
        flash(_("已保存调解记录。"), "success")
        return redirect(url_for("matters.matter_detail", matter_id=matter.id))
    return render_template("matters/dispute_form.html", matter=matter, form=form, title=_("调解记录"))

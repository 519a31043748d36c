"""入户核实: the form a verifier fills for a household (a check by someone other than the
grid's own staff, with a verdict on the grid's records), its correction, and the grid
marking corrected what the verifier found wrong."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core import location
from app.core.forms import saving
from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.registry.people.models import Household
from app.visits import bp, services
from app.visits.forms import VerificationForm
from app.visits.models import Visit


def _values(form: VerificationForm) -> services.VerificationValues:
    return services.VerificationValues(
        visited_on=form.visited_on.data,
        visit_type=form.visit_type.data or "",
        visitor_ids=list(form.visitor_ids.data or []),
        found=form.found.data or "",
        record_check=form.record_check.data or "",
        correction=form.correction.data or "",
    )


def _verifier_choices(form: VerificationForm, grid: Division, visit: Visit | None = None) -> None:
    choices = [(s.id, s.name) for s in services.verifier_choices(grid)]
    if visit is not None:  # a verifier since moved on stays choosable on their own record
        known = dict(choices)
        choices += [(s.id, s.name) for s in visit.visitors if s.id not in known]
    form.visitor_ids.choices = choices


@bp.route("/households/<int:household_id>/verify", methods=["GET", "POST"])
@login_required
def verify_household(household_id: int):
    """Record a 核实 of the household (入户核实表): by station staff or another grid's."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    if household.status != "active":
        abort(404)
    form = VerificationForm()
    _verifier_choices(form, household.grid)
    if not form.is_submitted():
        form.visited_on.data = local_today()
    if form.validate_on_submit():
        values = _values(form)
        values.position = location.from_form(form)
        with saving(form) as saved:
            visit = services.record_verification(household, values, user=current_user)
        if saved:
            flash(_("已保存核实记录。"), "success")
            return redirect(url_for("visits.visit_detail", visit_id=visit.id), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("visits/verify_form.html", form=form, household=household, visit=None), status


def edit_verification(visit: Visit):
    """The correction of a 核实, from visits.edit_visit."""
    form = VerificationForm(obj=visit)
    _verifier_choices(form, visit.grid, visit)
    if not form.is_submitted():
        form.visitor_ids.data = [s.id for s in visit.visitors]
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = services.update_verification(visit, _values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return redirect(url_for("visits.visit_detail", visit_id=visit.id), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template("visits/verify_form.html", form=form, household=visit.household, visit=visit), status


@bp.route("/<int:visit_id>/corrected", methods=["POST"])
@login_required
def mark_corrected(visit_id: int):
    """The grid has corrected its records as the verifier asked."""
    visit = get_visible_or_404(Visit, visit_id)
    require(Permission.EDIT_REGISTERS)
    try:
        services.mark_corrected(visit, current_user, local_today())
    except services.VisitError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("已标记为已更正。"), "success")
    return redirect(url_for("visits.visit_detail", visit_id=visit.id), code=303)

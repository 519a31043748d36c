"""The county's visit classes (一类/二类/三类户): administrators set what each means
and how often its households must be visited."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.decorators import admin_required
from app.core.forms import saving
from app.extensions import db
from app.registry import bp
from app.registry.people.models import Household, VisitClass
from app.registry.settings import visit_classes as rules
from app.registry.settings.forms import VisitClassForm


@bp.route("/visit-classes/")
@admin_required
def visit_class_list():
    """The three classes with their meaning, visit frequency and how many households each holds."""
    counts = dict(
        db.session.execute(
            select(Household.visit_class, func.count())
            .where(Household.status == "active")
            .group_by(Household.visit_class)
        ).all()
    )
    return render_template(
        "registry/visit_classes.html",
        classes=rules.visit_classes(),
        counts=counts,
        rows={row.level: row.id for row in db.session.scalars(select(VisitClass))},
    )


@bp.route("/visit-classes/<int:visit_class_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_visit_class(visit_class_id: int):
    row = db.get_or_404(VisitClass, visit_class_id)
    form = VisitClassForm(obj=row)
    if form.validate_on_submit():
        values = rules.VisitClassValues(
            name=form.name.data or "",
            description=form.description.data or "",
            visits_required=form.visits_required.data,
            visit_period=form.visit_period.data or "",
        )
        with saving(form) as saved:
            changed = rules.update_visit_class(row, values, user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return redirect(url_for("registry.visit_class_list"), code=303)
    return render_template("registry/visit_class_form.html", form=form, row=row)

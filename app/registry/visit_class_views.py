"""The county's visit classes (一类/二类/三类户): administrators set what each means
and how often its households must be visited."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.auth.decorators import admin_required
from app.core.forms import Form, saving
from app.extensions import db
from app.registry import bp
from app.registry import visit_classes as rules
from app.registry.models import Household, VisitClass

REQUIRED = _l("此项为必填项。")


class VisitClassForm(Form):
    name = StringField(
        _l("名称"),
        validators=[DataRequired(REQUIRED), Length(max=16)],
        description=_l("列表、导出和导入中显示的简称，如“一类”。"),
    )
    description = StringField(
        _l("含义"),
        validators=[Optional(), Length(max=200)],
        description=_l("哪些住户归入此类，如“重点关注：困难、特殊人群、矛盾隐患等”。"),
    )
    # The range is the service's rule (its message names the bounds).
    visits_required = IntegerField(
        _l("至少走访次数"),
        validators=[InputRequired(REQUIRED)],
        description=_l("每个周期至少走访的次数；填 0 表示不作次数要求。"),
    )
    visit_period = SelectField(
        _l("周期"), choices=lambda: [(k, str(v)) for k, v in rules.VISIT_PERIODS.items()], validate_choice=False
    )
    submit = SubmitField(_l("保存"))


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

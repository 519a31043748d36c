"""The scoring rules page: county administrators change points, caps, subjects and
on/off (audited); for anyone else the page does not exist (404, as the other
administrators' reference pages). What each rule counts is code and is described
on the page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.assessment import bp, services
from app.assessment.forms import InUseForm, RuleForm
from app.assessment.models import ScoringRule
from app.assessment.units import UNIT_RULES
from app.auth.decorators import admin_required
from app.core import settings as system_settings
from app.core.forms import saving
from app.extensions import db


def _form_for(rule: ScoringRule, posted: bool) -> RuleForm:
    return RuleForm(prefix=f"rule{rule.id}", obj=None if posted else rule, formdata=request.form if posted else None)


@bp.route("/assessment/rules", methods=["GET", "POST"])
@admin_required
def rules():
    """Every rule in one table, one small form a row."""
    all_rules = list(db.session.scalars(select(ScoringRule).order_by(ScoringRule.sort_order, ScoringRule.id)))
    posted_code = request.form.get("code") if request.method == "POST" else None
    forms = {rule.id: _form_for(rule, rule.code == posted_code) for rule in all_rules}
    status = 200
    posted = next((r for r in all_rules if r.code == posted_code), None)
    if posted is not None:
        form = forms[posted.id]
        if form.validate():
            with saving(form) as saved:
                changed = services.update_rule(
                    posted,
                    services.RuleValues(
                        points=form.points.data,
                        cap_month=form.cap_month.data,
                        cap_year=form.cap_year.data,
                        applies_to_grid=form.applies_to_grid.data,
                        applies_to_worker=form.applies_to_worker.data,
                        is_enabled=form.is_enabled.data,
                    ),
                    current_user,
                )
            if saved:
                flash(_("已保存“%(name)s”。", name=posted.name) if changed else _("没有改动。"), "success")
                return redirect(url_for("assessment.rules"), 303)
        status = 400
    return render_template(
        "assessment/rules.html", rules=all_rules, forms=forms, in_use_form=_in_use_form(), unit_rules=UNIT_RULES
    ), status


def _in_use_form(posted: bool = False) -> InUseForm:
    if posted:
        return InUseForm()
    return InUseForm(formdata=None, data={"in_use_from": system_settings.setting("ASSESSMENT_IN_USE_FROM")})


@bp.route("/assessment/in-use", methods=["POST"])
@admin_required
def set_in_use():
    """The county's in-use date: the boards count from it (audited as a setting)."""
    form = _in_use_form(posted=True)
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = system_settings.change("ASSESSMENT_IN_USE_FROM", form.in_use_from.data, current_user)
        if saved:
            flash(_("已保存系统启用日期。") if changed else _("没有改动。"), "success")
            return redirect(url_for("assessment.rules"), 303)
    all_rules = list(db.session.scalars(select(ScoringRule).order_by(ScoringRule.sort_order, ScoringRule.id)))
    forms = {rule.id: _form_for(rule, False) for rule in all_rules}
    return render_template("assessment/rules.html", rules=all_rules, forms=forms, in_use_form=form), 400

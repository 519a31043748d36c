"""矛盾纠纷: the screening record (排查, work-manual form 12) and mediation records
(调解, form 13) of a dispute matter. Kept by those who work on it: its owner,
its handler and the grid's workers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import Form
from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.extensions import db
from app.matters import bp, reference, workflow
from app.matters.models import DisputeScreening, Matter, Mediation

DATE_MESSAGE = _l("请按 2024-01-05 的格式填写日期。")


def _choices(table: dict) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in table.items()]


class ScreeningForm(Form):
    parties = TextAreaField(
        _l("当事人"),
        validators=[DataRequired(_l("请填写当事人。")), Length(max=1000)],
        description=_l("各方姓名及关系，如“张某（房东）与李某（租户）”。"),
    )
    dispute_type = SelectField(_l("纠纷类型"), choices=_choices(reference.DISPUTE_TYPES))
    risk_level = SelectField(_l("风险等级"), choices=_choices(reference.RISK_LEVELS))
    instability_factors = TextAreaField(
        _l("不稳定因素"), validators=[Length(max=2000)], description=_l("可能激化、引发群体性事件或极端行为的因素。")
    )
    screened_on = DateField(_l("排查日期"), validators=[DataRequired(DATE_MESSAGE)])
    submit = SubmitField(_l("保存排查记录"))


class MediationForm(Form):
    held_on = DateField(_l("调解日期"), validators=[DataRequired(DATE_MESSAGE)])
    mediators = StringField(_l("调解人"), validators=[DataRequired(_l("请填写调解人。")), Length(max=200)])
    place = StringField(_l("调解地点"), validators=[Length(max=100)])
    # Not "process": that name is taken by WTForms' Form.process().
    course = TextAreaField(_l("调解经过"), validators=[DataRequired(_l("请填写调解经过。")), Length(max=4000)])
    agreed = BooleanField(_l("达成协议"))
    agreement_text = TextAreaField(_l("协议内容"), validators=[Optional(), Length(max=4000)])
    follow_up = TextAreaField(_l("回访情况"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存调解记录"))

    def validate(self, extra_validators=None) -> bool:
        # Not validate_agreement_text(): Optional() would stop the chain before it.
        valid = super().validate(extra_validators)
        if self.agreed.data and not (self.agreement_text.data or "").strip():
            self.agreement_text.errors = [*self.agreement_text.errors, _("达成协议时请填写协议内容。")]
            return False
        return valid


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

"""Satisfaction surveys at the station: the rates of the user's grids per half-year
(the station's tally, with the public answers shown apart and counted only from
PUBLIC_SURVEY_MIN_ANSWERS on; under 80 % flagged 通报批评), and the station's
entry of a grid's tally. Stations, town and county staff enter; everyone in scope
reads. Another grid's survey is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.assessment import bp, reference, surveys
from app.assessment.forms import SurveyForm
from app.assessment.models import SatisfactionSurvey
from app.auth.roles import Permission, holds
from app.core.forms import saving
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import grid_label


def may_record_surveys(user) -> bool:
    return holds(user, Permission.RECORD_SURVEYS)


def _grids(unit: Division | None = None) -> list[Division]:
    statement = scoped_select(Division).where(Division.level == "grid", Division.status == "active")
    if unit is not None:
        statement = statement.where(Division.code.startswith(unit.code, autoescape=True))
    return list(db.session.scalars(statement.order_by(Division.code)))


@bp.route("/assessment/surveys/")
@login_required
def survey_list():
    """Each grid's satisfaction rate for both halves of the year."""
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    division_id = request.args.get("division_id", type=int)
    unit = get_visible_or_404(Division, division_id) if division_id else None
    grids = _grids(unit)
    ids = [g.id for g in grids]
    halves = {half: surveys.tallies(ids, year, half) for half in (1, 2)}
    return render_template(
        "assessment/surveys.html",
        grids=grids,
        halves=halves,
        year=year,
        unit=unit,
        years=range(today.year, today.year - 5, -1),
        grid_label=grid_label,
        half_labels=reference.HALVES,
        may_record=may_record_surveys(current_user),
        criticised_below=reference.satisfaction_criticised_below(),
        bonus_from=reference.satisfaction_bonus_from(),
        open_half=surveys.half_of(today),
        public_min=surveys.public_min_answers(),
    )


def _values(form: SurveyForm) -> surveys.SurveyValues:
    return surveys.SurveyValues(
        year=form.year.data,
        half=form.half.data,
        respondents=form.respondents.data,
        satisfied=form.satisfied.data or 0,
        basically=form.basically.data or 0,
        dissatisfied=form.dissatisfied.data or 0,
        note=form.note.data or "",
        score=form.score.data,
    )


def _save(form: SurveyForm, grids: list[Division], survey: SatisfactionSurvey | None):
    grid = next((g for g in grids if g.id == form.grid_id.data), None)
    if grid is None:
        form.grid_id.errors = list(form.grid_id.errors) + [_("请从列表中选择。")]
        return None
    with saving(form) as saved:
        survey = surveys.save_station_survey(grid, _values(form), current_user, local_today(), survey)
    if not saved:
        return None
    flash(
        _(
            "已保存%(grid)s %(year)d年%(half)s的满意度调查。",
            grid=grid.name,
            year=survey.year,
            half=surveys.half_label(survey.half),
        ),
        "success",
    )
    return redirect(url_for("assessment.survey_list", year=survey.year), 303)


@bp.route("/assessment/surveys/new", methods=["GET", "POST"])
@login_required
def new_survey():
    """Enter a grid's half-year tally (a second entry for the same half-year corrects it)."""
    if not may_record_surveys(current_user):
        abort(403)
    grids = _grids()
    form = SurveyForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    if request.method == "GET":
        year, half = surveys.half_of(local_today())
        form.grid_id.data = request.args.get("grid_id", type=int)
        form.year.data = request.args.get("year", type=int) or year
        form.half.data = request.args.get("half", type=int) if request.args.get("half") in ("1", "2") else half
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            response = _save(form, grids, None)
            if response is not None:
                return response
        status = 400
    return render_template("assessment/survey_form.html", form=form, survey=None), status


@bp.route("/assessment/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@login_required
def edit_survey(survey_id: int):
    survey = get_visible_or_404(SatisfactionSurvey, survey_id)
    if not may_record_surveys(current_user):
        abort(403)
    grids = [survey.grid]
    form = SurveyForm(obj=survey)
    form.grid_id.choices = [(survey.grid.id, grid_label(survey.grid))]
    status = 200
    if request.method == "POST":
        form.grid_id.data = survey.grid_id
        if form.validate_on_submit():
            response = _save(form, grids, survey)
            if response is not None:
                return response
        status = 400
    return render_template("assessment/survey_form.html", form=form, survey=survey), status

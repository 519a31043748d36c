"""Correcting and deleting patrols, findings and 民情日志 entries. Each deletion asks
on a confirmation page first (a plain POST form, no script needed)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core import circumstances
from app.core.forms import attach_error
from app.core.scoping import get_visible_or_404
from app.extensions import db
from app.patrols import bp, corrections, photos, services
from app.patrols.forms import DeleteForm, EntryEditForm, FindingEditForm, PatrolEditForm, matter_class_choices
from app.patrols.models import OpinionEntry, Patrol, PatrolFinding
from app.registry.points.forms import point_select_choices


def _saved(form, change) -> bool:
    """Run a correction; on refusal roll back and show the message at its field."""
    try:
        changed = change()
    except services.FieldworkError as error:
        db.session.rollback()
        attach_error(form, error)
        return False
    db.session.commit()
    flash(_("已保存。") if changed else _("没有修改。"), "success")
    return True


def _confirm_delete(form: DeleteForm, what: str, back: str, delete, done: str):
    """GET: the confirmation page. POST: delete, or go back with the refusal."""
    if form.validate_on_submit():
        try:
            photo_files = delete()
        except services.FieldworkError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(back, 303)
        db.session.commit()
        # A deleted finding's photos go too (files, after the rows are gone for good).
        photos.remove_files(photo_files or [])
        flash(_("已删除。"), "success")
        return redirect(done, 303)
    if request.method == "POST":  # a stale or missing CSRF token
        flash(_("请重新确认删除。"), "error")
    return render_template("patrols/confirm_delete.html", form=form, what=what, back=back)


# --- Patrols ------------------------------------------------------------------------------


@bp.route("/patrols/<int:patrol_id>/edit", methods=["GET", "POST"])
@login_required
def edit_patrol(patrol_id: int):
    patrol = get_visible_or_404(Patrol, patrol_id)
    require(Permission.EDIT_REGISTERS)
    form = PatrolEditForm(obj=patrol)
    if form.validate_on_submit():
        values = corrections.PatrolChanges(
            patrol_date=form.patrol_date.data,
            start_time=form.start_time.data,
            end_time=form.end_time.data,
            route=form.route.data or "",
            note=form.note.data or "",
        )
        if _saved(form, lambda: corrections.update_patrol(patrol, values, current_user)):
            return redirect(url_for("patrols.patrol_detail", patrol_id=patrol_id), 303)
        patrol = db.session.get(Patrol, patrol_id)
    return render_template(
        "patrols/edit_form.html",
        form=form,
        patrol=patrol,
        title=_("修改巡查 %(day)s", day=patrol.patrol_date.isoformat()),
        back=url_for("patrols.patrol_detail", patrol_id=patrol_id),
    )


@bp.route("/patrols/<int:patrol_id>/delete", methods=["GET", "POST"])
@login_required
def delete_patrol(patrol_id: int):
    patrol = get_visible_or_404(Patrol, patrol_id)
    require(Permission.EDIT_REGISTERS)
    back = url_for("patrols.patrol_detail", patrol_id=patrol_id)
    if request.method == "GET" and any(f.matter_id is not None for f in patrol.findings):
        flash(_("这次巡查有发现已上报为事件，不能删除。"), "error")
        return redirect(back, 303)
    what = _(
        "巡查 %(day)s %(route)s（%(count)s 条发现）",
        day=patrol.patrol_date.isoformat(),
        route=patrol.route,
        count=len(patrol.findings),
    )
    return _confirm_delete(
        DeleteForm(),
        what,
        back,
        lambda: corrections.delete_patrol(patrol, current_user),
        url_for("patrols.patrol_list"),
    )


# --- Findings -----------------------------------------------------------------------------


def _visible_finding(patrol_id: int, finding_id: int) -> PatrolFinding:
    patrol = get_visible_or_404(Patrol, patrol_id)
    finding = get_visible_or_404(PatrolFinding, finding_id)
    if finding.patrol_id != patrol.id:
        abort(404)
    return finding


@bp.route("/patrols/<int:patrol_id>/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@login_required
def edit_finding(patrol_id: int, finding_id: int):
    finding = _visible_finding(patrol_id, finding_id)
    require(Permission.EDIT_REGISTERS)
    form = FindingEditForm(obj=finding)
    form.point_id.choices = point_select_choices([finding.patrol.grid_id], finding.point_id)
    if len(form.point_id.choices) == 1:
        del form.point_id  # the grid has no points registered
    if form.validate_on_submit():
        values = services.FindingValues(
            description=form.description.data or "",
            place=form.place.data or "",
            point_id=form.point_id.data or None if "point_id" in form else finding.point_id,
            handled_on_spot=form.handled_on_spot.data,
            handling=form.handling.data or "",
        )
        if _saved(form, lambda: corrections.update_finding(finding, values, current_user)):
            return redirect(url_for("patrols.patrol_detail", patrol_id=patrol_id), 303)
        finding = db.session.get(PatrolFinding, finding_id)
    return render_template(
        "patrols/edit_form.html",
        form=form,
        patrol=finding.patrol,
        finding=finding,
        title=_("修改发现的情况"),
        back=url_for("patrols.patrol_detail", patrol_id=patrol_id),
    )


@bp.route("/patrols/<int:patrol_id>/findings/<int:finding_id>/delete", methods=["GET", "POST"])
@login_required
def delete_finding(patrol_id: int, finding_id: int):
    finding = _visible_finding(patrol_id, finding_id)
    require(Permission.EDIT_REGISTERS)
    back = url_for("patrols.patrol_detail", patrol_id=patrol_id)
    if request.method == "GET" and finding.matter_id is not None:
        flash(_("这条发现已上报为事件，不能删除。"), "error")
        return redirect(back, 303)
    return _confirm_delete(
        DeleteForm(),
        _("发现的情况：%(text)s", text=finding.description),
        back,
        lambda: corrections.delete_finding(finding, current_user),
        back,
    )


# --- 民情日志 -------------------------------------------------------------------------------


@bp.route("/opinions/<int:opinion_id>/edit", methods=["GET", "POST"])
@login_required
def edit_opinion(opinion_id: int):
    entry = get_visible_or_404(OpinionEntry, opinion_id)
    require(Permission.EDIT_REGISTERS)
    form = EntryEditForm(obj=entry)
    form.matter_class.choices = matter_class_choices(_("（按类别默认）"))
    if form.validate_on_submit():
        values = corrections.EntryChanges(
            said_on=form.said_on.data,
            category=form.category.data,
            content=form.content.data or "",
            disposition=form.disposition.data,
            resident_name=form.resident_name.data or "",
            place=form.place.data or "",
            settled_note=form.settled_note.data or "",
            matter_class=form.matter_class.data or "",
            **circumstances.values_of(form),
        )
        if _saved(form, lambda: corrections.update_entry(entry, values, current_user)):
            return redirect(url_for("patrols.opinion_detail", opinion_id=opinion_id), 303)
        entry = db.session.get(OpinionEntry, opinion_id)
    return render_template("patrols/entry_form.html", form=form, entry=entry)


@bp.route("/opinions/<int:opinion_id>/delete", methods=["GET", "POST"])
@login_required
def delete_opinion(opinion_id: int):
    entry = get_visible_or_404(OpinionEntry, opinion_id)
    require(Permission.EDIT_REGISTERS)
    if request.method == "GET" and entry.matter_id is not None:
        flash(_("这条民情日志已上报为事件，不能删除。"), "error")
        return redirect(url_for("patrols.opinion_detail", opinion_id=opinion_id), 303)
    what = _("民情日志 %(day)s：%(text)s", day=entry.said_on.isoformat(), text=entry.content)
    return _confirm_delete(
        DeleteForm(),
        what,
        url_for("patrols.opinion_detail", opinion_id=opinion_id),
        lambda: corrections.delete_entry(entry, current_user),
        url_for("patrols.opinion_log"),
    )

"""The handover page of a grid post, the succession page of a post above the grids,
and the packs kept with past handovers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.adjustments import bp, handover, succession
from app.adjustments.forms import HandoverForm, SuccessionForm
from app.adjustments.models import Handover
from app.auth import audit
from app.auth.decorators import require
from app.auth.roles import Permission
from app.core import once
from app.core.forms import saving
from app.core.rendering import pdf_download
from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.org.models import StaffAssignment


@bp.route("/assignments/<int:assignment_id>/handover", methods=["GET", "POST"])
@login_required
def handover_page(assignment_id: int):
    """交接: the successor, the day, the leaver's account; 打印交接清单 prints the pack for
    signing (nothing saved), 确认交接 ends the post and hands everything over."""
    assignment = get_visible_or_404(StaffAssignment, assignment_id)
    require(Permission.EDIT_GRID_DATA)
    if not handover.needs_handover(assignment):
        abort(404)
    candidates = handover.successors(assignment)
    form = HandoverForm()
    form.successor.choices = [(0, _("请选择"))] + [(s.id, s.name) for s in candidates]
    if form.validate_on_submit() and (form.preview.data or form.submit.data):
        successor = next((s for s in candidates if s.id == form.successor.data), None)
        if successor is None:
            form.successor.errors = [_("请选择接收人。")]
        elif form.end_date.data is None:
            form.end_date.errors = [_("请输入有效日期，格式为 YYYY-MM-DD。")]
        elif form.preview.data:
            # Printing reads: the form's one-time token is let go, so that 确认交接 on the
            # same page is not taken for this form sent again.
            once.release()
            contents = handover.pack_contents(assignment, successor, form.end_date.data, current_user)
            printed = handover.render_pack(contents)
            audit.record_now(
                "printed",
                target=assignment.division,
                summary=_("网格交接清单"),
                detail={"document": "handover", "scope": assignment.division.code, "pages": printed.pages},
            )
            return pdf_download(printed.pdf, _("交接清单-%(grid)s", grid=assignment.division.name))
        else:
            with saving(form) as saved:
                record = handover.hand_over(assignment, successor, form.end_date.data, form.account.data, current_user)
            if saved:
                flash(
                    _(
                        "已交接：%(leaver)s 的岗位已结束，%(n)d 名重点人员的责任人改为 %(successor)s。",
                        leaver=assignment.staff.name,
                        n=record.key_persons_moved,
                        successor=successor.name,
                    ),
                    "success",
                )
                return redirect(url_for("org.grid_history", division_id=assignment.division_id), code=303)
    return render_template(
        "adjustments/handover.html",
        form=form,
        assignment=assignment,
        has_account=assignment.staff.user is not None,
        candidates=candidates,
    )


@bp.route("/assignments/<int:assignment_id>/succession", methods=["GET", "POST"])
@login_required
def succession_page(assignment_id: int):
    """接任: a post above the grids ends with its successor named; the page shows what
    is under the post (its grids and their open work) before it is handed over."""
    assignment = get_visible_or_404(StaffAssignment, assignment_id)
    require(Permission.EDIT_GRID_DATA)
    if not succession.needs_succession(assignment):
        abort(404)
    candidates = succession.successors(assignment)
    form = SuccessionForm()
    form.successor.choices = [(0, _("请选择"))] + [(s.id, s.name) for s in candidates]
    if not form.is_submitted():
        form.end_date.data = local_today()
    if form.validate_on_submit():
        successor = next((s for s in candidates if s.id == form.successor.data), None)
        with saving(form) as saved:
            taken = succession.succeed(assignment, successor, form.end_date.data, current_user, local_today())
        if saved:
            flash(
                _(
                    "已交接：%(post)s由 %(successor)s 自 %(day)s 起接任。",
                    post=assignment.role_label,
                    successor=taken.staff.name,
                    day=taken.start_date.isoformat(),
                ),
                "success",
            )
            return redirect(url_for("org.staff_detail", staff_id=taken.staff_id, _anchor="assignments"), code=303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "adjustments/succession.html",
        form=form,
        assignment=assignment,
        handed=succession.what_is_handed(assignment),
        candidates=candidates,
    ), status


@bp.route("/handovers/<int:handover_id>/pack.pdf")
@login_required
def handover_pack(handover_id: int):
    """The pack exactly as it was printed for signing (the bytes kept with the record)."""
    record = get_visible_or_404(Handover, handover_id)
    audit.record_now(
        "printed",
        target=record,
        summary=_("网格交接清单"),
        detail={"document": "handover", "scope": record.grid.code, "sha256": record.pack_sha256},
    )
    return pdf_download(record.pack_pdf, _("交接清单-%(grid)s", grid=record.grid.name))

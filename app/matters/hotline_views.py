"""12345 hotline pages: upload work orders → preview (nothing written) → confirm (all
or nothing), the template, and the 回单 export. Town staff and county administrators
only, each within their scope. The rules live in app.matters.hotline."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import audit
from app.auth.roles import Permission
from app.core.forms import RuleError
from app.core.rendering import xlsx_download
from app.core.uploads import KeptUploads
from app.extensions import db
from app.matters import bp, hotline, hotline_receipts, hotline_sheet
from app.matters.forms import HotlineConfirmForm, HotlineImportForm, ReceiptForm
from app.matters.indicator_views import read_period
from app.org.models import Division
from app.org.services import chosen_grid, division_choices, visible_grids

UPLOADS = KeptUploads("hotline", "hotline_import")
# Numbers of the work orders named in one audit entry (the counts are always complete).
AUDIT_NUMBERS = 200


def _may_use_hotline() -> list[Division]:
    """Town staff and county administrators (Permission.USE_HOTLINE), with the grids
    they may import into."""
    if not current_user.can(Permission.USE_HOTLINE):
        abort(403)
    return visible_grids()


# --- Pages ---------------------------------------------------------------------------


def _scope(grids: list[Division], grid_id: int | None) -> hotline.HotlineScope | None:
    """None when a chosen grid is not one of the user's."""
    fixed = chosen_grid(grids, grid_id) if grid_id else None
    if grid_id and fixed is None:
        return None
    return hotline.HotlineScope(grids, fixed, current_user._get_current_object())


def _page(form: HotlineImportForm, status: int = 200):
    receipts = ReceiptForm(request.args)
    read_period(receipts)
    return render_template("matters/hotline.html", form=form, receipts=receipts), status


def _import_form(grids: list[Division]) -> HotlineImportForm:
    form = HotlineImportForm()
    form.grid_id.choices = [(0, _("（按表中每行的网格）"))] + division_choices(grids)
    return form


@bp.route("/matters/hotline/", methods=["GET", "POST"])
@login_required
def hotline_import():
    """Upload a 12345 file; the preview lists every problem and writes nothing."""
    grids = _may_use_hotline()
    form = _import_form(grids)
    if form.validate_on_submit():
        scope = _scope(grids, form.grid_id.data)
        if scope is None:
            form.grid_id.errors = [_("请选择您管辖范围内的网格。")]
            return _page(form, 400)
        data = form.file.data.read()
        try:
            report = hotline.run_import(data, scope, dry_run=True)
        except RuleError as error:
            db.session.rollback()
            form.file.errors = [str(error)]
            return _page(form, 400)
        db.session.rollback()
        token = UPLOADS.keep(data) if report.ok and report.orders else None
        confirm = HotlineConfirmForm(
            formdata=None, token=token or "", grid_id=str(scope.fixed.id) if scope.fixed else ""
        )
        return render_template(
            "matters/hotline_preview.html",
            report=report,
            form=confirm,
            grid=scope.fixed,
            filename=form.file.data.filename or "",
        )
    return _page(form, 400 if request.method == "POST" else 200)


@bp.route("/matters/hotline/confirm", methods=["POST"])
@login_required
def hotline_confirm():
    """Create the checked work orders in one transaction: all of them or none."""
    grids = _may_use_hotline()
    form = HotlineConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = UPLOADS.path(form.token.data)
    if path is None:
        flash(_("导入文件已过期或已导入，请重新上传。"), "error")
        return redirect(url_for("matters.hotline_import"), code=303)
    scope = _scope(grids, int(form.grid_id.data) if (form.grid_id.data or "").isdigit() else None)
    if scope is None:
        abort(404)
    try:
        report = hotline.run_import(path.read_bytes(), scope, dry_run=False)
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("matters.hotline_import"), code=303)
    if not report.ok:
        # Something changed since the preview: nothing is kept, the problems are shown.
        db.session.rollback()
        return render_template("matters/hotline_preview.html", report=report, form=None, grid=scope.fixed, filename="")
    audit.record(
        "hotline_imported",
        summary=report.summary(),
        detail={
            "created": len(report.orders),
            "skipped": len(report.skipped),
            "grid": scope.fixed.code if scope.fixed else None,
            "work_orders": [o.hotline_number for o in report.orders][:AUDIT_NUMBERS],
        },
    )
    db.session.commit()
    UPLOADS.forget(form.token.data)
    flash(_("导入完成。%(summary)s", summary=report.summary()), "success")
    return redirect(url_for("matters.hotline_import"), code=303)


@bp.route("/matters/hotline/template.xlsx")
@login_required
def hotline_template():
    """An empty hotline sheet with the user's grids in its notes."""
    return xlsx_download(hotline_sheet.template_bytes(_may_use_hotline()), _("12345热线工单导入模板"))


@bp.route("/matters/hotline/receipts.xlsx")
@login_required
def hotline_receipts_export():
    """The 回单 of the work orders called in during the chosen days, in scope; audited."""
    _may_use_hotline()
    form = ReceiptForm(request.args)
    chosen = read_period(form)
    if not chosen.valid:
        flash(_("请改正回单的日期。"), "error")
        return _page(_import_form(visible_grids()), 400)
    choice = hotline_receipts.ReceiptFilter(
        chosen.period.first_day, chosen.period.last_day, chosen.within, bool(form.closed_only.data)
    )
    statement = hotline_receipts.receipt_statement(current_user, choice)
    limit = current_app.config["WEB_EXPORT_MAX_ROWS"]
    matters = hotline_receipts.receipt_rows(statement.limit(limit + 1))
    if len(matters) > limit:
        flash(_("符合条件的工单超过 %(n)d 件，请缩短日期范围或选择更小的范围后分批导出。", n=limit), "error")
        return _page(_import_form(visible_grids()), 400)
    payload = hotline_receipts.receipt_bytes(matters, choice)
    audit.record_now(
        "hotline_receipts_exported",
        summary=_("回单 %(n)d 件", n=len(matters)),
        detail={
            "from": choice.first_day.isoformat(),
            "to": choice.last_day.isoformat(),
            "division": choice.within.code if choice.within else None,
            "closed_only": choice.closed_only,
            "rows": len(matters),
        },
    )
    return xlsx_download(payload, _("12345热线回单"))

"""Excel in and out on the web: masked exports of the resident and household lists
(same filters, same scope), the import template, and the import: upload → preview
(nothing written) → confirm (one transaction). The rules live in xlsx_import.

An import of tens of thousands of rows takes seconds to check. Neither the preview
nor the confirmation checks while holding SQLite's write lock (every other save in
the county would wait behind it): both check in a read transaction, and the
confirmation then writes the checked plan in one short write transaction — after
checking again under the lock only if the register changed meanwhile."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, literal_column, select

from app.auth import audit
from app.auth.decorators import require
from app.auth.roles import Permission
from app.core import once
from app.core.database import read_transactions
from app.core.forms import RuleError
from app.core.rendering import xlsx_download
from app.core.scoping import scoped_select
from app.core.uploads import KeptUploads
from app.extensions import db
from app.org.models import Division
from app.org.services import chosen_grid, division_choices, visible_grids
from app.registry import bp
from app.registry.people.models import CareTag, Household, Resident
from app.registry.search import filters as search
from app.registry.transfer import xlsx_export, xlsx_import
from app.registry.transfer.forms import ConfirmForm, ImportForm

UPLOADS = KeptUploads("imports", "registry_import")


def _audit_export(kind: str, count: int, filters: dict) -> None:
    audit.record_now(
        "register_exported",
        summary=_("%(kind)s %(n)d 条", kind=kind, n=count),
        detail={
            "register": kind,
            "rows": count,
            "filters": {k: v for k, v in filters.items() if v not in (None, "", False)},
        },
    )


# --- Exports -------------------------------------------------------------------------


def _too_many(statement) -> bool:
    """More rows than one web request should write: say so (with what to do) instead
    of holding a worker for minutes. Counts no further than the limit."""
    limit = current_app.config["WEB_EXPORT_MAX_ROWS"]
    capped = statement.order_by(None).with_only_columns(literal_column("1")).limit(limit + 1).subquery()
    if db.session.scalar(select(func.count()).select_from(capped)) <= limit:
        return False
    flash(
        _(
            "符合条件的超过 %(n)d 条，网页一次最多导出 %(n)d 条。请按网格或查找条件分批导出；"
            "整县导出请管理员在服务器上运行 flask --app app export。",
            n=limit,
        ),
        "error",
    )
    return True


def _list_args(filters: dict, resident: bool) -> dict:
    """The list's URL arguments for these export filters (back where the user was)."""
    args = {"q": filters["query"] or None, "grid": filters["grid_id"]}
    if resident:
        args.update(tag=filters["tag_id"], status=filters["status"])
    else:
        args.update(
            type=filters["household_type"] or None,
            visit=filters["visit_class"],
            closed="1" if filters["closed"] else None,
        )
    return args


@bp.route("/residents/export.xlsx")
@login_required
def export_residents():
    """The resident list as it is filtered, every row in scope, numbers masked."""
    filters = {
        "query": request.args.get("q", "").strip(),
        "grid_id": request.args.get("grid", type=int),
        "tag_id": request.args.get("tag", type=int),
        "status": request.args.get("status", "active"),
    }
    statement = search.filter_residents(scoped_select(Resident), **filters)
    if _too_many(statement):
        return redirect(url_for("registry.resident_list", **_list_args(filters, resident=True)))
    rows = xlsx_export.resident_rows(statement)
    payload = xlsx_export.export_residents(rows)
    _audit_export(_("实有人口"), rows.count, filters)
    return xlsx_download(payload, _("实有人口"))


@bp.route("/households/export.xlsx")
@login_required
def export_households():
    """The household list as it is filtered, every row in scope, head's numbers masked."""
    filters = {
        "query": request.args.get("q", "").strip(),
        "grid_id": request.args.get("grid", type=int),
        "household_type": request.args.get("type", ""),
        "visit_class": request.args.get("visit", type=int),
        "closed": request.args.get("closed") == "1",
    }
    statement = search.filter_households(scoped_select(Household), **filters)
    if _too_many(statement):
        return redirect(url_for("registry.household_list", **_list_args(filters, resident=False)))
    rows = xlsx_export.household_rows(statement)
    payload = xlsx_export.export_households(rows)
    _audit_export(_("住户"), rows.count, filters)
    return xlsx_download(payload, _("住户"))


@bp.route("/residents/import/template.xlsx")
@login_required
def import_template():
    """The import template, with the user's grids and the county's care tags in its notes."""
    tags = list(db.session.scalars(select(CareTag.name).where(CareTag.is_active).order_by(CareTag.name)))
    return xlsx_download(xlsx_import.template_bytes(visible_grids(), tags), _("人员与住户导入模板"))


# --- Import --------------------------------------------------------------------------


def _scope(grids: list[Division], grid_id: int | None) -> xlsx_import.ImportScope | None:
    """The grids rows may name; None when a chosen grid is not the user's."""
    fixed = chosen_grid(grids, grid_id) if grid_id else None
    if grid_id and fixed is None:
        return None
    return xlsx_import.ImportScope({g.code: g for g in grids}, fixed, current_user._get_current_object())


def _preview(report, token: str | None, grid: Division | None, filename: str = ""):
    form = ConfirmForm(formdata=None, token=token or "", grid_id=str(grid.id) if grid else "")
    return render_template("registry/import_preview.html", report=report, form=form, grid=grid, filename=filename)


@bp.route("/residents/import", methods=["GET", "POST"])
@login_required
def import_residents():
    """Upload a sheet of residents and households; the preview writes nothing."""
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    if not grids:
        abort(404)
    form = ImportForm()
    form.grid_id.choices = [(0, _("（按表中每行的网格编码）"))] + division_choices(grids)
    if form.validate_on_submit():
        scope = _scope(grids, form.grid_id.data)
        if scope is None:
            form.grid_id.errors = [_("请选择您管辖范围内的网格。")]
        else:
            data = form.file.data.read()
            once.release()  # a preview saves nothing: the same form may be sent again
            try:
                with read_transactions():
                    report = xlsx_import.run_import(data, scope, dry_run=True, max_bytes=xlsx_import.IMPORT_MAX_BYTES)
            except RuleError as error:
                db.session.rollback()
                form.file.errors = [str(error)]
            else:
                db.session.rollback()
                token = UPLOADS.keep(data) if report.ok else None
                return _preview(report, token, scope.fixed, form.file.data.filename or "")
    return render_template("registry/import_form.html", form=form)


@bp.route("/residents/import/confirm", methods=["POST"])
@login_required
def confirm_import():
    """Apply the checked upload in one transaction: all rows or none."""
    require(Permission.EDIT_REGISTERS)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = UPLOADS.path(form.token.data)
    if path is None:
        flash(_("导入文件已过期或已导入，请重新上传。"), "error")
        return redirect(url_for("registry.import_residents"), code=303)
    scope = _scope(visible_grids(), int(form.grid_id.data) if (form.grid_id.data or "").isdigit() else None)
    if scope is None:
        abort(404)
    data = path.read_bytes()
    once.release()  # claimed again below, in the transaction that writes
    try:
        with read_transactions():
            checked_state = xlsx_import.register_state()
            report, plan = xlsx_import.check_import(data, scope, record=True)
        db.session.rollback()
        if report.ok:
            # Every row in the engine's values before others have to wait for us.
            prepared = xlsx_import.prepare_plan(plan)
            answer = once.claim()  # the write transaction begins here
            if answer is not None:
                return answer  # the same confirmation, sent twice: answered by the first
            if xlsx_import.register_state() != checked_state:
                # Someone changed the register during the check: check again, now
                # that no one else can (rare; the slow way, but never a stale plan).
                report, plan = xlsx_import.check_import(data, scope, record=True)
                prepared = xlsx_import.prepare_plan(plan) if report.ok else None
    except RuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("registry.import_residents"), code=303)
    if not report.ok:
        # The register changed since the preview: nothing is kept, the problems are shown.
        db.session.rollback()
        return _preview(report, None, scope.fixed)
    xlsx_import.apply_plan(prepared)
    audit.record(
        "register_imported",
        summary=report.summary(),
        detail={
            "rows": report.rows,
            "residents": vars(report.residents),
            "households": vars(report.households),
            "grid": scope.fixed.code if scope.fixed else None,
        },
    )
    db.session.commit()
    UPLOADS.forget(form.token.data)
    flash(_("导入完成。%(summary)s", summary=report.summary()), "success")
    return redirect(url_for("registry.resident_list", grid=scope.fixed.id if scope.fixed else None), code=303)

"""Printing ledgers from the web: choose the form, the grid or community, the period
and filled / blank / xlsx; the file comes back as a download and the print is
recorded in the audit log (who, what, which scope, how many records, when)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import audit
from app.auth.roles import may_see_key_persons
from app.core.rendering import pdf_download, xlsx_download
from app.core.scoping import scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import division_choices
from app.printing import bp
from app.printing.forms import LedgerForm
from app.printing.ledgers import LedgerScope, all_ledgers, get_ledger, ledger_pdf, ledger_xlsx
from app.printing.pdf import PrintResult


def printable_divisions(user=None, include_retired: bool = False) -> list[Division]:
    """Communities and grids in scope; with `include_retired`, grids retired by a split or
    merge too — their ledgers of the periods they existed still print."""
    statement = scoped_select(Division, user).where(Division.level.in_(("community", "grid")))
    if not include_retired:
        statement = statement.where(Division.status == "active")
    return list(db.session.scalars(statement.order_by(Division.code)))


def print_detail(document: str, scope_label: str, records: int, result: PrintResult | None = None) -> dict:
    """What the print audit keeps: the document, the scope, how many records, the
    pages, and characters the bundled font lacked (with the text around them)."""
    detail = {"document": document, "scope": scope_label, "records": records}
    if result is not None:
        detail["pages"] = result.pages
        if result.missing_glyphs:
            detail["missing_glyphs"] = result.missing_glyphs[:50]
    return detail


def audit_print(document: str, scope_label: str, records: int, result: PrintResult | None = None) -> None:
    """Record a print in the audit log now (print_detail, print_summary)."""
    detail = print_detail(document, scope_label, records, result)
    audit.record_now("printed", summary=print_summary(detail), detail=detail)


def print_summary(detail: dict) -> str:
    return _(
        "%(document)s · %(scope)s · %(n)d 条", document=detail["document"], scope=detail["scope"], n=detail["records"]
    )


def may_print(ledger, user) -> bool:
    return not ledger.key_persons or may_see_key_persons(user)


@bp.route("/ledgers/")
@login_required
def ledgers():
    """The ledger list and the print form (GET: printing reads, but writes the audit)."""
    divisions = printable_divisions(include_retired=True)
    form = LedgerForm(request.args)
    form.division_id.choices = division_choices(divisions)
    available = [ledger for ledger in all_ledgers() if may_print(ledger, current_user)]
    if not request.args:
        today = local_today()
        form.start.data, form.end.data = today.replace(day=1), today
        return render_template("printing/ledgers.html", form=form, ledgers=available)
    if not form.validate():
        return render_template("printing/ledgers.html", form=form, ledgers=available), 400
    ledger = get_ledger(form.number.data)
    division = next((d for d in divisions if d.id == form.division_id.data), None)
    if ledger is None or not may_print(ledger, current_user):
        abort(404)
    if division is None:
        form.division_id.errors = [_("请选择您管辖范围内的网格或社区（村）。")]
        return render_template("printing/ledgers.html", form=form, ledgers=available), 400
    if form.end.data < form.start.data:
        form.end.errors = [_("截止日期早于起始日期。")]
        return render_template("printing/ledgers.html", form=form, ledgers=available), 400
    if not division.is_active and division.valid_to is not None and form.start.data > division.valid_to:
        form.start.errors = [_("该网格已于 %(d)s 撤销，请选择此前的期间。", d=division.valid_to.isoformat())]
        return render_template("printing/ledgers.html", form=form, ledgers=available), 400
    scope = LedgerScope(division, form.start.data, form.end.data)
    return _output(ledger, scope, form.output.data)


def _output(ledger, scope: LedgerScope, output: str):
    name = f"{ledger.number}-{ledger.title}-{scope.division.name}"
    if output == "xlsx":
        payload, count = ledger_xlsx(ledger, scope)
        _audit_now(str(ledger.title), scope, count, None, "xlsx")
        return xlsx_download(payload, name)
    result, count = ledger_pdf(ledger, scope, blank=output == "blank")
    _audit_now(str(ledger.title), scope, count, result, output)
    return pdf_download(result.pdf, name)


def _audit_now(document: str, scope: LedgerScope, count: int, result, output: str) -> None:
    audit_print(f"{document} ({output})", f"{scope.division.full_name} {scope.period_label}", count, result)

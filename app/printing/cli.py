"""`flask print …`: batch printing from the command line (audited as "cli")."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup


@click.group("print", cls=AppGroup)
def print_group() -> None:
    """Print ledgers and notices to PDF (or xlsx for ledgers)."""


def parse_period(period: str | None) -> tuple[date, date]:
    """2026-10 → the month; 2026 → the year; none → this month so far."""
    from app.core.timeutil import local_today

    today = local_today()
    if not period:
        return today.replace(day=1), today
    try:
        if len(period) == 4:
            year = int(period)
            return date(year, 1, 1), date(year, 12, 31)
        year, month = (int(part) for part in period.split("-"))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise click.BadParameter(f"{period}: 请写作 2026-10 或 2026 / use 2026-10 or 2026") from None


@print_group.command("ledger")
@click.option("--form", "number", required=True, type=int, help="台账编号 1–15 / ledger number")
@click.option("--grid", "code", required=True, help="网格或社区编码 / grid or community code")
@click.option("--period", default=None, help="2026-10 (month) or 2026 (year); default this month")
@click.option("--blank", is_flag=True, help="空白表 / blank form for handwriting")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def print_ledger(number: int, code: str, period: str | None, blank: bool, out: str) -> None:
    """One ledger of the work manual; .xlsx output when --out ends in .xlsx."""
    from sqlalchemy import select

    from app.auth import audit
    from app.core.database import write_transactions
    from app.extensions import db
    from app.org.models import Division
    from app.printing.ledgers import LedgerScope, get_ledger, ledger_pdf, ledger_xlsx
    from app.printing.views import print_detail, print_summary

    ledger = get_ledger(number)
    if ledger is None:
        raise click.BadParameter(f"没有第 {number} 号台账 / no ledger {number}")
    division = db.session.scalar(select(Division).where(Division.code == code.strip()))
    if division is None or division.level not in ("grid", "community"):
        raise click.ClickException(f"没有编码为 {code} 的网格或社区 / no grid or community {code}")
    start, end = parse_period(period)
    scope = LedgerScope(division, start, end)
    if out.endswith(".xlsx"):
        payload, count = ledger_xlsx(ledger, scope)
        result, output = None, "xlsx"
    else:
        result, count = ledger_pdf(ledger, scope, blank=blank)
        payload, output = result.pdf, "blank" if blank else "pdf"
    Path(out).write_bytes(payload)
    detail = print_detail(f"{ledger.title} ({output})", f"{division.full_name} {scope.period_label}", count, result)
    db.session.rollback()
    with write_transactions():
        audit.record("printed", summary=print_summary(detail), detail=detail, actor_name="cli")
        db.session.commit()
    pages = f", {result.pages} 页 / pages" if result else ""
    click.echo(f"{out}: {count} 条 / records{pages}")
    if result and result.missing_glyphs:
        click.echo(
            "无字库可显示 / characters no font has: " + "、".join(sorted({m["char"] for m in result.missing_glyphs})),
            err=True,
        )


def _division_by_code(code: str, levels: tuple[str, ...]):
    from sqlalchemy import select

    from app.extensions import db
    from app.org.models import Division

    division = db.session.scalar(select(Division).where(Division.code == code.strip()))
    if division is None or division.level not in levels:
        raise click.ClickException(f"没有编码为 {code} 的网格 / no grid {code}")
    return division


def _audit_cli(detail: dict) -> None:
    from app.auth import audit
    from app.core.database import write_transactions
    from app.extensions import db
    from app.printing.views import print_summary

    db.session.rollback()
    with write_transactions():
        audit.record("printed", summary=print_summary(detail), detail=detail, actor_name="cli")
        db.session.commit()


@print_group.command("poster")
@click.option("--grid", "code", required=True, help="网格编码 / grid code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def print_poster(code: str, out: str) -> None:
    """上岗公示 poster (A3) of a grid, from today's staff. The QR code points to
    PUBLIC_BASE_URL + /public/grids/CODE/ (set PUBLIC_BASE_URL for printing)."""
    from app.core import addresses
    from app.printing import publicity
    from app.printing.views import print_detail

    grid = _division_by_code(code, ("grid",))
    result, count = publicity.poster_pdf(grid)
    Path(out).write_bytes(result.pdf)
    _audit_cli(print_detail("上岗公示", grid.full_name, count, result))
    click.echo(f"{out}: {count} 人 / staff, {result.pages} 页 / pages")
    if addresses.configured_base_url() is None:
        click.echo(
            f"PUBLIC_BASE_URL 未设置，二维码指向 {addresses.DEVELOPMENT_BASE_URL} / PUBLIC_BASE_URL "
            f"is not set: the QR code points to {addresses.DEVELOPMENT_BASE_URL}",
            err=True,
        )


@print_group.command("roster")
@click.option("--grid", "code", required=True, help="网格或社区编码 / grid or community code")
@click.option(
    "--period",
    "kind",
    type=click.Choice(["week", "month"]),
    default=None,
    help="week or month; default the roster covering --date (week first)",
)
@click.option("--date", "day", default=None, help="a day of the period (2026-11-23); default today")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def print_roster(code: str, kind: str | None, day: str | None, out: str) -> None:
    """Duty roster notice (A4) of the grid's community (station)."""
    from app.core.timeutil import local_today
    from app.printing import publicity
    from app.printing.views import print_detail

    division = _division_by_code(code, ("grid", "community"))
    community = division.parent if division.level == "grid" else division
    try:
        when = date.fromisoformat(day) if day else local_today()
    except ValueError:
        raise click.BadParameter(f"{day}: 请写作 2026-11-23 / use 2026-11-23") from None
    if kind:
        roster = publicity.roster_for(community, kind, publicity.period_bounds(kind, when)[0])
        rosters = [roster] if roster is not None and not roster.is_empty else []
    else:
        rosters = publicity.current_rosters(community, when)
    if not rosters:
        raise click.ClickException(f"{community.name} 没有这一期的值班表 / no roster for this period")
    roster = rosters[0]
    result = publicity.roster_pdf(roster)
    Path(out).write_bytes(result.pdf)
    _audit_cli(print_detail("值班表", publicity.roster_title(roster), len(roster.shifts), result))
    click.echo(f"{out}: {len(roster.shifts)} 人次 / shifts, {result.pages} 页 / pages")


@print_group.command("binder")
@click.option("--grid", "code", required=True, help="网格或社区编码 / grid or community code")
@click.option("--period", default=None, help="2026-10 (month) or 2026 (year); default this month")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--only-changed",
    is_flag=True,
    help="只打印自上次打印以来有变化的部分 / only sections changed since the last binder",
)
def print_binder(code: str, period: str | None, out: str, only_changed: bool) -> None:
    """The inspection binder (迎检包) of a grid or community: cover, contents, basics and
    staff, the work manual, every ledger and the matters closed in the period."""
    from app.printing.binder import build_binder
    from app.printing.views import print_detail

    division = _division_by_code(code, ("grid", "community"))
    start, end = parse_period(period)

    def progress(done: int, total: int, label: str) -> None:
        click.echo(f"[{done}/{total}] {label}")

    result = build_binder(division, start, end, None, progress=progress, only_changed=only_changed)
    Path(out).write_bytes(result.pdf)
    detail = print_detail("迎检包 (binder)", f"{division.full_name} {start} — {end}", result.records, result)
    detail["sections"] = len(result.included)
    _audit_cli(detail)
    click.echo(
        f"{out}: {len(result.included)} 部分 / sections, {result.records} 条 / records, "
        f"{result.pages} 页 / pages; {result.reused_parts} 个部分沿用上次排版 / parts reused from the print cache"
    )
    if result.missing_glyphs:
        click.echo(
            "无字库可显示 / characters no font has: " + "、".join(sorted({m["char"] for m in result.missing_glyphs})),
            err=True,
        )

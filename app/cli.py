"""flask sub-commands: seed-demo, import and export of registers, accounts, backup and
restore (serve and worker: app/core/serving.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.database import refresh_query_statistics, write_transactions
from app.extensions import db


def init_app(app: Flask) -> None:
    from app.core.serving import serve, worker

    app.cli.add_command(serve)
    app.cli.add_command(worker)
    app.cli.add_command(seed_demo)
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
    app.cli.add_command(accounts_group)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    from app.printing.cli import print_group

    app.cli.add_command(print_group)
    from app.core.engine_move import copy_to_postgresql_command

    app.cli.add_command(copy_to_postgresql_command)


@click.command("backup")
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path), help="备份目录 / folder")
@click.option("--keep", type=int, help="保留最近几份 / archives to keep")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path), help="密钥文件 / key file")
@click.option("--make-key", "new_key", type=click.Path(dir_okay=False, path_type=Path), help="生成密钥文件后退出")
def backup(folder: Path | None, keep: int | None, key_file: Path | None, new_key: Path | None) -> None:
    """Back up the database, uploads and instance files while the app serves."""
    from app.core import backup as backups

    config = current_app.config
    try:
        if new_key is not None:
            backups.make_key(new_key)
            click.echo(f"密钥已生成 / key written: {new_key}（请与备份分开保管 / keep it apart from the backups）")
            return
        key = key_file or _configured_key()
        report = backups.create_backup(
            folder or Path(config.get("BACKUP_FOLDER") or Path(current_app.instance_path) / "backups"),
            keep if keep is not None else int(config["BACKUP_KEEP"]),
            key,
        )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"备份完成 / backup written: {report.path} ({report.size / 1e6:.1f} MB, {report.files} files)")
    for path in report.removed:
        click.echo(f"已删除旧备份 / removed: {path.name}")


def _configured_key() -> Path | None:
    configured = current_app.config.get("BACKUP_KEY_FILE")
    return Path(configured) if configured else None


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path), help="密钥文件 / key file")
@click.option("--yes", is_flag=True, help="不再询问 / do not ask")
def restore(archive: Path, key_file: Path | None, yes: bool) -> None:
    """Check a backup, then put it in place of this instance's data (server stopped)."""
    from app.core import backup as backups

    if not yes:
        click.confirm(
            "将用备份替换本实例的数据库和上传文件（服务须已停止），继续？/ Replace this instance's data?", abort=True
        )
    key = key_file or (
        Path(current_app.config["BACKUP_KEY_FILE"]) if current_app.config.get("BACKUP_KEY_FILE") else None
    )
    try:
        manifest = backups.restore_backup(archive, key)
    except backups.BackupError as error:
        raise click.ClickException(f"未恢复，数据没有改动 / nothing restored: {error}") from error
    click.echo(f"已恢复 / restored: {archive.name}（{manifest['created_at']}，{len(manifest['files'])} files）")


@click.group("accounts")
def accounts_group() -> None:
    """Accounts that must exist before anyone can manage accounts from the web."""


@accounts_group.command("create-administrators")
@click.option("--system", "system_username", default="sysadmin", show_default=True)
@click.option("--security", "security_username", default="secadmin", show_default=True)
@click.option("--audit", "audit_username", default="auditor", show_default=True)
def create_administrators(system_username: str, security_username: str, audit_username: str) -> None:
    """Create the administrators of 三员分立 that the database lacks (after upgrading a
    database set up before them), each with a temporary password printed once."""
    from sqlalchemy import select

    from app.auth.accounts import create_administrators as create
    from app.auth.models import User
    from app.auth.passwords import AccountError
    from app.auth.roles import Role

    wanted = {
        Role.SYSTEM_ADMIN: system_username,
        Role.SECURITY_ADMIN: security_username,
        Role.AUDIT_ADMIN: audit_username,
    }
    missing = {
        role: name
        for role, name in wanted.items()
        if db.session.scalar(
            select(User.id).where((User.role == role.value) | (User.second_role == role.value)).limit(1)
        )
        is None
    }
    if not missing:
        click.echo("三员账号均已存在 / all three administrators exist.")
        return
    try:
        with write_transactions():
            created = create(missing)
            db.session.commit()
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    for user, password in created:
        click.echo(f"{user.role_enum.label}\t{user.username}\t{password}")
    click.echo("临时密码只显示这一次，首次登录须修改 / temporary passwords are shown once.")


@click.command("seed-demo")
@click.option(
    "--scale",
    type=click.Choice(["small", "county"]),
    default="small",
    show_default=True,
    help="small: 24 grids, about 600 people; county: 300 grids, 60,000 households, "
    "200,000 people (bulk-loaded, for trying the app at size and for bench/run.py)",
)
@click.option(
    "--fieldwork",
    is_flag=True,
    help="county only: add a year of field work too (matters, visits, patrols, 民情日志: about 30 s), "
    "as bench/load.py and bench/fieldwork_bench.py measure with",
)
def seed_demo(scale: str, fieldwork: bool) -> None:
    """Load a demo county (refuses when the database already holds divisions)."""
    import time

    if fieldwork and scale != "county":
        raise click.ClickException("--fieldwork 只用于 --scale county / --fieldwork goes with --scale county.")
    from app.demo.county import DemoAlreadyLoaded, load_demo

    started = time.perf_counter()
    with write_transactions():
        try:
            if scale == "county":
                from app.demo.scale_county import load_county_demo

                report = load_county_demo(progress=click.echo)
                accounts = report.accounts
            else:
                accounts = load_demo()
        except DemoAlreadyLoaded as error:
            raise click.ClickException(str(error)) from None
        refresh_query_statistics(db.session)
        db.session.commit()
    if fieldwork:
        from app.demo.fieldwork import load_fieldwork

        with write_transactions():
            load_fieldwork(progress=click.echo)
    if scale == "county":
        click.echo("  " + ", ".join(f"{key} {value:,}" for key, value in report.counts.items()))
        click.echo(
            f"演示县已载入，用时 {time.perf_counter() - started:.1f} 秒 / "
            f"county-scale demo loaded in {time.perf_counter() - started:.1f} s."
        )
    else:
        click.echo("演示数据已载入 / demo county loaded.")
    click.echo("演示账号（密码只显示这一次）/ demo accounts (passwords are shown only once):")
    for username, role_label, password in accounts:
        click.echo(f"  {username:<16} {password}  {role_label}")


# --- Excel in and out ------------------------------------------------------------------


@click.group("import", cls=AppGroup)
def import_group() -> None:
    """Import registers from Excel (.xlsx)."""


@click.group("export", cls=AppGroup)
def export_group() -> None:
    """Export registers to Excel (.xlsx), personal numbers masked."""


def _grid_by_code(code: str):
    from sqlalchemy import select

    from app.org.models import Division

    grid = db.session.scalar(select(Division).where(Division.code == code.strip()))
    if grid is None or not grid.is_grid:
        raise click.ClickException(f"没有网格编码为 {code} 的网格 / no grid with code {code}")
    return grid


@import_group.command("residents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--grid", "grid_code", required=True, help="网格编码 / grid code: every row goes to this grid")
@click.option("--dry-run", is_flag=True, help="只检查，不写入 / check only, write nothing")
def import_residents(file: str, grid_code: str, dry_run: bool) -> None:
    """Import residents and households (one row per person) into one grid, all or nothing."""
    from pathlib import Path

    from app.auth import audit
    from app.core.forms import RuleError
    from app.registry.transfer.xlsx_import import ImportScope, run_import

    data = Path(file).read_bytes()
    with write_transactions():
        grid = _grid_by_code(grid_code)
        if not grid.is_active:
            raise click.ClickException(f"网格 {grid.code} 已撤销 / grid {grid.code} is retired")
        try:
            report = run_import(data, ImportScope({grid.code: grid}, grid), dry_run=dry_run)
        except RuleError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        counts = report.summary()
        if not report.ok:
            db.session.rollback()
            for problem in report.problems:
                click.echo(
                    f"第 {problem.row_number} 行 / row {problem.row_number}"
                    f"  [{problem.column or '-'}]  {problem.message}",
                    err=True,
                )
            click.echo(
                f"{len(report.problems)} 个问题，未写入任何数据 / {len(report.problems)} problems, nothing written.",
                err=True,
            )
            raise click.exceptions.Exit(1)
        if dry_run:
            db.session.rollback()
            click.echo(f"检查通过（未写入）/ check passed (dry run, nothing written): {counts}")
            return
        audit.record(
            "register_imported",
            summary=counts,
            actor_name="cli",
            detail={
                "rows": report.rows,
                "grid": grid.code,
                "residents": vars(report.residents),
                "households": vars(report.households),
            },
        )
        db.session.commit()
        refresh_query_statistics(db.session)
        db.session.commit()
    click.echo(f"导入完成 / imported: {counts}")


def _export(kind: str, grid_code: str | None, out: str) -> None:
    from pathlib import Path

    from sqlalchemy import select

    from app.auth import audit
    from app.registry.people.models import Household, Resident
    from app.registry.search import filters as search
    from app.registry.transfer import xlsx_export

    model = Resident if kind == "residents" else Household
    statement = select(model)
    if grid_code:
        statement = statement.where(model.grid_id == _grid_by_code(grid_code).id)
    if kind == "residents":
        rows = xlsx_export.resident_rows(search.filter_residents(statement))
        payload, register = xlsx_export.export_residents(rows), "实有人口"
    else:
        rows = xlsx_export.household_rows(search.filter_households(statement))
        payload, register = xlsx_export.export_households(rows), "住户"
    Path(out).write_bytes(payload)
    db.session.rollback()  # end the read; the audit entry takes the write lock at BEGIN
    with write_transactions():
        audit.record(
            "register_exported",
            summary=f"{register} {rows.count} 条",
            actor_name="cli",
            detail={"register": kind, "rows": rows.count, "grid": grid_code, "file": str(out)},
        )
        db.session.commit()
    click.echo(
        f"已导出 {rows.count} 条到 {out}（证件号码和电话已脱敏）/ exported {rows.count} rows to {out} (numbers masked)"
    )


@export_group.command("residents")
@click.option("--grid", "grid_code", help="网格编码 / grid code (all grids when left out)")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出的 .xlsx 文件")
def export_residents(grid_code: str | None, out: str) -> None:
    """Export the residents in the register (active ones) with masked ID and phone numbers."""
    _export("residents", grid_code, out)


@export_group.command("households")
@click.option("--grid", "grid_code", help="网格编码 / grid code (all grids when left out)")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出的 .xlsx 文件")
def export_households(grid_code: str | None, out: str) -> None:
    """Export the active households with their heads' masked ID and phone numbers."""
    _export("households", grid_code, out)

"""flask sub-commands: serve, seed-demo."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from app.core.database import write_transactions


def init_app(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(seed_demo)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Upgrade the database and serve the app with waitress."""
    from waitress import serve as waitress_serve

    from app.auth.services import any_user_exists
    from app.auth.setup_token import issue_setup_token

    upgrade()
    if not any_user_exists():
        issue_setup_token(current_app, announce=True)
    click.echo(f"网格通 Gridbook: http://{host}:{port}/")
    waitress_serve(current_app._get_current_object(), host=host, port=port, threads=threads)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load a demo county (refuses when the database already holds divisions)."""
    from app.org.demo import DemoAlreadyLoaded, load_demo

    with write_transactions():
        try:
            accounts = load_demo()
        except DemoAlreadyLoaded as error:
            raise click.ClickException(str(error)) from None
    click.echo("演示数据已载入 / demo county loaded.")
    click.echo("演示账号（密码只显示这一次）/ demo accounts (passwords are shown only once):")
    for username, role_label, password in accounts:
        click.echo(f"  {username:<16} {password}  {role_label}")

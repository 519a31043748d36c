"""The revision that gives manual pages a community keeps every page's history on
SQLite (which rebuilds the table to add a foreign key, and whose cascade would delete
the versions), and undoing it drops only the communities' own pages."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db

REVISION = "d19af9deeb86"
PREVIOUS = "1be350e93102"


def _versions(connection) -> list[tuple]:
    return list(connection.execute(text("SELECT page_id, number, title FROM manual_page_version ORDER BY id")).all())


def test_the_history_survives_the_upgrade_and_the_downgrade(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        upgrade(revision=PREVIOUS)
        with db.engine.begin() as connection:
            page_id = connection.execute(text("SELECT id FROM manual_page ORDER BY id")).scalars().first()
            connection.execute(
                text(
                    "INSERT INTO manual_page_version (page_id, number, title, body, saved_at) "
                    "VALUES (:page, 1, '旧标题', '旧正文', '2025-01-01 00:00:00')"
                ),
                {"page": page_id},
            )
        upgrade(revision=REVISION)
        with db.engine.begin() as connection:
            assert _versions(connection) == [(page_id, 1, "旧标题")]
            division = connection.execute(text("SELECT id FROM division ORDER BY id")).scalars().first()
            if division is None:
                connection.execute(
                    text(
                        "INSERT INTO division (id, level, code, name, kind, status, valid_from, note, created_at) "
                        "VALUES (1, 'community', '990101001001', '东关社区', 'urban', 'active', '2024-01-01', '', "
                        "'2024-01-01 00:00:00')"
                    )
                )
                division = 1
            connection.execute(
                text(
                    "INSERT INTO manual_page (slug, title, sort_order, body, updated_at, division_id) "
                    "VALUES ('local-1', '楼栋长职责', 0, '正文', '2026-01-01 00:00:00', :division)"
                ),
                {"division": division},
            )
        downgrade(revision=PREVIOUS)
        with db.engine.connect() as connection:
            assert _versions(connection) == [(page_id, 1, "旧标题")]
            titles = connection.execute(text("SELECT title FROM manual_page")).scalars().all()
            assert "楼栋长职责" not in titles and len(titles) >= 1

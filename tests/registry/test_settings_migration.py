"""The revision that adds visit classes, category descriptions and shop moves keeps
the data already in the registers, seeds its defaults, and can be undone."""

from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db

REVISION = "4b57761770e5"


def _previous_revision() -> str:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(REVISION).down_revision


def test_upgrade_keeps_data_and_downgrade_works(tmp_path):
    path = tmp_path / "old.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        previous = _previous_revision()
        upgrade(revision=previous)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO division (id, level, code, name, kind, status, valid_from, note, created_at) "
                    "VALUES (1, 'grid', '990101001001001', '老网格', 'urban', 'active', '2024-01-01', '', "
                    "'2024-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    'INSERT INTO population_event (id, kind, occurred_on, grid_id, recorded_at, "after", note) '
                    "VALUES (7, 'move_in', '2024-05-01', 1, '2024-05-01 08:00:00', '{\"name\": \"张三\"}', '迁入')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO key_person_category (code, name, fields, follow_up_days, is_active) "
                    "VALUES ('local1', '自定类别', '[]', 20, 1)"
                )
            )

        upgrade(revision=REVISION)
        with db.engine.connect() as connection:
            event = connection.execute(
                text(
                    'SELECT kind, occurred_on, grid_id, "after", note, shop_id, from_grid_id '
                    "FROM population_event WHERE id = 7"
                )
            ).one()
            assert tuple(event) == ("move_in", "2024-05-01", 1, '{"name": "张三"}', "迁入", None, None)
            descriptions = dict(connection.execute(text("SELECT code, description FROM key_person_category")).all())
            assert descriptions["local1"] == "" and "安置帮教" in descriptions["released"]
            assert len(descriptions) == 7
            classes = connection.execute(
                text("SELECT level, name, visits_required, visit_period FROM visit_class ORDER BY level")
            ).all()
            assert [tuple(c) for c in classes][2] == (3, "三类", 2, "quarter") and len(classes) == 3

        downgrade(revision=previous)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT note FROM population_event WHERE id = 7")).scalar() == "迁入"
            assert connection.execute(text("SELECT count(*) FROM key_person_category")).scalar() == 7
        tables = inspect(db.engine).get_table_names()
        assert "visit_class" not in tables
        assert "shop_id" not in {c["name"] for c in inspect(db.engine).get_columns("population_event")}
        db.engine.dispose()

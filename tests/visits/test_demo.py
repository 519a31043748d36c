"""The demo county has visits in the demo grid worker's grid."""

from app.core.database import write_transactions
from app.demo.county import load_demo
from app.extensions import db
from app.visits.models import Visit


def test_demo_has_visits(app):
    with write_transactions():
        load_demo()
    visits = db.session.query(Visit).all()
    assert len(visits) >= 3
    assert {v.grid_id for v in visits} == {visits[0].grid_id}
    assert any(v.visit_type == "verification" for v in visits) and all(v.visitors for v in visits)

"""Public grid pages: the grid's staff, boundary and roster without login, and
finding one's grid by community and building. Nothing about residents."""

from app.core.timeutil import local_today
from app.extensions import db
from app.printing import publicity
from tests.conftest import text_of


def test_grid_page_logged_out(anonymous, world):
    response = anonymous.get(f"/public/grids/{world.grid_a.code}/")
    assert response.status_code == 200
    text = text_of(response)
    for expected in ("东关一网格", "员工chief_a", "网格长", "员工worker_a", "13800000000", "东街", "北河"):
        assert expected in text, expected
    for absent in ("张伟", "李娜", "13912345678", "员工worker_b"):
        assert absent not in text
    html = response.get_data(as_text=True)
    assert f"/public/grids/{world.grid_a.code}/report" in html
    assert f"/public/communities/{world.community_a.code}/board" in html
    assert "本期值班表尚未公布" in text


def test_unknown_grid_is_404(anonymous, world):
    assert anonymous.get("/public/grids/000000000000000/").status_code == 404
    assert anonymous.get(f"/public/grids/{world.community_a.code}/").status_code == 404


def test_grid_page_shows_the_current_roster(anonymous, world):
    today = local_today()
    publicity.save_roster(world.community_a, "week", today, {today: {world.staff["worker_a"].id}}, {today: "白班"})
    db.session.commit()
    text = text_of(anonymous.get(f"/public/grids/{world.grid_a.code}/"))
    assert "员工worker_a" in text and "白班" in text and "本期值班表尚未公布" not in text
    # The other grid of the same community shows the station's roster too.
    assert "白班" in text_of(anonymous.get(f"/public/grids/{world.grid_a2.code}/"))


def test_find_my_grid_by_community_and_building(anonymous, world):
    start = text_of(anonymous.get("/public/find-grid"))
    assert "东关社区" in start and "滨河社区" in start
    response = anonymous.get(f"/public/find-grid?community={world.community_a.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "东关路1号" in html and f"/public/grids/{world.grid_a.code}/" in html
    assert "滨河路1号" not in html and "张伟" not in html
    assert anonymous.get("/public/find-grid?community=123").status_code == 404


def test_staff_photo_only_for_the_grids_staff(app, anonymous, world):
    import io

    from PIL import Image

    from app.org import photos

    out = io.BytesIO()
    Image.new("RGB", (30, 40)).save(out, format="JPEG")
    world.staff["worker_a"].photo_filename = photos.save(out.getvalue(), app.config["UPLOAD_FOLDER"])
    world.staff["worker_b"].photo_filename = photos.save(out.getvalue(), app.config["UPLOAD_FOLDER"])
    db.session.commit()
    ok = anonymous.get(f"/public/grids/{world.grid_a.code}/staff/{world.staff['worker_a'].id}/photo")
    assert ok.status_code == 200 and ok.mimetype == "image/jpeg"
    assert (
        anonymous.get(f"/public/grids/{world.grid_a.code}/staff/{world.staff['worker_b'].id}/photo").status_code == 404
    )
    assert f"/staff/{world.staff['worker_a'].id}/photo" in anonymous.get(
        f"/public/grids/{world.grid_a.code}/"
    ).get_data(as_text=True)

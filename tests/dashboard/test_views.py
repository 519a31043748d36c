"""The dashboard page and the big screen as each role sees them (scene in conftest.py)."""

from __future__ import annotations

import re

import pytest

from app.core.database import write_transactions
from app.extensions import db
from tests.conftest import text_of

JUNE = "/dashboard/?period=month&month=2026-06"


def summary(response) -> dict[str, str]:
    text = text_of(response)
    return {
        name: re.search(rf"{name} ([\d,.%—]+)", text).group(1)
        for name in ("实有人口", "流动人口", "上报事件", "按期办结率", "当前超期事件")
    }


@pytest.mark.parametrize(
    "username, people, floating, reported, rate",
    [
        ("worker_a", "3", "1", "3", "66.7%"),
        ("station_a", "4", "2", "3", "66.7%"),
        ("town_a", "5", "2", "3", "66.7%"),
        ("admin", "7", "2", "4", "75.0%"),
        ("worker_b", "2", "0", "1", "100.0%"),
    ],
)
def test_figures_follow_the_scope(scene, client_as, username, people, floating, reported, rate):
    response = client_as(username).get(JUNE)
    assert response.status_code == 200
    figures = summary(response)
    assert (figures["实有人口"], figures["流动人口"], figures["上报事件"], figures["按期办结率"]) == (
        people,
        floating,
        reported,
        rate,
    )


@pytest.mark.parametrize(
    "username, shown",
    [("worker_a", True), ("station_a", True), ("town_a", False), ("leader_a", False), ("admin", False)],
)
def test_key_person_block_only_for_those_who_may_see_key_persons(scene, client_as, username, shown):
    html = client_as(username).get(JUNE).get_data(as_text=True)
    assert ('id="h-keys"' in html) is shown
    assert ("社区矫正" in html) is shown


def test_town_staff_with_the_governance_duty_see_key_person_counts(scene, client_as):
    with write_transactions():
        scene.world.users["town_a"].governance_duty = True
        db.session.commit()
    text = text_of(client_as("town_a").get(JUNE))
    assert "重点人员" in text
    assert "社区矫正 1 刑满释放（安置帮教） 1 社区戒毒/康复 0" in text


def test_department_handlers_are_refused(scene, client_as):
    client = client_as("dept")
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/screen").status_code == 403


def test_division_filter_stays_within_the_scope(scene, client_as):
    w = scene.world
    assert client_as("worker_a").get(f"{JUNE}&division={w.grid_b.id}").status_code == 404
    response = client_as("admin").get(f"{JUNE}&division={w.community_a.id}")
    assert summary(response)["实有人口"] == "4"
    assert "东关社区" in text_of(response).split("人口结构")[0]


def test_tables_and_svg_charts_carry_the_numbers(scene, client_as):
    response = client_as("admin").get(JUNE)
    html, text = response.get_data(as_text=True), text_of(response)
    class_chart = html.split('id="chart-class"')[1].split("</figure>")[0]
    assert "<svg" in class_chart and ">城市管理</text>" in class_chart and ">2</text>" in class_chart
    assert "城市管理 2 社会治安 0 环境保护 1 民生服务 0 公共安全 0 矛盾纠纷 1" in text
    assert "18–34岁 2 35–59岁 2" in text
    trend = html.split('id="chart-trend"')[1].split("</figure>")[0]
    assert "<polyline" in trend and ">75.0%</text>" in trend
    assert "2026-05 0 1 0.0% 2026-06 3 4 75.0%" in text_of_fragment(trend)
    assert f"{scene.type_x.path} 2" in text


def text_of_fragment(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_overdue_list_links_each_matter(scene, client_as):
    a2 = scene.matters["A2"]
    html = client_as("worker_a").get("/dashboard/").get_data(as_text=True)
    overdue = html.split('id="h-overdue"')[1]
    assert f'href="/matters/{a2.id}"' in overdue and a2.number in overdue
    assert "A2 违章搭建" in overdue and "已超期" in overdue and "2026-06-08 24:00" in overdue
    assert "没有超期事件" in client_as("worker_b").get("/dashboard/").get_data(as_text=True)


def test_quarter_and_year_and_a_bad_month(scene, client_as):
    client = client_as("admin")
    text = text_of(client.get("/dashboard/?period=quarter&month=2026-05"))
    assert "2026年第2季度（2026-04-01 至 2026-06-30）" in text and summary_of(text)["上报事件"] == "5"
    assert "2026年（2026-01-01 至 2026-12-31）" in text_of(client.get("/dashboard/?period=year&month=2026-05"))
    response = client.get("/dashboard/?period=month&month=2026-13")
    assert response.status_code == 200 and "月份格式应为 YYYY-MM。" in text_of(response)


def summary_of(text: str) -> dict[str, str]:
    return {"上报事件": re.search(r"上报事件 ([\d,]+)", text).group(1)}


def test_big_screen_page_and_its_polled_body(scene, client_as):
    client = client_as("town_a")
    page = client.get("/dashboard/screen?period=month&month=2026-06")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HX-Request" in page.headers.get("Vary", "")
    assert 'hx-trigger="every 60s"' in html and 'id="screen-body"' in html
    assert '<meta http-equiv="refresh" content="300">' in html
    assert 'class="menu"' not in html and "<svg" in html
    fragment = client.get(
        "/dashboard/screen?period=month&month=2026-06", headers={"HX-Request": "true", "HX-Target": "screen-body"}
    )
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "hx-trigger" not in body
    assert "<svg" in body and "按期办结率" in body and "城关镇" in body
    assert summary(fragment)["实有人口"] == "5"


@pytest.mark.parametrize("query", ["period=month&month=0000-01", "period=quarter&month=9999-12"])
def test_a_month_of_year_zero_is_refused_at_the_field(scene, client_as, query):
    # "0000-01" matched the pattern and date(0, 1, 1) raised; 9999's last quarter ends
    # on the day before 10000-01-01, which raised too: a 500 instead of the field's error.
    response = client_as("admin").get(f"/dashboard/?{query}")
    assert response.status_code == 200
    assert "月份格式应为 YYYY-MM。" in text_of(response)


def test_patrol_figure_links_to_the_week_it_counts(scene, world, client_as):
    # June 2026 ends on Tuesday the 30th: the last week ended in it is 22–28 June. The
    # link went to the compliance page's default (this week), not the week counted.
    client = client_as("admin")
    response = client.get("/dashboard/?period=month&month=2026-06")
    assert "2026-06-22 至 2026-06-28" in text_of(response)
    assert '/patrols/compliance?week=2026-06-22"' in response.get_data(as_text=True)
    page = client.get(f"/dashboard/?period=month&month=2026-06&division={world.grid_a.id}").get_data(as_text=True)
    assert f"/patrols/compliance?week=2026-06-22&amp;division_id={world.grid_a.id}" in page
    linked = text_of(client.get(f"/patrols/compliance?week=2026-06-22&division_id={world.grid_a.id}"))
    assert "06-22" in linked

"""Work-manual pages: seeded by the migration, read by every signed-in user, edited
by county administrators with version history, sanitised, printed as a PDF. The edit
form is filled and sent as rendered (tests/web.py)."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.printing import manual
from app.printing.manual_models import ManualPage
from tests.conftest import fresh, text_of
from tests.printing.helpers import ARTIFACTS, page_png, squeezed
from tests.web import forge, form_on, press, visible_text

SEEDED = [
    "网格长工作职责",
    "网格员工作职责",
    "楼栋长工作职责",
    "巡查制度",
    "例会制度",
    "台帐管理制度",
    "考核办法",
    "文明卫生公约",
    "首问责任制",
    "限时办结制度",
]


def test_seeded_pages_are_listed_and_rendered(client_as):
    client = client_as("worker_a")
    index = text_of(client.get("/manual/"))
    for title in SEEDED:
        assert title in index
    page = client.get("/manual/patrol-rules")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<ol>" in html and "每周巡查本网格不少于三次" in text_of(page)
    assert "周一、周四" in text_of(client.get("/manual/grid-worker-duties"))
    assert "3个工作日内办结" in text_of(client.get("/manual/time-limits"))
    assert client.get("/manual/no-such-page").status_code == 404
    assert 'href="/manual/"' in client.get("/registers/").get_data(as_text=True)


def edit_form(web, slug, **typed):
    """The 编辑 page of a manual page, reached from the page, with what is typed."""
    form = form_on(web.get(f"/manual/{slug}").click(description="编辑", href="/edit"))
    for name, value in typed.items():
        form[name] = value
    return form


def test_every_signed_in_role_reads_the_manual_but_only_admins_edit(app, client_as, web_as):
    for username in ("worker_a", "station_a", "town_a", "dept", "leader_a"):
        client = client_as(username)
        assert client.get("/manual/grid-chief-duties").status_code == 200
        assert client.get("/manual/grid-chief-duties/history").status_code == 200
        assert client.get("/manual/grid-chief-duties/edit").status_code == 404, username
        assert "/manual/grid-chief-duties/edit" not in client.get("/manual/grid-chief-duties").get_data(as_text=True)
    # Forged: no page offers these roles the edit form.
    response = forge(web_as("station_a"), "/manual/grid-chief-duties/edit", {"title": "x", "body": "y"})
    assert response.status_int == 404
    assert app.test_client().get("/manual/").status_code in (302, 401)
    fresh()
    assert db.session.scalar(select(ManualPage.body).where(ManualPage.slug == "grid-chief-duties")) != "y"


def test_admin_edit_keeps_the_old_text_in_history(web_as):
    web = web_as("admin")
    form = edit_form(web, "meeting-rules")
    assert "<textarea" in form.text
    old_body = db.session.scalar(select(ManualPage.body).where(ManualPage.slug == "meeting-rules"))
    assert form["body"].value.strip() == old_body.strip()  # the current text, as rendered
    form["body"] = "**预览文字**"
    preview = press(form, "预览")
    assert preview.status_int == 200 and "<strong>预览文字</strong>" in preview.text
    assert form_on(preview)["body"].value.strip() == "**预览文字**"  # still being edited
    fresh()
    assert db.session.scalar(select(ManualPage.body).where(ManualPage.slug == "meeting-rules")) == old_body

    form = form_on(preview)
    form["title"] = "网格例会制度"
    form["body"] = "每周一上午召开网格例会。\n\n1. 汇报\n2. 安排"
    response = press(form, "保存")
    assert response.status_int == 303
    shown = response.follow()
    assert "每周一上午召开网格例会。" in visible_text(shown) and "网格例会制度" in visible_text(shown)
    assert "<li>汇报</li>" in shown.text

    history = visible_text(shown.click(description="修改记录"))
    assert "例会制度" in history and "网格例会制度" in history
    assert "admin" in history  # who saved the current text
    assert "（初始内容）" in history  # the seeded text, kept as version 1
    old = web.get("/manual/meeting-rules/versions/1")
    assert old.status_int == 200 and "每周召开一次，由网格长主持" in visible_text(old)
    assert "旧版本" in visible_text(old)
    assert web.get("/manual/meeting-rules/versions/2", expect_errors=True).status_int == 404  # the current text

    press(edit_form(web, "meeting-rules", body="第三版。"), "保存")
    second = visible_text(web.get("/manual/meeting-rules/versions/2"))
    assert "每周一上午召开网格例会。" in second and "admin" in second
    fresh()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "manual_page_saved")))
    assert len(events) == 2 and events[0].summary == "网格例会制度"


def test_saving_unchanged_text_keeps_no_version(web_as):
    web = web_as("admin")
    response = press(edit_form(web, "ledger-rules"), "保存")  # saved as rendered, nothing typed
    assert response.status_int == 303 and "内容没有变化" in visible_text(response.follow())
    fresh()
    assert db.session.scalar(select(ManualPage).where(ManualPage.slug == "ledger-rules")).versions == []


def test_empty_title_is_refused(web_as):
    response = press(edit_form(web_as("admin"), "ledger-rules", title=" "), "保存", expect_errors=True)
    assert response.status_int == 400 and "请填写标题。" in visible_text(response)


def test_markdown_is_sanitised(app):
    html = str(
        manual.render_markdown(
            "# 标题\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(1))\n\n"
            '<a href="javascript:alert(2)" onclick="alert(3)">链接</a> <img src=x onerror="alert(4)">\n\n'
            '<p onmouseover="alert(5)">段落</p>\n\n[正常链接](https://example.cn/)'
        )
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "javascript:" not in html
    assert "onclick" not in html and "onerror" not in html and "onmouseover" not in html
    assert "<img" not in html
    assert "<h1>标题</h1>" in html and "段落" in html
    assert 'href="https://example.cn/"' in html


def test_sanitised_on_the_page_too(web_as):
    web = web_as("admin")
    form = edit_form(web, "ledger-rules", body="<script>alert('x')</script>\n\n[a](javascript:alert(1))")
    html = press(form, "保存").follow().text
    main = html.split('<div class="manual">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in main and "javascript:" not in main


def test_manual_pdf_has_every_page_titled_and_numbered(app, client_as):
    client = client_as("station_a")
    response = client.get("/manual/print.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    text = squeezed(pdf)
    for title in SEEDED:
        assert title in text
    assert "每周巡查本网格不少于三次" in text
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= len(SEEDED)  # one sheet break per manual page
    assert f"第1页/共{pages}页" in text and f"第{pages}页/共{pages}页" in text
    assert "内部资料注意保密" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "manual-page1.png").write_bytes(page_png(pdf))
    fresh()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "printed").order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail["records"] == len(SEEDED) and event.detail["pages"] == pages


def test_manual_pdf_function_starts_each_page_on_a_new_sheet(app):
    """A cover, a contents page whose numbers are the pages' own, then each page on
    its own sheet."""
    pages = manual.ordered_pages()[:3]
    with app.test_request_context():
        result = manual.manual_pdf(pages)
    texts = ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(result.pdf)).pages]
    assert "网格化管理服务工作手册" in texts[0] and "印制日期" in texts[0]
    assert "目录" in texts[1]
    for page in pages:
        # The first sheet after the contents that carries the page's title is its own.
        number = next(n for n, text in enumerate(texts, 1) if n > 2 and page.title in text)
        # The contents give the page number the footer prints on that page.
        assert re.search(rf"{re.escape(page.title)}\.*{number}(?!\d)", texts[1]), (page.title, number, texts[1])
    first, second = texts[2], texts[3]
    assert pages[0].title in first and pages[1].title not in first
    assert pages[1].title in second


# --- A community's own pages ------------------------------------------------------------


def _add_community_page(web, title="东关社区楼栋长职责", body="1. 每月走访本楼栋住户一次\n2. 发现漏水及时报告"):
    form = form_on(web.get("/manual/").click(description="添加本社区的手册页"), action="/manual/new")
    form["title"] = title
    form["body"] = body
    return press(form, "保存")


def test_a_station_adds_its_communitys_page_and_only_its_area_reads_it(world, web_as, client_as):
    web = web_as("station_a")
    saved = _add_community_page(web).follow()
    assert "已添加到东关社区的工作手册。" in visible_text(saved)
    fresh()
    page = db.session.scalar(select(ManualPage).where(ManualPage.title == "东关社区楼栋长职责"))
    assert page.division_id == world.community_a.id
    url = f"/manual/{page.slug}"
    # The community and its grids read it; another community's worker finds no such page.
    assert "每月走访本楼栋住户一次" in text_of(client_as("worker_a").get(url))
    assert "东关社区楼栋长职责" in text_of(client_as("worker_a").get("/manual/"))
    assert client_as("worker_b").get(url).status_code == 404
    assert "东关社区楼栋长职责" not in text_of(client_as("worker_b").get("/manual/"))
    # Its station edits it (history kept); a grid worker does not; nor may the station
    # edit the county's pages.
    form = form_on(web.get(url).click(description="编辑", href="/edit"))
    form["body"] = "1. 每月走访本楼栋住户两次"
    press(form, "保存")
    fresh()
    assert [v.body.strip() for v in db.session.get(ManualPage, page.id).versions][0].startswith(
        "1. 每月走访本楼栋住户一次"
    )
    assert client_as("worker_a").get(f"{url}/edit").status_code == 404
    assert client_as("station_a").get("/manual/grid-chief-duties/edit").status_code == 404
    assert client_as("worker_a").get("/manual/new").status_code == 403
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "manual_page_created"))
    assert event.actor_name == "station_a" and "东关社区" in event.summary


def test_a_page_for_a_community_outside_the_area_is_refused(world, web_as):
    web = web_as("station_a")
    form = form_on(web.get("/manual/new"), action="/manual/new")
    form["title"] = "滨河社区公约"
    form["body"] = "正文"
    # Forged: another community's id in place of the one offered.
    form["division_id"].force_value(str(world.community_b.id))
    refused = press(form, "保存", status=400)
    assert "请从列表中选择。" in visible_text(refused)
    assert db.session.scalar(select(ManualPage).where(ManualPage.title == "滨河社区公约")) is None


def test_the_communitys_print_has_its_pages_after_the_countys(world, web_as):
    web = web_as("station_a")
    _add_community_page(web)
    response = web.get(f"/manual/print.pdf?division_id={world.grid_a.id}")
    assert response.content_type == "application/pdf"
    text = squeezed(response.body)
    assert text.index("限时办结制度") < text.index("东关社区楼栋长职责")
    # The county's manual alone leaves it out; another community's grid is a 404.
    assert "东关社区楼栋长职责" not in squeezed(web.get("/manual/print.pdf").body)
    assert web.get(f"/manual/print.pdf?division_id={world.grid_b.id}", expect_errors=True).status_int == 404
    # The binder of a grid of the community includes it, after the county's pages.
    fresh()
    titles = [p.title for p in manual.ordered_pages(manual.community_of(world.grid_a))]
    assert titles[: len(SEEDED)] == SEEDED and titles[-1] == "东关社区楼栋长职责"
    assert "东关社区楼栋长职责" not in [p.title for p in manual.ordered_pages(manual.community_of(world.grid_b))]

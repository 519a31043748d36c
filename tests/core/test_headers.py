"""Headers and public addresses: a Content-Security-Policy without inline script on
every page (and no template that would need one), HSTS and Secure cookies only when
PUBLIC_BASE_URL is https, and every address given to outsiders — tracking links,
Open311 replies, the poster's QR code — built from PUBLIC_BASE_URL, never from the
Host header a request brings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.database import write_transactions
from app.extensions import db
from app.matters.models import Matter
from app.public import services
from tests.conftest import fresh, make_app
from tests.factories import build_world
from tests.printing.helpers import page_png
from tests.printing.test_poster import decode_qr
from tests.public.conftest import public_report
from tests.web import Web, form_on, press, visible_text

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://wgt.example.gov.cn"
FORGED = {"HTTP_HOST": "evil.example"}


def forged_host(web):
    """The same signed-in browser, its requests now naming Host: evil.example (as
    through a proxy that passes on any Host header); its cookies go along."""
    cookies = {cookie.name: cookie.value for cookie in web.cookiejar}
    web.extra_environ.update(FORGED)
    for name, value in cookies.items():
        web.set_cookie(name, value)
    return web


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


# --- Content-Security-Policy ---------------------------------------------------------


def test_pages_carry_a_policy_that_allows_only_the_apps_own_scripts(web_as, web, world):
    pages = [
        web_as("worker_a").get("/"),
        web_as("admin").get("/admin/users"),
        web.get("/login"),
        web.get(f"/public/grids/{world.grid_a.code}/report"),
        web.get("/open311/v2/services.json"),
    ]
    for response in pages:
        rules = policy(response)
        assert rules["script-src"] == ["'self'"], response.request.path
        assert rules["default-src"] == ["'self'"] and rules["object-src"] == ["'none'"]
        assert rules["base-uri"] == ["'self'"] and rules["form-action"] == ["'self'"]
        assert rules["frame-ancestors"] == ["'none'"]
        assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_htmx_runs_without_eval_and_without_injected_styles(web_as, world):
    html = web_as("worker_a").get("/").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config is not None
    assert json.loads(config.group(1)) == {
        "allowEval": False,
        "allowScriptTags": False,
        "includeIndicatorStyles": False,
    }
    assert "/static/js/app.js" in html


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
HANDLER = re.compile(r"""[\s"'](on[a-z]+)\s*=""", re.I)
HX_ON = re.compile(r"\b(hx-on|data-hx-on)\b", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_no_template_or_static_page_holds_inline_script_handlers_or_hx_on():
    files = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "static").rglob("*.html"))
    assert len(files) > 50
    problems = []
    for path in files:
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for pattern in (INLINE_SCRIPT, HANDLER, HX_ON, JS_URL):
            for match in pattern.finditer(text):
                problems.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert not problems, "\n".join(problems)


def test_a_confirmation_is_asked_from_the_static_script(web_as, world):
    """post_button(confirm=…) renders data-confirm, which static/js/app.js asks."""
    from tests.visits.test_views import _new_visit_form, _type_a_visit

    web = web_as("worker_a")
    detail = press(_type_a_visit(_new_visit_form(web, world.households["a"])), "保存").follow()
    button = detail.html.find("button", string="删除")
    assert button is not None and button.get("data-confirm") == "确定删除这条走访记录？"
    assert button.get("onclick") is None
    assert "data-confirm" in (ROOT / "static/js/app.js").read_text(encoding="utf-8")


# --- HTTPS: HSTS and Secure cookies ------------------------------------------------------


@pytest.fixture()
def https_app(tmp_path, migrated_database):
    (tmp_path / "https").mkdir()
    app = make_app(tmp_path / "https", migrated_database, PUBLIC_BASE_URL=PUBLIC + "/")
    with app.app_context():
        with write_transactions():
            build_world()
        yield app
        db.session.remove()
        db.engine.dispose()


def cookie_lines(response, name):
    return [line for line in response.headers.getall("Set-Cookie") if line.startswith(name + "=")]


def test_over_https_every_response_has_hsts_and_cookies_are_secure(https_app):
    web = Web(https_app)
    # Through the county's HTTPS proxy; a browser names the page a form came from.
    web.extra_environ.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/"})
    login_page = web.get("/login")
    assert login_page.headers["Strict-Transport-Security"] == "max-age=31536000"
    signed_in = web.sign_in("worker_a")
    assert signed_in.status_int == 302
    session_cookie = cookie_lines(signed_in, "gridbook_session")
    assert session_cookie and all("; Secure" in line for line in session_cookie)
    home = web.get("/")
    assert home.headers["Strict-Transport-Security"] == "max-age=31536000"
    language_form = next(f for f in home.forms.values() if (f.action or "").endswith("/lang/en"))
    switched = press(language_form, "English")
    language = cookie_lines(switched, "gridbook_lang")
    assert language and all("; Secure" in line for line in language)


def test_without_https_there_is_no_hsts_and_cookies_are_not_marked_secure(web, world):
    login_page = web.get("/login")
    assert "Strict-Transport-Security" not in login_page.headers
    signed_in = web.sign_in("worker_a")
    session_cookie = cookie_lines(signed_in, "gridbook_session")
    assert session_cookie and not any("Secure" in line for line in session_cookie)


# --- Public addresses against a forged Host header --------------------------------------


def test_a_forged_host_does_not_reach_the_tracking_link_of_a_public_report(app, web, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    web.extra_environ.update(FORGED)
    page = web.get(f"/public/grids/{world.grid_a.code}/report")
    form = form_on(page, button="提交")
    from tests.public.test_intake import typed

    response = press(typed(form), "提交").maybe_follow()
    fresh()
    matter = db.session.scalar(select(Matter).order_by(Matter.id.desc()))
    text = visible_text(response)
    assert f"{PUBLIC}/public/track?code={matter.tracking_code}" in text
    assert "evil.example" not in response.text


def test_a_forged_host_does_not_reach_open311_replies(app, client, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    _key, raw = services.create_api_key("城市服务小程序")
    db.session.commit()
    data = {
        "api_key": raw,
        "service_code": "city",
        "address_id": world.grid_a.code,
        "address_string": "东关路1号门口",
        "description": "井盖缺失，有人差点掉下去",
        "jurisdiction_id": "990101",
    }
    reply = client.post("/open311/v2/requests.json", data=data, headers={"Host": "evil.example"})
    assert reply.status_code == 200
    notice = reply.get_json()[0]["service_notice"]
    fresh()
    matter = db.session.scalar(select(Matter).order_by(Matter.id.desc()))
    assert f"{PUBLIC}/public/track?code={matter.tracking_code}" in notice
    assert "evil.example" not in reply.get_data(as_text=True)
    discovery = client.get("/open311/discovery.json", headers={"Host": "evil.example"}).get_json()
    assert discovery["endpoints"][0]["url"] == f"{PUBLIC}/open311/v2"


def test_a_forged_host_does_not_reach_staff_pages_that_name_public_addresses(app, web_as, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    matter = public_report(world)
    web = forged_host(web_as("town_a"))
    detail = web.get(f"/matters/{matter.id}")
    assert f"{PUBLIC}/public/track" in visible_text(detail) and "evil.example" not in detail.text
    keys = forged_host(web_as("admin"))
    page = keys.get("/admin/api-keys/")
    assert f"{PUBLIC}/open311/v2/services.json" in page.text and "evil.example" not in page.text


def test_a_forged_host_does_not_reach_the_poster_qr_code(app, web_as, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    web = forged_host(web_as("station_a"))
    poster = web.get(f"/grids/{world.grid_a.id}/poster.pdf")
    assert decode_qr(page_png(poster.body)) == [f"{PUBLIC}/public/grids/{world.grid_a.code}/"]


def test_without_public_base_url_addresses_name_this_machine_never_the_host_header(app, web_as, client, world):
    assert app.config["PUBLIC_BASE_URL"] is None
    station = forged_host(web_as("station_a"))
    page = station.get("/publicity/")
    assert (
        "尚未设置对外访问地址（PUBLIC_BASE_URL），海报上的二维码会指向 http://127.0.0.1:5000，"
        "群众扫码打不开。请县级管理员设置后再打印。"
    ) in visible_text(page)
    poster = station.get(f"/grids/{world.grid_a.id}/poster.pdf")
    assert decode_qr(page_png(poster.body)) == [f"http://127.0.0.1:5000/public/grids/{world.grid_a.code}/"]
    discovery = client.get("/open311/discovery.json", headers={"Host": "evil.example"}).get_json()
    assert discovery["endpoints"][0]["url"] == "http://127.0.0.1:5000/open311/v2"


def test_the_publicity_page_does_not_warn_once_the_address_is_set(app, web_as, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    assert "PUBLIC_BASE_URL" not in visible_text(web_as("station_a").get("/publicity/"))


def test_the_cli_poster_takes_its_qr_code_from_public_base_url(app, world, runner, tmp_path):
    out = tmp_path / "poster.pdf"
    result = runner.invoke(args=["print", "poster", "--grid", world.grid_a.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "PUBLIC_BASE_URL 未设置，二维码指向 http://127.0.0.1:5000" in result.output
    assert decode_qr(page_png(out.read_bytes())) == [f"http://127.0.0.1:5000/public/grids/{world.grid_a.code}/"]
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    result = runner.invoke(args=["print", "poster", "--grid", world.grid_a.code, "--out", str(out)])
    assert result.exit_code == 0 and "未设置" not in result.output
    assert decode_qr(page_png(out.read_bytes())) == [f"{PUBLIC}/public/grids/{world.grid_a.code}/"]


def test_a_public_base_url_without_a_scheme_stops_the_app_from_starting(tmp_path, migrated_database):
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL must start with https://"):
        make_app(tmp_path, migrated_database, PUBLIC_BASE_URL="wgt.example.gov.cn")

"""On a grid worker's phone (360×640, touch): the field pages fit without sideways
scrolling, the menu stays folded until tapped — without JavaScript too — tap targets
are at least 44 px tall, and a 民情日志 entry and a matter are recorded by tapping.
The desktop (1024×768) keeps its menu spread out. docs/phone.md, "Layout at 360 px"."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from app.core.i18n import LOCALE_COOKIE
from app.extensions import db
from app.matters.models import Matter
from app.patrols.models import OpinionEntry, Patrol
from app.registry.keypersons.models import FollowUp, KeyPerson
from app.registry.people.models import Household, Resident
from app.visits.models import Visit
from tests.browser.conftest import PHONE, snap
from tests.browser.test_scope_and_login import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@dataclass
class FieldIds:
    grid: int
    household: int
    resident: int
    key_person: int
    follow_up: int
    visit: int
    patrol: int
    matter: int
    opinion: int


@pytest.fixture()
def field_ids(live_app, world_ids) -> FieldIds:
    """Grid A's records of tests.factories.build_world()."""
    with live_app.app_context():

        def first(model, **where):
            return db.session.query(model.id).filter_by(**where).order_by(model.id).limit(1).scalar()

        grid = world_ids.grid_a
        ids = FieldIds(
            grid=grid,
            household=first(Household, grid_id=grid),
            resident=first(Resident, grid_id=grid),
            key_person=first(KeyPerson, grid_id=grid),
            follow_up=db.session.query(FollowUp.id)
            .join(KeyPerson, FollowUp.key_person_id == KeyPerson.id)
            .filter(KeyPerson.grid_id == grid)
            .limit(1)
            .scalar(),
            visit=first(Visit, grid_id=grid),
            patrol=first(Patrol, grid_id=grid),
            matter=first(Matter, grid_id=grid),
            opinion=first(OpinionEntry, grid_id=grid),
        )
        db.session.remove()
    return ids


def field_pages(ids: FieldIds) -> list[str]:
    """The pages a grid worker opens in the field."""
    return [
        "/",
        "/visits/",
        f"/visits/grids/{ids.grid}",
        f"/visits/grids/{ids.grid}/visits",
        f"/visits/grids/{ids.grid}/entry",
        f"/visits/households/{ids.household}/new",
        f"/visits/households/{ids.household}/visits",
        f"/visits/{ids.visit}",
        f"/visits/{ids.visit}/edit",
        "/patrols/",
        "/patrols/new",
        f"/patrols/{ids.patrol}",
        f"/patrols/{ids.patrol}/edit",
        "/matters/",
        "/matters/new",
        f"/matters/{ids.matter}",
        "/opinions/",
        f"/opinions/{ids.opinion}",
        "/search?q=张",
        "/residents/",
        "/households/",
        f"/residents/{ids.resident}",
        f"/households/{ids.household}",
        "/key-persons/",
        f"/key-persons/{ids.key_person}",
        "/key-persons/new",
        f"/follow-ups/{ids.follow_up}/edit",
    ]


MENU_LINKS = ("首页", "实有人口", "住户", "事件", "入户走访", "巡查", "民情日志")


def _fits(page) -> None:
    """No sideways scrolling. A phone's browser widens its layout viewport to content
    wider than the screen (innerWidth grows with it), so the page must be no wider than
    the phone's 360 px as well as its window. Measured once the page's style sheets
    have loaded: a page the photo script writes in place of the form (photos.js) gets
    them a moment after its text shows."""
    # Polled with evaluate: wait_for_function evaluates a string, which the CSP forbids.
    for _ in range(100):
        if page.evaluate(
            "() => document.readyState === 'complete'"
            " && [...document.querySelectorAll('link[rel=stylesheet]')].every(link => link.sheet)"
        ):
            break
        page.wait_for_timeout(50)
    size = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert size["scroll"] <= size["inner"] == PHONE["viewport"]["width"], f"{page.url}: {size}"


def _menu(page):
    return page.get_by_role("navigation", name="主菜单")


def _height(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, locator
    return box["height"]


def _tap_targets_are_44_pixels(page, locators) -> None:
    for locator in locators:
        for i in range(locator.count()):
            item = locator.nth(i)
            if item.is_visible():
                assert _height(item) >= 44, f"{page.url}: {item} is {_height(item)} px tall"


def test_field_pages_fit_360_pixels(phone, live_server, field_ids):
    log_in(phone, live_server, "worker_a")
    for path in field_pages(field_ids):
        response = phone.goto(live_server(path))
        assert response is not None and response.status == 200, path
        _fits(phone)
        # The menu is folded: its links take no room until 菜单 is tapped.
        expect(_menu(phone).get_by_role("link", name="巡查", exact=True)).to_be_hidden()
        _tap_targets_are_44_pixels(
            phone,
            [
                phone.locator("main button, main input[type=submit], main .button, main select, main input[type=text]"),
                phone.locator("main input[type=checkbox] + label, main label:has(> input[type=radio])"),
            ],
        )
    phone.goto(live_server("/"))
    snap(phone, "phone-home")
    phone.goto(live_server(f"/households/{field_ids.household}"))
    snap(phone, "phone-household")
    phone.goto(live_server(f"/visits/households/{field_ids.household}/new"))
    snap(phone, "phone-visit-form")


def test_field_pages_fit_360_pixels_in_english(phone, live_server, field_ids):
    """English words are longer and do not break between letters."""
    phone.context.add_cookies([{"name": LOCALE_COOKIE, "value": "en", "url": live_server()}])
    phone.goto(live_server("/login"))
    phone.fill('input[name="username"]', "worker_a")
    phone.fill('input[name="password"]', PASSWORD)
    phone.locator('input[name="password"]').press("Enter")
    phone.wait_for_url(lambda url: "/login" not in url)
    phone.locator("label.menu-button").tap()
    expect(phone.get_by_role("navigation", name="Main menu").get_by_role("link", name="Patrols")).to_be_visible()
    _fits(phone)
    for path in field_pages(field_ids):
        phone.goto(live_server(path))
        assert phone.locator("html").get_attribute("lang") == "en"
        _fits(phone)


def test_menu_opens_by_tapping(phone, live_server, world_ids):
    log_in(phone, live_server, "worker_a")
    menu = _menu(phone)
    for name in MENU_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_hidden()
    expect(phone.get_by_role("button", name="退出")).to_be_hidden()
    button = phone.locator("label.menu-button")
    expect(button).to_have_text("菜单")
    assert _height(button) >= 44
    # The search box stays in view beside 菜单: finding a household is one tap away.
    expect(phone.get_by_role("searchbox", name="查找人员、住户和组织")).to_be_visible()

    button.tap()
    for name in MENU_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(phone.get_by_role("button", name="退出")).to_be_visible()
    _tap_targets_are_44_pixels(phone, [menu.get_by_role("link"), phone.locator(".who a, .who button")])
    _fits(phone)
    snap(phone, "phone-menu-open")
    button.tap()
    expect(menu.get_by_role("link", name="巡查", exact=True)).to_be_hidden()

    button.tap()
    menu.get_by_role("link", name="巡查", exact=True).tap()
    expect(phone).to_have_url(live_server("/patrols/"))
    expect(_menu(phone).get_by_role("link", name="巡查", exact=True)).to_be_hidden()


def test_an_opinion_log_entry_by_tapping(phone, live_server, world_ids):
    log_in(phone, live_server, "worker_a")
    phone.locator("label.menu-button").tap()
    _menu(phone).get_by_role("link", name="民情日志", exact=True).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("民情日志")
    phone.get_by_label("类别").select_option(label="城管")
    phone.get_by_label("群众反映").tap()
    phone.get_by_label("群众反映").fill("楼道灯坏了")
    phone.get_by_label("反映人").fill("周大姐")
    settled = phone.get_by_text("当时结办", exact=True)
    assert _height(settled) >= 44
    settled.tap()
    expect(phone.get_by_role("radio", name="当时结办")).to_be_checked()
    phone.get_by_label("怎样办结").fill("联系物业当场更换")
    save = phone.get_by_role("button", name="记下")
    assert _height(save) >= 44
    _fits(phone)
    save.tap()
    rows = phone.locator("#opinion-log tbody tr")
    expect(rows.first).to_contain_text("楼道灯坏了")
    expect(rows.first).to_contain_text("当时结办：联系物业当场更换")
    assert phone.url.endswith("/opinions/")
    _fits(phone)
    snap(phone, "phone-opinion-log")


def test_report_a_matter_by_tapping(phone, live_server, world_ids):
    log_in(phone, live_server, "worker_a")
    phone.goto(live_server("/matters/new"))
    with phone.expect_response(lambda r: "/matters/types" in r.url):
        phone.get_by_label("事件大类").select_option(label="城市管理")
    phone.get_by_label("事件小类").select_option(label="城市管理 › 公用设施 › 井盖缺失或破损")
    phone.get_by_label("地点").tap()
    phone.get_by_label("地点").fill("东关路1号门口")
    phone.get_by_label("事件描述").fill("井盖缺失，夜间有行人跌倒危险")
    # The phone pad for a phone number.
    expect(phone.get_by_label("反映人电话")).to_have_attribute("type", "tel")
    phone.get_by_label("反映人电话").fill("13912345678")
    report = phone.get_by_role("button", name="上报", exact=True)
    assert _height(report) >= 44
    _fits(phone)
    snap(phone, "phone-matter-report")
    report.tap()
    expect(phone.locator(".flash-success")).to_contain_text("已上报，事件编号")
    _fits(phone)


def test_keyboards_for_numbers(phone, live_server, world_ids):
    """ID numbers: a text keyboard in capitals (a resident ID may end in X); phone
    numbers: the phone pad; dates: the date picker."""
    log_in(phone, live_server, "worker_a")
    phone.goto(live_server("/residents/new"))
    id_number = phone.get_by_label("证件号码")
    expect(id_number).to_have_attribute("type", "text")
    expect(id_number).to_have_attribute("autocapitalize", "characters")
    expect(id_number).not_to_have_attribute("inputmode", "numeric")
    expect(phone.get_by_label("联系电话")).to_have_attribute("type", "tel")
    expect(phone.get_by_label("出生日期")).to_have_attribute("type", "date")
    id_number.fill("61010219700312023x")
    expect(id_number).to_have_value("61010219700312023x")  # the X can be typed; the server makes it X
    _fits(phone)


def test_menu_and_forms_without_javascript(browser, browser_context_args, live_server, world_ids):
    context = browser.new_context(**{**browser_context_args, **PHONE}, java_script_enabled=False)
    try:
        phone = context.new_page()
        phone.set_default_timeout(5_000)
        log_in(phone, live_server, "worker_a")
        expect(phone.get_by_role("heading", level=1)).to_contain_text("您好")
        menu = _menu(phone)
        expect(menu.get_by_role("link", name="民情日志", exact=True)).to_be_hidden()
        phone.locator("label.menu-button").tap()
        expect(menu.get_by_role("link", name="民情日志", exact=True)).to_be_visible()
        _fits(phone)
        with phone.expect_navigation():
            menu.get_by_role("link", name="民情日志", exact=True).tap()
        expect(phone.get_by_role("heading", level=1)).to_have_text("民情日志")
        expect(_menu(phone).get_by_role("link", name="民情日志", exact=True)).to_be_hidden()
        phone.get_by_label("类别").select_option(label="城管")
        phone.get_by_label("群众反映").fill("井盖松动")
        phone.get_by_text("当时结办", exact=True).tap()
        phone.get_by_label("怎样办结").fill("已设警示")
        with phone.expect_navigation():
            phone.get_by_role("button", name="记下").tap()
        expect(phone.locator("#opinion-log tbody tr").first).to_contain_text("井盖松动")
        _fits(phone)
        # The search box beside 菜单 is a plain GET form.
        search = phone.get_by_role("searchbox", name="查找人员、住户和组织")
        search.fill("张伟")
        with phone.expect_navigation():
            search.press("Enter")
        expect(phone.locator("main")).to_contain_text("张伟")
        _fits(phone)
    finally:
        context.close()


def test_the_desktop_keeps_its_menu_spread_out(page, live_server, world_ids):
    log_in(page, live_server, "worker_a")
    expect(page.locator("label.menu-button")).to_be_hidden()
    expect(page.locator("#menu-open")).to_be_hidden()
    for name in MENU_LINKS:
        expect(_menu(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    # Beside the brand in one header, as before: the header is a couple of lines tall.
    assert _height(page.locator("header.top")) < 100
    snap(page, "desktop-menu")

"""Light on a prepaid plan (docs/phone.md): on a grid worker's phone the pages, the
CSS and the JavaScript come compressed, and of the bundled CJK font only the few
slices holding the page's characters are fetched — never the whole font; a phone with
a CJK font of its own (here Noto Sans CJK SC, as Android has it) fetches none.
bench/page_weight.py measures the bytes; this holds the behaviour."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont
from playwright.sync_api import expect

from app.printing.pdf import FONT_DIR, FONT_FILES
from tests.browser.conftest import PHONE, snap
from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser


def watch(page) -> list:
    responses = []
    page.on("response", lambda response: responses.append(response))  # Playwright cannot wrap a builtin
    return responses


def test_a_phone_gets_compressed_text_and_a_few_font_slices(phone, live_server, world_ids):
    responses = watch(phone)
    log_in(phone, live_server, "worker_a")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("您好")
    snap(phone, "phone-light-home")
    phone.goto(live_server("/matters/new"))
    snap(phone, "phone-light-matter-report")
    texts = [
        r for r in responses if r.status == 200 and r.request.resource_type in ("document", "stylesheet", "script")
    ]
    assert {r.request.resource_type for r in texts} == {"document", "stylesheet", "script"}
    for response in texts:
        assert response.headers.get("content-encoding") in ("gzip", "br"), response.url
    # What the service worker answered from its copy is no download of its own.
    fonts = [r for r in responses if r.request.resource_type == "font" and not r.from_service_worker]
    assert fonts and all("/static/fonts/slices/" in r.url for r in fonts), [r.url for r in fonts]
    assert all(r.headers.get("content-encoding") is None for r in fonts)
    sizes = {r.url: int(r.headers["content-length"]) for r in fonts}  # bodies go with their page
    # Three pages (sign-in, 今日工作, 上报事件): a fraction of the 9 MB of the whole fonts,
    # each slice once (bench/page_weight.py: a few hundred KB).
    assert len(sizes) < 30 and sum(sizes.values()) < 600_000, sorted(sizes.items())


def test_a_phone_with_a_cjk_font_of_its_own_fetches_no_font(browser_type, tmp_path, live_server, world_ids):
    """local("Noto Sans CJK SC") in every @font-face: the device's font is used."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for name in FONT_FILES.values():
        font = TTFont(str(FONT_DIR / name))
        font.flavor = None
        font.save(str(fonts / name.replace(".woff2", ".otf")))
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    from tests.browser.conftest import CHROMIUM

    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        env={"FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)},
    )
    try:
        context = browser.new_context(**PHONE, locale="zh-CN")
        page = context.new_page()
        responses = watch(page)
        log_in(page, live_server, "worker_a")
        expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
        page.goto(live_server("/matters/new"))
        page.evaluate("document.fonts.ready.then(() => true)")
        assert [r.url for r in responses if r.request.resource_type == "font"] == []
        # …and the text is drawn in it: the faces the page needs are loaded (from the device).
        loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').length")
        assert loaded > 0
        context.close()
    finally:
        browser.close()

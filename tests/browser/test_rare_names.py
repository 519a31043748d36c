"""A rare character of a name on screen (GB 18030-2022): 黎𠮷 typed into the resident
form is shown with the font cut to 𠮷 that the page names — loaded by the browser
under the Content-Security-Policy, not left to whatever the PC happens to have."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser

RARE_NAME = "黎\U00020bb7"

# The faces the page declared and their state once the page's fonts have settled.
FACES = """async () => {
  await document.fonts.ready;
  const found = [];
  document.fonts.forEach(face => found.push([face.family.replace(/["']/g, ''), face.status]));
  return found;
}"""


def test_a_rare_name_is_drawn_with_the_cut_font(page, live_server, world_ids):
    log_in(page, live_server, "station_a")
    page.goto(live_server("/residents/"))
    page.get_by_role("link", name="张伟").first.click()
    page.get_by_role("link", name="修改").click()
    page.get_by_label("姓名", exact=True).fill(RARE_NAME)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(RARE_NAME)
    # Ask the browser to lay the name out with the face, as it does to draw it.
    loaded = page.evaluate(
        "async (name) => { await document.fonts.load(\"16px 'Gridbook Rare 1'\", name); return true; }", RARE_NAME
    )
    assert loaded
    faces = dict(page.evaluate(FACES))
    assert faces.get("Gridbook Rare 1") == "loaded", faces

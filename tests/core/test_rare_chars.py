"""Rare characters of names (GB 18030-2022): 黎𠮷 typed into a resident's form is
saved, and every page showing it carries a font cut to 𠮷 from the fallback, served
from /fonts/rare/; pages without such characters carry nothing extra."""

import io
import re

from fontTools.ttLib import TTFont

from tests.web import form_on, press, visible_text

RARE = "\U00020bb7"  # 𠮷, CJK Extension B: beyond GBK and the bundled font


def test_a_rare_name_shows_through_a_font_cut_to_it(web_as, world, client):
    resident = world.residents["a"]
    web = web_as("station_a")
    page = web.get(f"/residents/{resident.id}")
    assert "Gridbook Rare" not in page.text
    form = form_on(page.click(description="修改"))
    form["name"] = f"黎{RARE}"
    response = press(form, "保存").follow()
    assert f"黎{RARE}" in visible_text(response)
    faces = re.findall(
        r"font-family:'Gridbook Rare (\d)';src:url\('(/fonts/rare/rare-[0-9a-f]{20}\.woff2)'\)", response.text
    )
    assert [number for number, _url in faces] == ["1"]
    # The font is public (a staff member's name on the public grid page needs it too),
    # kept by the browser for good, and holds 𠮷 and nothing of the page besides.
    font_response = client.get(faces[0][1])
    assert font_response.status_code == 200 and font_response.mimetype == "font/woff2"
    assert "max-age=31536000" in font_response.headers["Cache-Control"]
    cmap = TTFont(io.BytesIO(font_response.data)).getBestCmap()
    assert set(cmap) == {0x20BB7}
    assert len(font_response.data) < 10_000


def test_only_cut_fonts_are_served(world, client):
    assert client.get("/fonts/rare/rare-0123456789abcdef0123.woff2").status_code == 404
    assert client.get("/fonts/rare/..%2F..%2Fsecret_key").status_code == 404
    assert client.get("/fonts/rare/fonts.css").status_code == 404

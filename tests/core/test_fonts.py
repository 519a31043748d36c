"""The bundled CJK font on the web comes in unicode-range slices (static/css/fonts.css
and static/fonts/slices/, made by scripts/font-slices.py; docs/phone.md, "Light on a
prepaid plan"): every character of the regular font is in exactly one slice,
and for each character the @font-face a browser takes — the last declared whose
unicode-range holds it — is the slice that has it. The device's own CJK font
(GridbookLocal) is tried before any slice. Pages link fonts.css; the whole fonts stay
for prints only."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from app.printing.pdf import FONT_DIR, FONT_FILES

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "static" / "css" / "fonts.css"
SLICES = ROOT / "static" / "fonts" / "slices"
REGULAR = FONT_DIR / FONT_FILES["normal"]
BOLD = FONT_DIR / FONT_FILES["bold"]
FACE = re.compile(
    r'@font-face\{font-family:"GridbookSans";font-weight:(?P<weight>\d+);font-display:swap;'
    r'src:url\("\.\./fonts/slices/(?P<file>[^"?]+)\?v=(?P<version>[0-9a-f]{12})"\) format\("woff2"\);'
    r"unicode-range:(?P<ranges>[^}]+)\}"
)
# The device's own CJK font, tried before the slices (app.css's stack).
LOCAL_FACE = re.compile(r'@font-face\{font-family:"GridbookLocal";font-weight:(?P<weight>\d+);src:(?P<local>[^}]+)\}')


@cache
def faces() -> list[dict]:
    text = CSS.read_text(encoding="utf-8")
    found = [match.groupdict() for match in FACE.finditer(text)]
    assert len(found) + len(LOCAL_FACE.findall(text)) == text.count("@font-face"), "a rule of fonts.css is unexpected"
    for face in found:
        face["spans"] = [
            (int(a, 16), int(b or a, 16)) for a, b in re.findall(r"U\+([0-9a-f]+)(?:-([0-9a-f]+))?", face["ranges"])
        ]
    return found


@cache
def characters(path: Path) -> frozenset[int]:
    return frozenset(TTFont(str(path), lazy=True).getBestCmap())


def test_every_page_frame_links_the_slices_before_its_styles():
    for frame in ("templates/base.html", "templates/public/base.html", "templates/dashboard/screen.html"):
        html = (ROOT / frame).read_text(encoding="utf-8")
        assert "filename='css/fonts.css'" in html, frame
        assert html.index("css/fonts.css") < html.index("css/app.css"), frame
    app_css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "@font-face" not in app_css and ".woff2" not in app_css
    # The device's own fonts first, then the slices.
    assert app_css.index('"SimSun"') < app_css.index('"GridbookLocal"') < app_css.index('"GridbookSans"')


def test_the_devices_own_cjk_font_is_tried_before_any_slice():
    """GridbookLocal: one face a weight of local() names only, before the slices; the
    slices name none (each local() name costs a font look-up per face and page)."""
    text = CSS.read_text(encoding="utf-8")
    local_faces = {m["weight"]: re.findall(r'local\("([^"]+)"\)', m["local"]) for m in LOCAL_FACE.finditer(text)}
    assert {"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "SimSun"} <= set(local_faces["400"])
    assert {"Microsoft YaHei Bold", "Noto Sans CJK SC Bold"} <= set(local_faces["700"])
    assert not any("Bold" not in name and "Semibold" not in name and " W6" not in name for name in local_faces["700"])
    assert text.count("local(") == sum(map(len, local_faces.values()))


def test_each_rule_names_a_slice_that_exists():
    order_digest = hashlib.sha256((ROOT / "scripts" / "font-slices-order.txt").read_bytes()).hexdigest()[:12]
    referenced = set()
    for face in faces():
        assert face["file"].startswith(face["weight"] + "-")
        assert (SLICES / face["file"]).is_file(), face["file"]
        # Cut from the committed order: a phone's copy of an older cut is another address.
        assert face["version"] == order_digest, "fonts.css is older than scripts/font-slices-order.txt"
        referenced.add(face["file"])
    assert referenced == {path.name for path in SLICES.glob("*.woff2")}, "slices on disk that fonts.css does not use"


def test_the_slices_are_regular_only_and_bold_is_the_browsers():
    """No bold cut on the web: it would double a first visit (docs/phone.md)."""
    assert {face["weight"] for face in faces()} == {"400"}
    assert "font-synthesis" not in (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")


def test_each_character_of_the_font_is_in_the_slice_a_browser_takes_for_it():
    mine = faces()
    holding: dict[int, str] = {}
    for face in mine:
        codes = characters(SLICES / face["file"])
        assert codes, face["file"]
        twice = codes & holding.keys()
        assert not twice, f"{face['file']} repeats {sorted(twice)[:5]}"
        holding.update(dict.fromkeys(codes, face["file"]))
    assert set(holding) == characters(REGULAR), "the slices do not hold the font's characters"
    # The browser tries the last-declared face whose unicode-range holds a character.
    taken: dict[int, str] = {}
    for face in mine:
        for start, end in face["spans"]:
            taken.update(dict.fromkeys(range(start, end + 1), face["file"]))
    wrong = [code for code, file in holding.items() if taken.get(code) != file]
    assert not wrong, [f"U+{code:04X} in {holding[code]}, browser takes {taken.get(code)}" for code in wrong[:10]]
    # …and no rule's unicode-range reaches a character the font lacks (a fetch for nothing).
    assert set(taken) == set(holding)


def test_an_ordinary_page_needs_a_few_small_slices():
    """The first slices of the order hold the app's own words: the frame of every page
    (its menu) is in two or three slices, none of them large."""
    frame = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    words = "".join(re.findall(r"_\('([^']+)'\)", frame))
    mine = [face for face in faces() if face["weight"] == "400"]
    needed = set()
    for char in {c for c in words if "\u3400" <= c <= "\u9fff"}:
        needed.add([face for face in mine if any(a <= ord(char) <= b for a, b in face["spans"])][-1]["file"])
    assert len(needed) <= 3, needed
    assert sum((SLICES / name).stat().st_size for name in needed) < 150_000
    assert max(path.stat().st_size for path in SLICES.glob("*.woff2")) < 100_000


def test_the_slices_weigh_about_what_the_fonts_they_come_from_weigh():
    sliced = sum(path.stat().st_size for path in SLICES.glob("*.woff2"))
    whole = REGULAR.stat().st_size
    assert sliced < whole * 1.3, (sliced, whole)


def test_prints_keep_the_whole_fonts():
    """WeasyPrint embeds (a subset of) the whole font: app/printing/pdf.py."""
    for path in (REGULAR, BOLD):
        assert path.is_file() and path.parent == ROOT / "static" / "fonts"

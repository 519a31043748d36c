"""Characters beyond the bundled font — the rare characters of some people's names
(黎𠮷: U+20BB7, CJK Extension B). GB 18030-2022 obliges a system that holds people's
names to show them, on screen and on paper alike.

The bundled Noto Sans CJK SC is cut to GBK (static/fonts). For what it lacks, the
fallback fonts of Debian's fonts-hanazono (HanaMinB: Extensions B–F whole) and
fonts-babelstone-han (BabelStone Han: Extensions G and H in part, compatibility
ideographs) are tried in turn; `RARE_FONT_FILES` names others. Neither is sent or
embedded whole (30 and 50 MB): a page or a print that holds such characters gets a
font cut to exactly those characters (a few KB), made once and kept in the instance
folder under a name from the characters' hash.

- Prints: `print_faces` gives the @font-face rules of the cut fonts for the print's
  style sheet (families "Gridbook Rare 1", "Gridbook Rare 2" … in print/base.html's
  font stack).
- Screens: every HTML answer holding such characters gets a <style> with the same
  faces, the fonts served from /fonts/rare/<filename> (app.css names the families).
- Characters no font has are reported, each with the text around it, so the station
  can check those records on paper: they are the only ones a print warns about."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import Flask, Response, abort, current_app, send_file, url_for
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from markupsafe import Markup

from app import ROOT

BUNDLED_FONT = ROOT / "static" / "fonts" / "NotoSansCJKsc-Regular.gbk.woff2"
DEFAULT_RARE_FONT_FILES = (
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
)
FAMILY = "Gridbook Rare %d"
# How many fallback families the style sheets name (print/base.html, static/css/app.css).
FAMILIES = 3
SNIPPET = 12  # characters either side of a missing one in a report
_NAME = re.compile(r"^rare-[0-9a-f]{20}\.woff2$")


@cache
def bundled_codepoints() -> frozenset[int]:
    return frozenset(TTFont(str(BUNDLED_FONT), lazy=True).getBestCmap())


@cache
def _fallbacks(paths: tuple[str, ...]) -> tuple[tuple[Path, frozenset[int]], ...]:
    found = []
    for path in paths[:FAMILIES]:
        if Path(path).is_file():
            found.append((Path(path), frozenset(TTFont(path, lazy=True, fontNumber=0).getBestCmap())))
    return tuple(found)


def fallback_fonts() -> tuple[tuple[Path, frozenset[int]], ...]:
    """The fallback fonts present on this machine, in order, with what each covers."""
    return _fallbacks(tuple(current_app.config.get("RARE_FONT_FILES") or DEFAULT_RARE_FONT_FILES))


def beyond_bundled(text: str) -> set[str]:
    """The characters of `text` the bundled font lacks (CJK and after; not spaces)."""
    covered = bundled_codepoints()
    return {c for c in set(text) if ord(c) > 0x2E7F and ord(c) not in covered and not c.isspace()}


@dataclass
class Coverage:
    """Which fallback font draws which of the rare characters, and which no font has."""

    by_font: list[tuple[int, Path, str]] = field(default_factory=list)  # (family number, font, characters)
    missing: set[str] = field(default_factory=set)


def coverage(characters: set[str]) -> Coverage:
    result = Coverage()
    left = set(characters)
    for number, (path, codepoints) in enumerate(fallback_fonts(), 1):
        drawn = "".join(sorted(c for c in left if ord(c) in codepoints))
        if drawn:
            result.by_font.append((number, path, drawn))
            left -= set(drawn)
    result.missing = left
    return result


def missing_characters(text: str) -> list[dict]:
    """Each character of `text` that no font has, with the text around it."""
    missing = coverage(beyond_bundled(text)).missing
    return [
        {"char": char, "context": text[max(0, index - SNIPPET) : index + SNIPPET + 1]}
        for index, char in enumerate(text)
        if char in missing
    ]


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "fonts" / "rare"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cut_font(path: Path, characters: str, flavor: str | None) -> Path:
    """`path` cut to `characters`, kept in the instance folder (made once)."""
    # Keyed with the secret key: the public URL of a font cut to one character must not
    # let anyone find out, by hashing each rare character, that some page showed it.
    key = str(current_app.secret_key or "").encode()
    digest = hmac.new(key, f"{path}\n{characters}".encode(), hashlib.sha256).hexdigest()[:20]
    target = _folder() / f"rare-{digest}.{flavor or 'ttf'}"
    if not target.exists():
        font = TTFont(str(path), lazy=True, fontNumber=0)
        options = Options(notdef_outline=True, layout_features=[], name_IDs=["*"], ignore_missing_glyphs=True)
        options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing to draw with
        subsetter = Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in characters])
        subsetter.subset(font)
        font.flavor = flavor
        partial = target.with_suffix(".part")
        font.save(str(partial))
        partial.replace(target)
    return target


def print_faces(text: str) -> tuple[Markup, list[dict]]:
    """The @font-face rules a print of `text` needs for its rare characters (files in
    the instance folder, which the print's URL fetcher may read), and the characters no
    font has, with the text around them."""
    rare = beyond_bundled(text)
    if not rare:
        return Markup(""), []
    found = coverage(rare)
    rules = [
        "@font-face { font-family: '%s'; src: url('%s'); }" % (FAMILY % number, cut_font(path, chars, None).as_uri())
        for number, path, chars in found.by_font
    ]
    return Markup("\n".join(rules)), missing_characters(text) if found.missing else []


def screen_faces(text: str) -> str:
    """A <style> with the @font-face rules a page of `text` needs, or ""."""
    rare = beyond_bundled(text)
    if not rare:
        return ""
    rules = []
    for number, path, chars in coverage(rare).by_font:
        name = cut_font(path, chars, "woff2").name
        rules.append(
            "@font-face{font-family:'%s';src:url('%s') format('woff2');font-display:swap}"
            % (FAMILY % number, url_for("rare_font", filename=name))
        )
    return "<style>%s</style>" % "".join(rules) if rules else ""


def _add_faces(response: Response) -> Response:
    """Give an HTML answer (page or htmx fragment) the faces of its rare characters."""
    if (
        response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
        or response.status_code >= 300
    ):
        return response
    html = response.get_data(as_text=True)
    style = screen_faces(html)
    if style:
        head = html.find("</head>")
        response.set_data(html[:head] + style + html[head:] if head >= 0 else style + html)
    return response


def rare_font(filename: str) -> Response:
    """A cut font: its name is the hash of what it holds, so it never changes."""
    if not _NAME.match(filename) or not (_folder() / filename).is_file():
        abort(404)
    return send_file(_folder() / filename, mimetype="font/woff2", max_age=365 * 24 * 3600)


def init_app(app: Flask) -> None:
    app.add_url_rule("/fonts/rare/<filename>", "rare_font", rare_font)
    app.after_request(_add_faces)

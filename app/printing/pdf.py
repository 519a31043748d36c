"""One way to print: Jinja templates rendered by WeasyPrint with the print style
sheet (A4, repeated table headers, "第 x 页 / 共 y 页", printed-at time, the
confidentiality mark) and the bundled CJK fonts embedded.

Nothing is fetched over the network while rendering: the URL fetcher serves only
files under static/ and the upload folder (staff photos), and data: URLs.

The bundled fonts cover GBK. A name with a character beyond it (some rare
characters of personal names: 𠮷) prints through a fallback font cut to the print's
rare characters (app/core/rare_chars.py); a character no font has is listed with the
text around it in the print's audit entry, so the station can check those records on
paper."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import gettext as _
from flask_login import current_user
from fontTools.ttLib import TTFont
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

from app import ROOT
from app.core import rare_chars
from app.core.masking import printing
from app.core.pdf_layout import LaidOut, LocalOnlyFetcher, PrintJob, lay_out  # noqa: F401 (the print API)
from app.core.timeutil import to_local, utcnow

FONT_DIR = ROOT / "static" / "fonts"
FONT_FILES = {"normal": "NotoSansCJKsc-Regular.gbk.woff2", "bold": "NotoSansCJKsc-Bold.gbk.woff2"}


@dataclass
class PrintResult:
    pdf: bytes
    pages: int
    missing_glyphs: list[dict] = field(default_factory=list)


def font_file(weight: str) -> Path:
    """The bundled font decompressed once to OpenType in the instance folder
    (WOFF2 costs about 0.3 s more per render, docs/benchmarks.md); the WOFF2 if that fails."""
    source = FONT_DIR / FONT_FILES[weight]
    target = Path(current_app.instance_path) / "fonts" / source.name.replace(".woff2", ".otf")
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            font = TTFont(str(source))
            font.flavor = None
            partial = target.with_suffix(".part")
            font.save(str(partial))
            partial.replace(target)
        except OSError:
            return source
    return target


def font_faces() -> Markup:
    """@font-face rules for the print style sheet; system CJK fonts after ours."""
    rules = []
    for weight in ("normal", "bold"):
        rules.append(
            "@font-face { font-family: 'Gridbook CJK'; font-weight: %s; src: url('%s'); }"
            % (weight, font_file(weight).as_uri())
        )
    return Markup("\n".join(rules))


def _cut_font(weight: str, characters: list[str], target: Path) -> Path:
    """The bundled font of `weight` cut to `characters`, saved once at `target`."""
    if not target.exists():
        from fontTools.subset import Options, Subsetter

        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(str(font_file(weight)))
        subsetter = Subsetter(Options(layout_features=["*"], name_IDs=["*"], notdef_outline=True))
        subsetter.populate(unicodes=[ord(c) for c in characters])
        subsetter.subset(font)
        partial = target.with_suffix(".part")
        font.save(str(partial))
        partial.replace(target)
    return target


def _with_ascii(text) -> list[str]:
    return sorted(set(text) | {chr(code) for code in range(0x20, 0x7F)})


def stamp_font_face(text: str) -> Markup:
    """@font-face of a font holding only the characters of `text` (and ASCII), cut from
    the bundled Regular once and kept in the instance folder: the page stamps of a long
    print (assembly.join_and_number) then load a few kilobytes instead of 6 MB per part."""
    characters = _with_ascii(text)
    key = hashlib.sha256("".join(characters).encode()).hexdigest()[:16]
    target = _cut_font("normal", characters, Path(current_app.instance_path) / "fonts" / f"stamp-{key}.otf")
    return Markup("@font-face { font-family: 'Gridbook Stamp'; src: url('%s'); }" % target.as_uri())


def shared_font_faces(characters: set[str]) -> Markup:
    """@font-face rules of the bundled Regular and Bold cut to `characters` (and ASCII):
    one file per weight for all the parts of a print (share_fonts), made once."""
    wanted = _with_ascii(characters)
    key = hashlib.sha256("".join(wanted).encode()).hexdigest()[:20]
    folder = Path(current_app.instance_path) / "fonts" / "shared"
    rules = [
        "@font-face { font-family: 'Gridbook CJK'; font-weight: %s; src: url('%s'); }"
        % (weight, _cut_font(weight, wanted, folder / f"{key}-{weight}.otf").as_uri())
        for weight in ("normal", "bold")
    ]
    return Markup("\n".join(rules))


def share_fonts(jobs: list[PrintJob]) -> list[PrintJob]:
    """The parts of one print with one set of fonts: the bundled ones and the rare-
    character fallbacks cut once to every character of every part, embedded whole
    (not subset again per part), so each part carries the same font bytes and joining
    keeps them once (assembly.join_and_number). Without this each part embedded its
    own subset: a binder was 94 % fonts."""
    characters: set[str] = set()
    for job in jobs:
        characters.update(job.html)
    shared = str(shared_font_faces(characters))
    rare, _missing = rare_chars.print_faces("".join(sorted(characters)))
    own = str(font_faces())
    shared_jobs = []
    for job in jobs:
        html = job.html
        part_rare, _ = rare_chars.print_faces(_visible_text(html))
        if part_rare:
            html = html.replace(str(part_rare) + "\n</style>", "</style>", 1)
        html = html.replace(own, shared + ("\n" + str(rare) if rare else ""), 1)
        shared_jobs.append(replace(job, html=html, full_fonts=True))
    return shared_jobs


def printed_by(user=None) -> str:
    """Who printed an internal print (GB/T 35273: a copy found where it should not be
    names whose it was): `user`, by default the signed-in account; a print from the
    command line says so. In each page's footer as text, and across the page faintly
    as `watermark_image`."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    if user is None:
        return _("命令行")
    return _("%(name)s（%(username)s）", name=user.display_name, username=user.username)


def watermark_text(printer: str, printed_at: datetime) -> str:
    return _("%(who)s 打印 %(time)s", who=printer, time=printed_at.strftime("%Y-%m-%d %H:%M"))


@lru_cache(maxsize=32)
def _watermark_png(text: str, font_path: str) -> bytes:
    font = ImageFont.truetype(font_path, 56)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("LA", (right - left + 40, bottom - top + 40), (0, 0))
    # Faint in itself (alpha 20 of 255): no transparency group for WeasyPrint to add.
    ImageDraw.Draw(image).text((20 - left, 20 - top), text, font=font, fill=(0, 20))
    out = io.BytesIO()
    image.rotate(28, expand=True, resample=Image.Resampling.BICUBIC).save(out, "PNG", optimize=True)
    return out.getvalue()


def watermark_image(text: str) -> str:
    """`text` drawn faint and slanted, as a data: URL. An image rather than text: text
    laid across a page is read by copy-and-paste and text extraction in among the
    page's own lines (a table's 序号 "5" read as "54005"); the footer carries the same
    words as text."""
    png = _watermark_png(text, str(font_file("normal")))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def prepare_print(
    template: str, *, title: str, confidential: bool = True, numbered: bool = True, **context
) -> PrintJob:
    """Render `template` (extending print/base.html) to HTML for layout.

    numbered=False leaves the printed-at time, "第 x 页 / 共 y 页" and the watermark
    out: prints made of several parts get them stamped over the joined pages
    (assembly.join_and_number), and without the time the same data gives the same HTML,
    so a part can be reused from the print cache. A confidential print names who
    printed it (`printed_by`) in the footer and in a watermark; `printed_by=user` in
    the context names another account than the signed-in one (a background job's).

    ID numbers and mobiles are masked in whatever the template prints, free text
    included; numbers that are not personal are marked `|not_personal`."""
    printed_at = to_local(utcnow())
    printer = printed_by(context.pop("printed_by", None)) if confidential else None
    watermark = watermark_image(watermark_text(printer, printed_at)) if printer and numbered else None
    with printing():  # every value the template outputs is masked (app.core.rendering)
        html = render_template(
            template,
            title=title,
            confidential=confidential,
            numbered=numbered,
            printed_at=printed_at,
            printer=printer,
            watermark=watermark,
            font_faces=font_faces(),
            page_label=page_label(),
            **context,
        )
    # The fallback fonts of the print's rare characters, cut to them.
    rare_faces, _missing = rare_chars.print_faces(_visible_text(html))
    if rare_faces:
        html = html.replace("</style>", str(rare_faces) + "\n</style>", 1)
    roots = (ROOT / "static", Path(current_app.config["UPLOAD_FOLDER"]), Path(current_app.instance_path) / "fonts")
    return PrintJob(html, str(ROOT / "static") + "/", tuple(str(root) for root in roots), title)


def render_pdf(template: str, *, title: str, confidential: bool = True, **context) -> PrintResult:
    """Render `template` (extending print/base.html) to PDF in this process."""
    job = prepare_print(template, title=title, confidential=confidential, **context)
    laid_out = lay_out(job)
    return PrintResult(laid_out.pdf, laid_out.pages, job_missing_glyphs(job))


def job_missing_glyphs(job: PrintJob) -> list[dict]:
    """The characters of the print no font has (neither the bundled one nor a fallback),
    each with the text around it."""
    return rare_chars.missing_characters(_visible_text(job.html))


def page_label() -> dict[str, str]:
    """ "第 " counter(page) " 页 / 共 " counter(pages) " 页", from one translated pattern."""
    pattern = _("第 {page} 页 / 共 {pages} 页")
    before, rest = pattern.split("{page}", 1)
    middle, after = rest.split("{pages}", 1)
    return {"before": before, "middle": middle, "after": after}


def _visible_text(html: str) -> str:
    import re
    from html import unescape

    body = html.split("<body", 1)[-1]
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))

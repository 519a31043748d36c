"""Cut the bundled CJK web fonts into unicode-range slices, as Google Fonts serves CJK
fonts: a page fetches only the slices holding the characters it shows, a phone on a
prepaid plan a few hundred KB instead of 9 MB (docs/phone.md, "Light on a prepaid plan").

    .venv/bin/python scripts/font-slices.py                       # the slices and the CSS
    .venv/bin/python scripts/font-slices.py --rank jieba/dict.txt # first the order, again

Source: the regular font prints embed, static/fonts/NotoSansCJKsc-Regular.gbk.woff2
(Noto Sans CJK SC cut to GBK, 22,042 characters, SIL OFL; app/printing/pdf.py keeps
using it and the Bold whole). Written: static/fonts/slices/400-NNN.woff2 and
static/css/fonts.css, one @font-face per slice, which every page links before
app.css. Both are committed; run this again only when the source or the order change
(the same order gives the same files).

Regular only: bold text on screen (headings, table headers, labels) is the regular
slices made bold by the browser (font-synthesis). A bold cut of its own doubled what a
first visit fetches — a page's bold words are mostly the same characters as its
regular ones — for a difference a worker reading a form on a phone does not need;
prints, where type is judged, embed the real Bold.

The order of the characters, scripts/font-slices-order.txt, is made by --rank: first
the Han characters of the app's own text — templates/, app/ (the demo county left out)
and the seeded lists of migrations/versions/ (matter types, visit classes…) — by the
number of those files each occurs in, the frame every page is drawn in (base.html,
public/base.html, _macros.html) counting as often as there are templates: what pages
show most often comes first. Then the other Han characters by their frequency in
general Chinese text, from the word frequencies of jieba's dictionary (dict.txt of the
jieba package on PyPI, MIT licence: each word's count added to each of its characters).
Without --rank the committed order is used.

The slices: 00 ASCII and Latin-1 (an English page needs no
other); 01 CJK and full-width punctuation with the first FIRST characters of the
order; then RANKED characters a slice to the end of the order (ORDERED characters);
then the rest of the font — rarer characters, names' among them — by code point, TAIL
a slice. A page of ordinary Chinese finds all its characters in the first few dozen.
The CSS declares the rarer slices first, each with the one span of code points from
its first character to its last, and the ordered slices after them with exactly their
characters: a browser tries the last-declared @font-face whose unicode-range holds a
character first (CSS Fonts 4, "unicode-range"), so a character of an ordered slice
never fetches the rarer slice whose span it falls in (Chromium checked: one slice
fetched for 网格, both once 龘 is added), and fonts.css stays short. Each slice keeps
the glyphs the font's layout features reach from its characters; hints are dropped
(phones and Linux PCs, the devices that fetch these, draw CJK unhinted) and the
charstrings desubroutinised (brotli then packs them better).

A device with a CJK font of its own fetches none of this: app.css's stack puts
GridbookLocal before GridbookSans, one face a weight made only of local() names of
the usual system CJK fonts (LOCAL), and the browser reaches GridbookSans only for
characters GridbookLocal does not draw — all of them where no such font is found.
The slices' own rules name no local() fonts: Chromium on Linux looks each local()
name up in fontconfig, for every face a page needs, on every page — in each of 306
faces that made a page 0.6 s slower to lay out, even with every slice cached.
"""

from __future__ import annotations

import argparse
import hashlib
import io
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from itertools import zip_longest
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "fonts"
SLICES = FONTS / "slices"
CSS = ROOT / "static" / "css" / "fonts.css"
ORDER = ROOT / "scripts" / "font-slices-order.txt"
SOURCES = {400: "NotoSansCJKsc-Regular.gbk.woff2"}
FAMILY = "GridbookSans"
FIRST = 300  # Han characters in slice 01, beside the punctuation
RANKED = 60  # characters a slice while they follow the order
ORDERED = 4000  # Han characters kept in the order file
TAIL = 200  # characters a slice past the order, by code point
# Drawn around every page: their characters count as if in every template.
FRAME = {"templates/base.html", "templates/public/base.html", "templates/_macros.html"}
# Fonts a device may have already, by the names local() matches (a face's full name or
# PostScript name; Safari also takes a family's). Windows' YaHei and SimSun, macOS and
# iOS, Android and Linux (Noto Sans CJK, Debian's fonts-noto-cjk, or Source Han Sans,
# the same design), Debian's fonts-wqy-microhei. Android matches local() names but not
# its CJK fallback fonts by family name, hence local() rather than app.css's stack.
LOCAL = {
    400: [
        "Microsoft YaHei",
        "PingFang SC",
        "PingFangSC-Regular",
        "Noto Sans CJK SC",
        "NotoSansCJKsc-Regular",
        "Source Han Sans SC",
        "Source Han Sans CN",
        "Hiragino Sans GB",
        "WenQuanYi Micro Hei",
        "SimSun",
    ],
    # Bold faces only: a regular font declared bold would draw headings regular.
    700: [
        "Microsoft YaHei Bold",
        "PingFangSC-Semibold",
        "Noto Sans CJK SC Bold",
        "NotoSansCJKsc-Bold",
        "Source Han Sans SC Bold",
        "Source Han Sans CN Bold",
        "Hiragino Sans GB W6",
    ],
}
LOCAL_FAMILY = "GridbookLocal"
LATIN = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
PUNCTUATION = (
    set(range(0x2000, 0x2070))  # general punctuation: — ‘ ’ “ ” … ‰ ※
    | set(range(0x3000, 0x3040))  # CJK symbols and punctuation: 、。《》「」【】
    | set(range(0xFF01, 0xFF66))  # full-width forms: ！（），：；？ ０-９
    | {0x2103, 0x2116, 0x2190, 0x2191, 0x2192, 0x2193, 0x2460, 0x2461, 0x2462, 0x2463, 0x2464, 0x2605, 0x25CB, 0x25CF}
)


def is_han(code: int) -> bool:
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


def rank(dictionary: Path, covered: set[int]) -> list[int]:
    """The app's own Han characters by the number of its files holding them (the frame
    of every page as often as there are templates), then jieba's by frequency."""
    templates = sorted((ROOT / "templates").rglob("*.html"))
    files = templates + sorted((ROOT / "app").rglob("*.py")) + sorted((ROOT / "migrations" / "versions").glob("*.py"))
    ours: Counter[int] = Counter()
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        if name.startswith("app/demo/"):
            continue
        codes = {ord(c) for c in path.read_text(encoding="utf-8")}
        ours.update(
            dict.fromkeys((c for c in codes if is_han(c) and c in covered), len(templates) if name in FRAME else 1)
        )
    general: Counter[int] = Counter()
    names: Counter[int] = Counter()  # words tagged nr: people's names
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, count, *tag = line.split()
        codes = {ord(c): int(count) for c in word if is_han(ord(c)) and ord(c) in covered}
        general.update(codes)
        if tag == ["nr"]:
            names.update(codes)
    order = sorted(ours, key=lambda c: (-ours[c], -general[c], c))
    # Then, in turn, the next most frequent in text and the next in names: the register
    # pages are lists of people.
    by_text = iter(sorted(general, key=lambda c: (-general[c], c)))
    by_name = iter(sorted(names, key=lambda c: (-names[c], -general[c], c)))
    seen = set(order)
    for text_code, name_code in zip_longest(by_text, by_name):
        for code in (text_code, name_code):
            if code is not None and code not in seen:
                seen.add(code)
                order.append(code)
    return order[:ORDERED]


def write_order(order: list[int]) -> None:
    lines = [
        "# Han characters in the order scripts/font-slices.py slices them: the app's own text",
        "# first, then general Chinese by frequency (jieba's dict.txt). Made by --rank.",
    ]
    text = "".join(chr(c) for c in order)
    lines += [text[i : i + 50] for i in range(0, len(text), 50)]
    ORDER.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_order() -> list[int]:
    lines = ORDER.read_text(encoding="utf-8").splitlines()
    return [ord(c) for line in lines if not line.startswith("#") for c in line.strip()]


def plan(covered: set[int], order: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    """(the ordered slices, the rarer slices), each slice a sorted list of code points;
    together all the font covers, each character in one slice."""
    ordered = [sorted(covered & LATIN)]
    ranked = [c for c in order if c in covered and c not in LATIN][:ORDERED]
    first = set(ranked[:FIRST]) | (covered & PUNCTUATION)
    ordered.append(sorted(first))
    rest = [c for c in ranked[FIRST:] if c not in first]
    ordered += [sorted(rest[i : i + RANKED]) for i in range(0, len(rest), RANKED)]
    taken = set().union(*map(set, ordered))
    remaining = sorted(covered - taken)
    rarer = [remaining[i : i + TAIL] for i in range(0, len(remaining), TAIL)]
    return ordered, rarer


def unicode_range(codes: list[int], fill: set[int] | frozenset[int] = frozenset()) -> str:
    """Code points as CSS ranges; a gap made only of code points in `fill` is bridged."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and all(c in fill for c in range(runs[-1][1] + 1, code)):
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return ",".join(f"U+{a:x}" if a == b else f"U+{a:x}-{b:x}" for a, b in runs)


def cut(job: tuple[bytes, list[int], Path]) -> int:
    source, codes, target = job
    font = TTFont(io.BytesIO(source), recalcTimestamp=False)
    options = Options(
        flavor="woff2",
        hinting=False,
        desubroutinize=True,
        drop_tables=Options().drop_tables + ["VORG", "vhea", "vmtx", "BASE"],
        name_IDs=[0, 1, 2, 3, 4, 5, 6],
    )
    subsetter = Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    target.write_bytes(out.getvalue())
    return len(out.getvalue())


def local_face(weight: int) -> str:
    """GridbookLocal of `weight`: the device's own CJK font, if it has one of LOCAL."""
    local = ",".join(f'local("{font}")' for font in LOCAL[weight])
    return f'@font-face{{font-family:"{LOCAL_FAMILY}";font-weight:{weight};src:{local}}}'


def face(weight: int, name: str, unicode_ranges: str, version: str) -> str:
    """One slice's rule. Its address carries the order's digest, as every static link
    carries its file's version (app/core/static_files.py): slices cut from another
    order are other addresses, never a phone's kept copy of the old cut. No local():
    GridbookLocal comes first in app.css's stack instead (the module's docstring)."""
    return (
        f'@font-face{{font-family:"{FAMILY}";font-weight:{weight};font-display:swap;'
        f'src:url("../fonts/slices/{name}?v={version}") format("woff2");unicode-range:{unicode_ranges}}}'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rank", type=Path, metavar="DICT", help="jieba's dict.txt: make the order again first")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sources = {}
    covered: set[int] | None = None
    for weight, name in SOURCES.items():
        font = TTFont(str(FONTS / name), recalcTimestamp=False)  # the same sources make the same files
        font.flavor = None  # cut from OpenType: each slice would otherwise decompress the WOFF2 again
        buffer = io.BytesIO()
        font.save(buffer)
        sources[weight] = buffer.getvalue()
        codes = set(font.getBestCmap())
        assert covered is None or codes == covered, "Regular and Bold cover different characters"
        covered = codes
    assert covered is not None
    if args.rank:
        write_order(rank(args.rank, covered))
    ordered, rarer = plan(covered, read_order())
    # Rarer slices first, each declared with its span; then the ordered ones, exactly.
    # A rarer slice spans the characters of ordered slices between its own, never a
    # code point the font lacks (a page's "›" would fetch a slice for nothing).
    in_ordered = set().union(*map(set, ordered))
    slices = [(codes, unicode_range(codes, in_ordered)) for codes in rarer]
    slices += [(codes, unicode_range(codes)) for codes in ordered]
    SLICES.mkdir(parents=True, exist_ok=True)
    for old in SLICES.glob("*.woff2"):
        old.unlink()
    # Regular and bold of a slice side by side: the second unicode-range costs next to
    # nothing compressed.
    jobs = [
        (sources[weight], codes, SLICES / f"{weight}-{index:03d}.woff2")
        for index, (codes, _ranges) in enumerate(slices)
        for weight in SOURCES
    ]
    with ProcessPoolExecutor(args.jobs) as pool:
        sizes = list(pool.map(cut, jobs))
    ranges = [ranges for _codes, ranges in slices for _weight in SOURCES]
    digest = hashlib.sha256(ORDER.read_bytes()).hexdigest()[:12]
    rules = [face(int(target.name[:3]), target.name, r, digest) for (_s, _c, target), r in zip(jobs, ranges)]
    header = (
        f"/* Made by scripts/font-slices.py from the order {digest}: do not edit. The bundled Noto Sans CJK SC\n"
        f"   (SIL OFL, static/fonts/OFL.txt), regular, in {len(slices)} slices: a page fetches those holding its\n"
        f"   characters; none where GridbookLocal, the device's own CJK font, draws them. The rarer slices\n"
        f"   come first, declared by their spans; the ordered ones after them, which the browser tries first.\n"
        f"   docs/phone.md */\n"
    )
    rules = [local_face(weight) for weight in LOCAL] + rules
    CSS.write_text(header + "\n".join(rules) + "\n", encoding="utf-8")
    print(f"{len(slices)} slices a weight ({len(ordered)} ordered, {len(rarer)} rarer), {sum(sizes) / 1e6:.2f} MB")
    for weight in SOURCES:
        mine = [size for (_s, _c, target), size in zip(jobs, sizes) if target.name.startswith(f"{weight}-")]
        print(f"  {weight}: {sum(mine) / 1e6:.2f} MB, slices {min(mine) / 1e3:.0f}–{max(mine) / 1e3:.0f} KB")
    print(f"{CSS.relative_to(ROOT)}: {CSS.stat().st_size / 1e3:.0f} KB")


if __name__ == "__main__":
    main()

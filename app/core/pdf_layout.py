"""WeasyPrint's layout of a page already rendered to HTML: the slow part of printing
(~0.1 s a table page, docs/benchmarks.md). Kept apart from the Flask app so that the worker
processes laying out the parts of a long print (app/printing/assembly.py) import
only this and WeasyPrint, not the whole application.

Nothing is fetched over the network while rendering: the URL fetcher serves only
files under the allowed folders (static/, the uploads, the decompressed fonts) and
data: URLs."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher


class LocalOnlyFetcher(URLFetcher):
    """file: URLs under the allowed folders and data: URLs; anything else refused."""

    def __init__(self, allowed_roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"})
        self.allowed_roots = [root.resolve() for root in allowed_roots]

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.split("?", 1)[0].removeprefix("file://")).resolve()
            if not any(path.is_relative_to(root) for root in self.allowed_roots):
                raise ValueError(f"not an allowed file: {url}")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class PrintJob:
    """A page ready for layout: the HTML and where its files may come from. Plain data,
    so a job can be laid out in another process (app/printing/assembly.py)."""

    html: str
    base_url: str
    allowed_roots: tuple[str, ...]
    title: str = ""
    # Embed the fonts as they are, not subset to this part's characters: the parts of a
    # print share fonts already cut to the whole print's (app/printing/pdf.share_fonts),
    # so every part embeds the same bytes, and joining keeps them once.
    full_fonts: bool = False


@dataclass(frozen=True)
class LaidOut:
    pdf: bytes
    pages: int


@contextmanager
def _rendered(job: PrintJob) -> Iterator[Document]:
    """The job laid out by WeasyPrint, its font copies removed afterwards."""
    fetcher = LocalOnlyFetcher([Path(root) for root in job.allowed_roots])
    font_config = FontConfiguration()
    try:
        yield HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(font_config=font_config)
    finally:
        # WeasyPrint copies each @font-face's font (12 MB of CJK here) into a temporary
        # folder that only the FontConfiguration's finaliser removes. Held in a
        # reference cycle, it waited for the garbage collector, and a print worker
        # process that ended first left it in /tmp for good: a full disk in weeks.
        folder = getattr(font_config, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def page_count(job: PrintJob) -> int:
    """How many pages the job lays out to, without writing the PDF (the blank forms'
    rows are sized by this: app/printing/ledgers.blank_row_count)."""
    with _rendered(job) as document:
        return len(document.pages)


def lay_out(job: PrintJob) -> LaidOut:
    """WeasyPrint's layout and PDF output: the slow part (~0.1 s a table page).
    Needs no application context."""
    with _rendered(job) as document:
        out = io.BytesIO()
        document.write_pdf(out, full_fonts=job.full_fonts)
        return LaidOut(out.getvalue(), len(document.pages))

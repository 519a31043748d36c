"""Prints made of parts: long ledgers and the inspection binder.

WeasyPrint lays out one document on one core, and its memory grows with the pages of
that document (~0.1 s and a few MB a table page, docs/benchmarks.md). A long print is therefore
cut into parts of a few dozen pages, laid out in worker processes on every core,
joined with pypdf, and given one page numbering by stamping "第 x 页 / 共 y 页" and the
printed-at time over the joined pages (the parts are laid out without them).

Because a part's HTML then holds nothing but its data, the same data gives the same
HTML: a laid-out part is kept in the print cache (print-cache/ in the print folder,
PRINT_FOLDER or else the instance folder; named by the hash of its HTML) and reused until its data changes."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import weasyprint
from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter

from app.core.pdf_layout import LaidOut, PrintJob, lay_out
from app.core.private_files import private_folder, write_private
from app.core.timeutil import to_local, utcnow
from app.printing.pdf import stamp_font_face, watermark_image, watermark_text

# Bump when a change to the print templates or CSS must not reuse cached parts.
CACHE_VERSION = "1"
# Worker processes lay out one part each and exit, so their memory goes back to the
# system; they are forked from a server process that has already imported WeasyPrint.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["app.core.pdf_layout"])

PartDone = Callable[[int, LaidOut, bool], None]


@dataclass(frozen=True)
class PartOutcome:
    laid_out: LaidOut
    cached: bool


def part_key(job: PrintJob) -> str:
    """Names a part by what it prints (its HTML, the layout engine, the fonts)."""
    digest = hashlib.sha256()
    for piece in (CACHE_VERSION, weasyprint.__version__, job.base_url, str(job.full_fonts), job.html):
        digest.update(piece.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:40]


class PrintCache:
    """Laid-out parts on disk, `<key>.<pages>.pdf`; reuse refreshes the file's time so
    `prune` drops what has not been used for a while."""

    def __init__(self, folder: Path):
        self.folder = private_folder(folder)

    def get(self, key: str) -> LaidOut | None:
        for path in self.folder.glob(f"{key}.*.pdf"):
            try:
                pages = int(path.name.split(".")[1])
                data = path.read_bytes()
                # Marked used now, by the clock the pruning compares against.
                now = time.time()
                os.utime(path, (now, now))
            except (OSError, ValueError):
                return None
            return LaidOut(data, pages)
        return None

    def put(self, key: str, laid_out: LaidOut) -> None:
        target = self.folder / f"{key}.{laid_out.pages}.pdf"
        partial = target.with_suffix(".part")
        write_private(partial, laid_out.pdf)
        partial.replace(target)

    def prune(self, older_than_days: float) -> int:
        cutoff = time.time() - older_than_days * 86400
        removed = 0
        for path in self.folder.glob("*.pdf"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
        return removed


def print_folder(app: Flask | None = None) -> Path:
    """Where print-cache/ and binders/ live (PRINT_FOLDER, else the instance folder):
    one folder that every process serving the county shares."""
    app = app or current_app
    return Path(app.config.get("PRINT_FOLDER") or app.instance_path)


def print_cache() -> PrintCache:
    return PrintCache(print_folder() / "print-cache")


def worker_count() -> int:
    configured = current_app.config.get("PRINT_WORKERS")
    return max(1, int(configured) if configured else (os.cpu_count() or 1))


def lay_out_parts(
    jobs: Sequence[PrintJob],
    *,
    cache: PrintCache | None = None,
    workers: int | None = None,
    on_done: PartDone | None = None,
) -> list[PartOutcome]:
    """Lay out every job, in order: cached parts are read back, the others laid out in
    `workers` processes (in this process when one is enough). on_done(index, laid_out,
    cached) is called as each part finishes, in the order they finish."""
    workers = worker_count() if workers is None else workers
    outcomes: list[PartOutcome | None] = [None] * len(jobs)
    keys = [part_key(job) for job in jobs]
    todo = []
    for index in range(len(jobs)):
        hit = cache.get(keys[index]) if cache is not None else None
        if hit is not None:
            outcomes[index] = PartOutcome(hit, True)
            if on_done:
                on_done(index, hit, True)
        else:
            todo.append(index)

    def finished(index: int, laid_out: LaidOut) -> None:
        if cache is not None:
            cache.put(keys[index], laid_out)
        outcomes[index] = PartOutcome(laid_out, False)
        if on_done:
            on_done(index, laid_out, False)

    if len(todo) <= 1 or workers <= 1:
        for index in todo:
            finished(index, lay_out(jobs[index]))
    else:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(todo)), mp_context=_CONTEXT, max_tasks_per_child=1
        ) as pool:
            running = {pool.submit(lay_out, jobs[index]): index for index in todo}
            while running:
                done, _pending = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    finished(running.pop(future), future.result())
    return [outcome for outcome in outcomes if outcome is not None]


# Page stamps laid out per part: a few dozen empty pages cost the server process
# little; longer runs go to the worker processes like any part.
STAMP_PAGES_PER_PART = 60


def join_and_number(
    pdfs: Sequence[bytes],
    title: str,
    printed_at: datetime | None = None,
    printer: str | None = None,
    page_labels: Sequence[str] | None = None,
) -> tuple[bytes, int]:
    """Join the parts and stamp one page numbering, the printed-at time and, for an
    internal print, who printed it (pdf.printed_by: in the footer and the watermark)
    over them. `page_labels`: each page's number as printed, in place of "第 x 页 /
    共 y 页" (the replacement pages of a binder carry the numbers they replace)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    writer.add_metadata({"/Title": title, "/Producer": "Gridbook"})
    sizes: list[tuple[float, float]] = []
    page_sizes = []
    for page in writer.pages:
        size = (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
        if size not in sizes:
            sizes.append(size)
        page_sizes.append(sizes.index(size))
    total = len(page_sizes)
    pattern = _("第 {page} 页 / 共 {pages} 页")
    labels = list(page_labels or [pattern.format(page=number, pages=total) for number in range(1, total + 1)])
    printed_at = printed_at or to_local(utcnow())
    printed_label = _("打印时间：%(t)s", t=printed_at.strftime("%Y-%m-%d %H:%M"))
    watermark = None
    if printer:
        printed_label += "  " + _("打印人：%(who)s", who=printer.replace('"', ""))
        watermark = watermark_image(watermark_text(printer, printed_at))
    font_face = stamp_font_face(pattern + printed_label + "".join(labels))
    stamp_jobs = []
    for first in range(0, total, STAMP_PAGES_PER_PART):
        pages = list(zip(page_sizes, labels))[first : first + STAMP_PAGES_PER_PART]
        html = render_template(
            "print/page_numbers.html",
            sizes=sizes,
            pages=pages,
            printed_label=printed_label,
            font_faces=font_face,
            watermark=watermark,
        )
        stamp_jobs.append(PrintJob(html, "", (str(Path(current_app.instance_path) / "fonts"),), full_fonts=True))
    stamps = [
        page for outcome in lay_out_parts(stamp_jobs) for page in PdfReader(io.BytesIO(outcome.laid_out.pdf)).pages
    ]
    for page, stamp in zip(writer.pages, stamps):
        page.merge_page(stamp)
        # merge_page leaves the content uncompressed: 4× the file without this.
        page.compress_content_streams()
    # The parts share their fonts (pdf.share_fonts) and the stamps theirs: each font's
    # bytes are in every part, and kept once here.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    writer.close()
    return out.getvalue(), total

"""Reading PDFs back in tests — and keeping page 1 of each kind of PDF as a PNG in
tests/artifacts/pdf/ so a person can look at what the tests printed."""

import io
import re
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
_kept: set[str] = set()


def page_png(pdf: bytes, dpi: int = 100) -> bytes:
    """Page 1 rendered by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        return (Path(folder) / "page.png").read_bytes()


def keep_first_page(pdf: bytes) -> None:
    """Page 1 as tests/artifacts/pdf/<PDF title>.png, once per title and test run."""
    try:
        title = (PdfReader(io.BytesIO(pdf)).metadata or {}).get("/Title") or "untitled"
    except Exception:  # a test of a broken PDF must fail on its own assertion
        return
    name = re.sub(r"[^\w.-]+", "_", str(title)).strip("_")[:80] or "untitled"
    if name in _kept:
        return
    _kept.add(name)
    folder = ARTIFACTS / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.png").write_bytes(page_png(pdf))


def pdf_text(data: bytes, layout: bool = True) -> str:
    """pdftotext's layout text (poppler), which keeps CJK runs together; layout=False
    gives the text in the order it was drawn (a card at a time, not a line across
    several cards)."""
    keep_first_page(data)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-layout" if layout else "-raw", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def squeezed(data: bytes) -> str:
    """The text without any whitespace (pdftotext spaces CJK runs unpredictably), in
    the order it was drawn: a table cell's wrapped lines stay together, where the
    layout text would put the next column's line between them."""
    return "".join(pdf_text(data, layout=False).split())

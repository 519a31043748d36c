"""Reading PDFs back in tests."""
import subprocess
import tempfile


def pdf_text(data: bytes) -> str:
    """pdftotext's layout text (poppler), which keeps CJK runs together."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(["pdftotext", "-layout", handle.name, "-"], capture_output=True,
                              text=True, check=True).stdout


def squeezed(data: bytes) -> str:
    """The text without any whitespace: pdftotext spaces CJK runs unpredictably."""
    return "".join(pdf_text(data).split())

"""The one print helper: fonts embedded, A4, page numbering, the seal block, the
confidentiality mark, no network, missing glyphs reported."""

import subprocess

import pytest
from pypdf import PdfReader

from app.printing.pdf import render_pdf
from tests.printing.helpers import pdf_text, squeezed


@pytest.fixture()
def probe(app, tmp_path):
    def make(rows, **kw):
        with app.test_request_context():
            return render_pdf("print/_probe.html", title="测试台账", rows=rows, **kw)

    return make


def test_a4_page_numbers_seal_and_mark(probe, tmp_path):
    result = probe([(f"张{i}", f"610102********{i:04d}") for i in range(120)])
    text = squeezed(result.pdf)
    assert result.pages >= 3
    assert f"第1页/共{result.pages}页" in text and f"第{result.pages}页/共{result.pages}页" in text
    assert "内部资料注意保密" in text and "填报单位（盖章）" in text and "审核人" in text
    assert "张119" in text and "打印时间" in text
    page = PdfReader(__import__("io").BytesIO(result.pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1
    path = tmp_path / "probe.pdf"
    path.write_bytes(result.pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    embedded = [line for line in fonts.splitlines() if "Gridbook-CJK" in line]
    assert len(embedded) == 2 and all(" yes yes " in line for line in embedded)  # Regular and Bold, embedded


def test_public_documents_have_no_confidential_mark(probe):
    assert "内部资料" not in pdf_text(probe([("李四", "")], confidential=False).pdf)


def test_a_rare_character_of_a_name_prints_through_an_embedded_fallback_font(probe, tmp_path):
    """黎𠮷 (U+20BB7, CJK Extension B, beyond GBK): in the PDF's text, drawn by an
    embedded font cut from the first fallback (HanaMinB: "Gridbook Rare 1"), and not
    reported as missing."""
    rare = "\U00020bb7"
    result = probe([(f"黎{rare}", "")])
    assert f"黎{rare}" in pdf_text(result.pdf)
    assert result.missing_glyphs == []
    path = tmp_path / "rare.pdf"
    path.write_bytes(result.pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    fallback = [line for line in fonts if "Gridbook-Rare-1" in line]
    assert fallback and all(" yes " in line for line in fallback), fonts
    # The fallback is cut to the print's rare characters: a few KB, not 30 MB.
    assert len(result.pdf) < 200_000


def test_the_warning_names_exactly_the_characters_no_font_has(probe):
    """U+2EBF0 (CJK Extension I, Unicode 15.1) is in no font here; 𠮷 is in the
    fallback and is not named."""
    nobody = "\U0002ebf0"
    result = probe([(f"吉\U00020bb7祥{nobody}", "")])
    assert [m["char"] for m in result.missing_glyphs] == [nobody]
    assert f"祥{nobody}" in result.missing_glyphs[0]["context"]


def test_remote_urls_are_never_fetched(app):
    from app import ROOT
    from app.printing.pdf import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher([ROOT / "static"])
    with pytest.raises(ValueError):
        fetcher.fetch("http://example.com/x.png")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")

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


def test_a_character_beyond_the_bundled_font_is_reported(probe):
    rare = "\U00020bb7"  # 𠮷, outside GBK
    result = probe([(f"吉{rare}祥", "")])
    assert [m["char"] for m in result.missing_glyphs] == [rare]
    assert f"吉{rare}祥" in result.missing_glyphs[0]["context"]


def test_remote_urls_are_never_fetched(app):
    from app import ROOT
    from app.printing.pdf import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher([ROOT / "static"])
    with pytest.raises(ValueError):
        fetcher.fetch("http://example.com/x.png")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")

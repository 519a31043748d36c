"""Every UI string is translatable and translated: Chinese (the source language) is
the default, English is complete. Fails when a string has no English translation or
when Chinese text sits in a template or module outside a gettext call."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.web import press, visible_text

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}
# Modules whose Chinese is data, not UI: seeded records and console output.
DATA_MODULES = {
    "app/demo/county.py": "demo county names and addresses (records, not UI)",
    "app/auth/setup_token.py": "bilingual console banner for the server operator",
    "app/cli.py": "bilingual console output of flask commands",
    "app/printing/cli.py": "bilingual console output of flask print",
    "app/core/engine_move.py": "bilingual console output of flask copy-to-postgresql",
    "app/core/serving.py": "bilingual console output of flask serve and flask worker",
    "app/demo/population.py": "demo household addresses (records, not UI)",
    "app/demo/rosters.py": "the demo rosters' day note (records, not UI)",
    "app/demo/scale_tree.py": "county-scale demo place names (records, not UI)",
    "app/demo/scale_county.py": "county-scale demo names and addresses (records, not UI)",
    "app/demo/matters.py": "demo matters' descriptions and notes (records, not UI)",
    "app/demo/supervision.py": "demo admission items, meetings, trainings, tasks and inspections (records, not UI)",
    "app/demo/assessment.py": "demo warning cards and surveys (records, not UI)",
    "app/demo/visits.py": "demo visit findings and needs (records, not UI)",
    "app/demo/fieldwork.py": "a year of demo field work at county scale (records, not UI)",
}
DATA_CONSTANTS = {
    "DEFAULT_DEPARTMENTS",
    "STORED_NAME_SEPARATOR",
    "LANGUAGE_NAMES",
    "ETHNICITIES",
    "HOLIDAY_INPUT_WORDS",
    "BUSY_PAGE",
}  # records; languages named in their own tongue; the 503 page answered before the app, in both


def _extracted_messages() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.slow  # a scan of the whole catalogue
def test_every_ui_string_has_an_english_translation():
    with open(ROOT / "app/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = sorted(
        m for m in _extracted_messages() if not catalog.get(m) or not catalog.get(m).string or catalog.get(m).fuzzy
    )
    assert not missing, f"{len(missing)} UI strings lack English (run scripts/i18n.sh): {missing[:20]}"


def _strip_template_translations(source: str) -> str:
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\b_\(\s*'(?:[^'\\]|\\.)*'", "_(", source)
    source = re.sub(r'\b_\(\s*"(?:[^"\\]|\\.)*"', "_(", source)
    source = re.sub(r"\{%\s*trans\b.*?\{%\s*endtrans\s*%\}", "", source, flags=re.S)
    return source


def test_templates_have_no_chinese_outside_gettext():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(_strip_template_translations(path.read_text()).splitlines(), 1):
            if CJK.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not offenders, "\n".join(offenders)


def _untranslated_python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    inside_gettext, docstrings, data = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in GETTEXT_NAMES and node.args:
                inside_gettext.add(id(node.args[0]))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in DATA_CONSTANTS for t in node.targets):
            data.update(id(n) for n in ast.walk(node.value))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CJK.search(node.value)
        and id(node) not in inside_gettext | docstrings | data
    ]


@pytest.mark.slow  # a scan of every Python file
def test_python_has_no_chinese_ui_text_outside_gettext():
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if str(path.relative_to(ROOT)) not in DATA_MODULES:
            offenders.extend(_untranslated_python_strings(path))
    assert not offenders, "\n".join(offenders)


def test_chinese_is_the_default_and_english_can_be_chosen(web_as, world):
    web = web_as("admin")
    page = web.get("/")
    assert 'lang="zh-CN"' in page.text and "区划与网格" in visible_text(page)
    # The language switch sits in the page footer (a navigation form: form_on leaves it aside).
    switch = [f for k, f in page.forms.items() if isinstance(k, int) and "/lang/" in (f.action or "")]
    assert len(switch) == 1
    page = press(switch[0], "English").maybe_follow()
    assert 'lang="en"' in page.text
    assert "Divisions" in visible_text(page) and "区划与网格" not in visible_text(page)
    assert 'lang="en"' in web.get("/").text  # kept for the next pages

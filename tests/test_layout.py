"""Who may import whom, where a reading of the code cannot tell at a glance: the demo
builders (app/demo) import every feature, and no feature imports them — demo data
never becomes part of the app. The command line is the one door to them."""

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
IMPORTS_DEMO = re.compile(r"^\s*(from app\.demo\b|import app\.demo\b|from app import demo\b)", re.M)
MAY_IMPORT_DEMO = {"app/cli.py"}


def test_no_feature_imports_the_demo_builders():
    offenders = []
    for path in APP.rglob("*.py"):
        name = path.relative_to(APP.parent).as_posix()
        if name.startswith("app/demo/") or name in MAY_IMPORT_DEMO:
            continue
        if IMPORTS_DEMO.search(path.read_text(encoding="utf-8")):
            offenders.append(name)
    assert not offenders, f"these import app.demo: {offenders}"


def test_the_check_sees_an_import_of_the_demo():
    assert IMPORTS_DEMO.search("    from app.demo.county import load_demo\n")
    assert not IMPORTS_DEMO.search("from app.demography import x\n")

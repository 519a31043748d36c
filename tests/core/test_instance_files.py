"""Instance files readable by the server's account only (issue #13 item 10): the
instance folder, the database (and its -wal and -shm files), the secret key, the
setup token, uploads, the print cache and binders — whatever the process's umask."""

from __future__ import annotations

import io
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, text

from app import create_app
from app.auth.setup_token import issue_setup_token
from app.core import jobs
from app.core.database import write_transactions
from app.core.pdf_layout import LaidOut
from app.extensions import db
from app.matters.models import MatterPhoto
from app.org.models import StaffMember
from tests.conftest import fresh
from tests.web import Upload, choose, form_on, press

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def everyone_may_read_by_default():
    """The umask most servers run with (files 0644, folders 0755 unless told)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_a_new_instance_folder_database_key_and_token_are_private(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"TESTING": True}, instance_path=str(instance))
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        database = instance / "gridbook.sqlite3"
        assert (instance / "gridbook.sqlite3-wal").exists() and (instance / "gridbook.sqlite3-shm").exists()
        assert mode(instance) == 0o700
        assert mode(instance / "uploads") == 0o700
        assert mode(instance / "secret_key") == 0o600
        for path in (database, instance / "gridbook.sqlite3-wal", instance / "gridbook.sqlite3-shm"):
            assert mode(path) == 0o600, path
        issue_setup_token(app)
        assert mode(instance / "setup_token") == 0o600
        db.session.remove()
        db.engine.dispose()


def test_a_relative_sqlite_path_is_created_private_in_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite:///county.db"},
        instance_path=str(instance),
    )
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        assert mode(instance / "county.db") == 0o600
        db.session.remove()
        db.engine.dispose()


def test_an_older_instance_made_readable_by_others_is_made_private(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "secret_key").write_text("an old key")
    os.chmod(instance / "secret_key", 0o644)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(instance))
    assert app.config["SECRET_KEY"] == "an old key"
    assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600


def test_uploaded_photos_are_private(app, web, web_as, world):
    uploads = Path(app.config["UPLOAD_FOLDER"])
    form = form_on(web_as("station_a").get("/staff/new"))
    form["name"] = "张三"
    choose(form, "home_division_id", "东关一网格")
    form["photo"] = Upload("me.jpg", jpeg(), "image/jpeg")
    press(form, "保存")
    form = form_on(web.get(f"/public/grids/{world.grid_a.code}/report"), button="提交")
    choose(form, "service", "城市管理（其他）")
    form["address"] = "东关路与北街路口"
    form["description"] = "路口的井盖不见了"
    form["photos"] = [Upload("a.jpg", jpeg(), "image/jpeg")]
    assert press(form, "提交").status_int == 303
    fresh()
    staff = db.session.scalar(select(StaffMember).where(StaffMember.name == "张三"))
    photo = db.session.scalar(select(MatterPhoto).order_by(MatterPhoto.id.desc()))
    assert mode(uploads) == 0o700
    assert mode(uploads / "staff") == 0o700 and mode(uploads / "matters") == 0o700
    for path in (
        uploads / "staff" / staff.photo_filename,
        uploads / "matters" / photo.filename,
        uploads / "matters" / photo.thumbnail,
    ):
        assert mode(path) == 0o600, path


def test_a_kept_import_file_is_private(app, world):
    from app.registry.transfer.views import UPLOADS

    with app.test_request_context("/residents/import", method="POST"):
        token = UPLOADS.keep(b"PK\x03\x04 the checked workbook")
        path = UPLOADS.path(token)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_the_print_cache_and_binders_are_private(app, world, monkeypatch):
    from app.printing import binder, binder_jobs
    from app.printing.assembly import print_cache

    cache = print_cache()
    cache.put("k" * 40, LaidOut(b"%PDF-1.7 part", 1))
    assert mode(cache.folder) == 0o700 and mode(next(cache.folder.glob("*.pdf"))) == 0o600

    def quick_binder(division, start, end, user=None, progress=None, only_changed=False):
        return binder.BinderResult(pdf=b"%PDF-1.7 binder", pages=1, sections=[], records=0)

    monkeypatch.setattr(binder, "build_binder", quick_binder)
    with app.test_request_context(), write_transactions():
        job = binder_jobs.start(
            world.users["station_a"], world.grid_a.id, date(2026, 10, 1), date(2026, 10, 31), "迎检包"
        )
        token = job.token
        db.session.commit()
    assert jobs.run_pending(app) == 1
    job = binder_jobs.get(token, world.users["station_a"])
    assert job.status == "done", job.error
    path = binder_jobs.binder_path(app, job)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    with app.test_request_context():
        manifest = binder.BinderManifest(world.grid_a, date(2026, 10, 1), date(2026, 10, 31))
        manifest.remember([])
    assert mode(manifest.path) == 0o600 and mode(manifest.path.parent) == 0o700


def test_a_print_leaves_no_font_copy_behind(tmp_path, monkeypatch):
    """WeasyPrint copies each @font-face's font (12 MB of CJK) into a temporary folder;
    a print must remove it at once, not leave it to a garbage collection that a print
    worker process may never reach (6,700 such folders, 80 GB, filled a disk)."""
    import tempfile

    from app import ROOT
    from app.core.pdf_layout import PrintJob, lay_out

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where mkdtemp puts them
    fonts = ROOT / "static" / "fonts"
    font = next(fonts.glob("*.woff2"))
    html = f"<style>@font-face{{font-family:cjk;src:url({font.name})}} body{{font-family:cjk}}</style><p>网格通</p>"
    laid_out = lay_out(PrintJob(html, fonts.as_uri() + "/", (str(fonts),)))
    assert laid_out.pages == 1 and laid_out.pdf.startswith(b"%PDF")
    assert list(tmp_path.glob("weasyprint-*")) == []

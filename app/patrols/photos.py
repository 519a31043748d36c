"""Photos of a patrol finding: checked and re-encoded by the same code as a matter's
(app/matters/photos.py, app/org/photos.py), kept with a thumbnail under
UPLOAD_FOLDER/findings/, served only after the scope check. A finding reported as a
matter gives the matter a copy of each as its report photos."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app

from app.core.private_files import private_folder, write_private
from app.extensions import db
from app.matters import photos as matter_photos
from app.matters.services import MatterError
from app.org import photos as image_files
from app.patrols.models import FindingPhoto, PatrolFinding
from app.patrols.services import FieldworkError

SUBFOLDER = "findings"


def _folder() -> Path:
    return private_folder(Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER)


def read_all(file_storages) -> list[bytes]:
    """The chosen photos as checked JPEGs (none chosen: an empty list); a refusal is
    shown at the form's photos field."""
    try:
        return matter_photos.read_all(file_storages)
    except MatterError as error:
        raise FieldworkError(str(error), "photos") from None


def attach(finding: PatrolFinding, jpegs: list[bytes]) -> None:
    folder = _folder()
    for jpeg in jpegs:
        name = secrets.token_hex(16)
        write_private(folder / f"{name}.jpg", jpeg)
        write_private(folder / f"{name}.t.jpg", image_files.normalise(jpeg, matter_photos.THUMBNAIL_SIDE))
        db.session.add(FindingPhoto(finding=finding, filename=f"{name}.jpg", thumbnail=f"{name}.t.jpg"))


def path_of(photo: FindingPhoto, thumbnail: bool = False) -> Path | None:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER / (photo.thumbnail if thumbnail else photo.filename)
    return path if path.is_file() else None


def copy_to_matter(finding: PatrolFinding, matter) -> None:
    """The finding's photos become the matter's report photos (copies: the matter's
    photos follow the matter's rules, the finding keeps its own)."""
    jpegs = [path.read_bytes() for photo in finding.photos if (path := path_of(photo)) is not None]
    if jpegs:
        matter_photos.attach(matter, jpegs, "report")


def remove_files(names: list[str]) -> None:
    """Delete the files of photos whose rows are gone (after the commit)."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER
    for name in names:
        (folder / name).unlink(missing_ok=True)

"""Photos of a matter (what was found, what was done): checked by content and
re-encoded by the same code as staff photos (app/org/photos.py), kept with a
thumbnail under UPLOAD_FOLDER/matters/, served only after the scope check."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.core.private_files import private_folder, write_private
from app.extensions import db
from app.matters.models import Matter, MatterPhoto
from app.matters.services import MatterError
from app.org import photos as image_files
from app.org.services import OrgError

MAX_PHOTOS = 5
LONG_SIDE = 1600
THUMBNAIL_SIDE = 240
SUBFOLDER = "matters"


def _folder() -> Path:
    return private_folder(Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER)


def read_all(file_storages, already: int = 0) -> list[bytes]:
    """The checked JPEGs of the chosen files (none chosen: an empty list)."""
    return clean_all(read_files(file_storages, already))


def read_files(file_storages, already: int = 0) -> list[bytes]:
    """The chosen files' bytes, their number and each one's size checked; nothing is
    decoded yet (clean_all does that), so a request to be refused for another reason
    — the public form's hourly limit — can be refused before it costs anything."""
    chosen = [f for f in file_storages or [] if getattr(f, "filename", "")]
    if len(chosen) + already > MAX_PHOTOS:
        raise MatterError(_("每个环节最多上传 %(n)d 张照片。", n=MAX_PHOTOS), "photos")
    max_bytes = current_app.config["PHOTO_MAX_BYTES"]
    try:
        read = [image_files.read_upload(storage, max_bytes) for storage in chosen]
    except OrgError as error:
        raise MatterError(str(error), "photos") from None
    return [data for data in read if data]


def clean_all(uploads: list[bytes]) -> list[bytes]:
    """Each upload checked (pixels from its header first) and re-encoded as a clean JPEG."""
    try:
        return [image_files.normalise(data, LONG_SIDE) for data in uploads]
    except OrgError as error:
        raise MatterError(str(error), "photos") from None


def attach(matter: Matter, jpegs: list[bytes], stage: str, step=None) -> list[MatterPhoto]:
    folder = _folder()
    added = []
    for jpeg in jpegs:
        name = secrets.token_hex(16)
        write_private(folder / f"{name}.jpg", jpeg)
        write_private(folder / f"{name}.t.jpg", image_files.normalise(jpeg, THUMBNAIL_SIDE))
        photo = MatterPhoto(
            matter=matter,
            step_id=getattr(step, "id", None),
            stage=stage,
            filename=f"{name}.jpg",
            thumbnail=f"{name}.t.jpg",
        )
        db.session.add(photo)
        added.append(photo)
    return added


def path_of(photo: MatterPhoto, thumbnail: bool = False) -> Path | None:
    name = photo.thumbnail if thumbnail else photo.filename
    path = Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER / name
    return path if path.is_file() else None

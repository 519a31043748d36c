"""Photos of a matter (what was found, what was done): checked by content and
re-encoded by the same code as staff photos (app/org/photos.py), kept with a
thumbnail under UPLOAD_FOLDER/matters/, served only after the scope check."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

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
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_all(file_storages, already: int = 0) -> list[bytes]:
    """The checked JPEGs of the chosen files (none chosen: an empty list)."""
    chosen = [f for f in file_storages or [] if getattr(f, "filename", "")]
    if len(chosen) + already > MAX_PHOTOS:
        raise MatterError(_("每个环节最多上传 %(n)d 张照片。", n=MAX_PHOTOS), "photos")
    max_bytes = current_app.config["PHOTO_MAX_BYTES"]
    cleaned = []
    try:
        for storage in chosen:
            data = image_files.read_upload(storage, max_bytes)
            if data:
                cleaned.append(image_files.normalise(data, LONG_SIDE))
    except OrgError as error:
        raise MatterError(str(error), "photos") from None
    return cleaned


def attach(matter: Matter, jpegs: list[bytes], stage: str, step=None) -> list[MatterPhoto]:
    folder = _folder()
    added = []
    for jpeg in jpegs:
        name = secrets.token_hex(16)
        (folder / f"{name}.jpg").write_bytes(jpeg)
        (folder / f"{name}.t.jpg").write_bytes(image_files.normalise(jpeg, THUMBNAIL_SIDE))
        photo = MatterPhoto(matter=matter, step_id=getattr(step, "id", None), stage=stage,
                            filename=f"{name}.jpg", thumbnail=f"{name}.t.jpg")
        db.session.add(photo)
        added.append(photo)
    return added


def path_of(photo: MatterPhoto, thumbnail: bool = False) -> Path | None:
    name = photo.thumbnail if thumbnail else photo.filename
    path = Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER / name
    return path if path.is_file() else None

"""Staff photos: checked by content (never by file name), re-encoded and stored.

An upload is trusted only after Pillow has parsed it as a JPEG or PNG. It is then
re-encoded as a fresh JPEG, which drops EXIF (GPS position, camera serial) and
anything smuggled after the image data, and shrunk to what a duty board needs.
Files live under UPLOAD_FOLDER/staff/ with random names; the database keeps only
the name, and the photo route serves it after the scoping check."""
from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.org.services import OrgError

ACCEPTED_FORMATS = ("JPEG", "PNG")
LONG_SIDE = 600
# Far above any phone camera, far below what would exhaust memory when decoded.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85
SUBFOLDER = "staff"
_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


def megabytes(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g}"


def read_upload(file_storage, max_bytes: int) -> bytes | None:
    """The bytes of an uploaded file, or None when no file was chosen."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        return None
    data = file_storage.stream.read(max_bytes + 1)
    if not data:
        return None
    if len(data) > max_bytes:
        raise OrgError(_("照片不能超过 %(mb)s MB。", mb=megabytes(max_bytes)), "photo")
    return data


def normalise(data: bytes, long_side: int = LONG_SIDE) -> bytes:
    """A clean JPEG from the upload (no longer than `long_side` pixels), or an
    OrgError on the photo field."""
    not_an_image = OrgError(_("照片须为 JPEG 或 PNG 图片。"), "photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise OrgError(_("照片尺寸过大，请缩小后再上传。"), "photo")
                probe.verify()
            # verify() leaves the image unusable; open again to decode it.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _to_rgb(image)
                image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except OrgError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError):
        raise not_an_image from None
    return out.getvalue()


def _to_rgb(image: Image.Image) -> Image.Image:
    """Transparent PNGs on white, palette and greyscale images as RGB."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def folder(upload_root: str) -> Path:
    return Path(upload_root) / SUBFOLDER


def save(jpeg: bytes, upload_root: str) -> str:
    """Write the photo under a new random name; returns the name."""
    target = folder(upload_root)
    target.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + ".jpg"
    (target / name).write_bytes(jpeg)
    return name


def path_of(filename: str | None, upload_root: str) -> Path | None:
    """Where a stored photo is, if the name is one we made and the file exists."""
    if not filename or not _NAME.match(filename):
        return None
    path = folder(upload_root) / filename
    return path if path.is_file() else None


def delete(filename: str | None, upload_root: str) -> None:
    path = path_of(filename, upload_root)
    if path is not None:
        path.unlink(missing_ok=True)

"""Staff photos: checked by content (never by file name), re-encoded and stored.

An upload is trusted only after Pillow has parsed it as a JPEG or PNG. Its size in
pixels is read from the header and checked against PHOTO_MAX_PIXELS before a single
pixel is decoded (a 40-megapixel PNG can be a few kilobytes and hundreds of
megabytes once decoded). It is then shrunk (a JPEG decoded at a fraction of its
size where that suffices) and re-encoded as a fresh JPEG without EXIF (GPS
position, camera serial), XMP, ICC profile, comments or text chunks, nor anything
smuggled after the image data. Files live under UPLOAD_FOLDER/staff/ with random
names, readable by the server's account only; the database keeps only the name, and
the photo route serves it after the scoping check."""

from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.private_files import private_folder, write_private
from app.org.services import OrgError

ACCEPTED_FORMATS = ("JPEG", "PNG")
LONG_SIDE = 600
# The default of the PHOTO_MAX_PIXELS setting (app/config.py).
MAX_PIXELS = 40_000_000
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


def max_pixels() -> int:
    if has_app_context():
        return int(current_app.config.get("PHOTO_MAX_PIXELS") or MAX_PIXELS)
    return MAX_PIXELS


def too_many_pixels(limit: int) -> OrgError:
    return OrgError(_("照片尺寸过大（最多 %(n)s 万像素），请缩小后再上传。", n=f"{limit / 10_000:g}"), "photo")


def normalise(data: bytes, long_side: int = LONG_SIDE) -> bytes:
    """A clean JPEG from the upload (no longer than `long_side` pixels), or an
    OrgError on the photo field."""
    not_an_image = OrgError(_("照片须为 JPEG 或 PNG 图片。"), "photo")
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            # Our own limit decides, before Pillow's (which only warns below 179 MP).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Image.open reads the header only: width and height are known here, no
            # pixel has been decoded yet. Only the JPEG and PNG readers are tried.
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                if probe.width * probe.height > limit:
                    raise too_many_pixels(limit)
                probe.verify()
            # verify() leaves the image unusable; open again to decode it.
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                image = _shrunk(image, long_side)
                image = ImageOps.exif_transpose(image)
                image = _to_rgb(image)
                # Nothing of the upload's metadata goes on: Pillow would carry a JPEG
                # comment (or a PNG text chunk named "comment") into the new file.
                image.info = {}
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except OrgError:
        raise
    except Image.DecompressionBombError:
        raise too_many_pixels(limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    return out.getvalue()


def _shrunk(image: Image.Image, long_side: int) -> Image.Image:
    """The image no longer than `long_side`, shrunk before anything else is done to
    it: a JPEG is decoded at 1/2 to 1/8 of its size where that suffices (draft), a
    PNG reduced by whole factors before the fine resampling."""
    if image.mode == "1":
        image = image.convert("L")  # shrinking a 1-bit or palette image would pick pixels
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode == "PA" else "RGB")
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return image


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
    target = private_folder(folder(upload_root))
    name = secrets.token_hex(16) + ".jpg"
    write_private(target / name, jpeg)
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

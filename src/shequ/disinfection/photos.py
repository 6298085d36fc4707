"""A round's photo: checked, resized and given a thumbnail with Pillow before it is stored.

Limits (settings): ``SHEQU_PHOTO_MAX_BYTES`` (10 MB) for the upload, ``SHEQU_PHOTO_MAX_PIXELS``
(40 megapixels) for the picture it decodes to, so a small file that decompresses into a huge
image (a decompression bomb) is refused before it is decoded. Accepted: whatever Pillow reads among
JPEG, PNG and WebP (and HEIC when a HEIF plugin is installed: pillow-heif registers the format).
Stored: a JPEG of at most ``SHEQU_PHOTO_SIDE`` pixels a side, and a thumbnail of ``THUMB_SIDE``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF", "HEIC"})
THUMB_SIDE = 320


@dataclass(frozen=True)
class Prepared:
    photo: ContentFile[bytes]
    thumbnail: ContentFile[bytes]


def _refuse(message: str) -> ValidationError:
    return ValidationError({"photo": message})


def _jpeg(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def prepare(upload: UploadedFile) -> Prepared:
    """The stored photo and its thumbnail, or a ValidationError on ``photo`` saying why not."""
    max_bytes: int = settings.SHEQU_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise _refuse(_("The photo is %(size)s MB; at most %(max)s MB is accepted.") % {
            "size": f"{upload.size / 1_000_000:.1f}", "max": f"{max_bytes / 1_000_000:g}"})
    max_pixels: int = settings.SHEQU_PHOTO_MAX_PIXELS
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(_("The photo is larger than %(max)s MB.") % {"max": f"{max_bytes / 1_000_000:g}"})
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit refuses) on a huge picture: both are a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise _refuse(_("A %(format)s file is not accepted: send a JPEG, PNG or WebP photo.") % {
                    "format": image.format or "?"})
            width, height = image.size
            if width * height > max_pixels:
                raise _refuse(_("The picture is %(w)s × %(h)s pixels, too large to open safely.") % {
                    "w": width, "h": height})
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_("The picture is too large to open safely.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(_("This file is not a photo that can be read (JPEG, PNG or WebP).")) from None
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    side: int = settings.SHEQU_PHOTO_SIDE
    return Prepared(photo=ContentFile(_jpeg(image, side), name="photo.jpg"),
                    thumbnail=ContentFile(_jpeg(image, THUMB_SIDE), name="thumb.jpg"))

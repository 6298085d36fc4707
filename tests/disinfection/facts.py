"""Facts the disinfection tests build: places of a compound, photos made with Pillow."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg(width: int = 800, height: int = 600, *, fmt: str = "JPEG", name: str = "round.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def place(compound: Any, name: str = "9号楼2单元楼道", *, target: int = 5, kind: str = "stairwell") -> Any:
    from shequ.accounts.models import User
    from shequ.disinfection import services

    return services.place_create(actor=User.objects.get(username="staff"), compound=compound, kind=kind,
                                 name=name, target_per_day=target)

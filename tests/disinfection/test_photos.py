"""A round's photo: resized with a thumbnail, and refused with a clear message when it is too big,
not a picture, of a format not accepted, or a decompression bomb."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from shequ.disinfection import photos, services
from tests.disinfection.facts import jpeg, place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def refusal(upload: SimpleUploadedFile) -> str:
    with pytest.raises(ValidationError) as caught:
        photos.prepare(upload)
    return " ".join(caught.value.message_dict["photo"])


def test_it_resizes_a_large_photo_and_makes_a_thumbnail(settings: Any) -> None:
    settings.SHEQU_PHOTO_SIDE = 1000
    prepared = photos.prepare(jpeg(3000, 2000))
    assert Image.open(prepared.photo).size == (1000, 667)
    assert max(Image.open(prepared.thumbnail).size) == photos.THUMB_SIDE


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_it_accepts_png_and_webp_and_stores_jpeg(fmt: str) -> None:
    prepared = photos.prepare(jpeg(200, 100, fmt=fmt, name=f"x.{fmt.lower()}"))
    assert Image.open(prepared.photo).format == "JPEG"


def test_it_refuses_a_photo_over_the_size_limit(settings: Any) -> None:
    settings.SHEQU_PHOTO_MAX_BYTES = 10_000_000
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 10_000_001, content_type="image/jpeg")
    assert "at most 10 MB" in refusal(big)


def test_it_refuses_a_file_that_is_not_a_picture() -> None:
    text = SimpleUploadedFile("round.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg")
    assert "not a photo" in refusal(text)


def test_it_refuses_a_format_it_does_not_accept() -> None:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="GIF")
    assert "GIF" in refusal(SimpleUploadedFile("a.gif", out.getvalue()))


def test_it_refuses_a_decompression_bomb_before_decoding_it(settings: Any) -> None:
    # A small file (a single-colour PNG compresses to almost nothing) that opens to 64 megapixels.
    settings.SHEQU_PHOTO_MAX_PIXELS = 40_000_000
    out = io.BytesIO()
    Image.new("L", (8000, 8000)).save(out, format="PNG")
    assert len(out.getvalue()) < 1_000_000
    assert "too large to open safely" in refusal(SimpleUploadedFile("bomb.png", out.getvalue()))


def test_pillow_own_bomb_limit_is_a_refusal_too(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.SHEQU_PHOTO_MAX_PIXELS = 10**12
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert "too large to open safely" in refusal(jpeg(100, 100))


def test_the_phone_screen_says_why_a_photo_is_refused_and_records_nothing(login: Any, anchor_household: Any) -> None:
    compound = anchor_household.room.unit.building.compound
    p = place(compound, "照片测试楼道")
    response = login("property1").post(reverse("disinfection:record"), HTTP_ACCEPT_LANGUAGE="en", data={
        "client_id": str(uuid.uuid4()), "place": str(p.pk), "agent": "84消毒液", "operator": "王师傅",
        "photo": SimpleUploadedFile("a.jpg", b"not an image")})
    assert response.status_code == 200
    assert "not a photo" in response.content.decode()
    assert not p.rounds.exists()


def test_the_stored_photo_and_thumbnail_are_served_to_who_sees_the_round(login: Any, anchor_household: Any) -> None:
    compound = anchor_household.room.unit.building.compound
    p = place(compound, "照片楼道")
    from shequ.accounts.models import User

    r, created = services.round_record(actor=User.objects.get(username="property1"), place=p, client_id=uuid.uuid4(),
                                       agent="84消毒液", operator="王师傅", photo=jpeg(2400, 1800))
    assert created and r.photo and r.thumbnail
    thumb = login("property1").get(reverse("disinfection:photo", args=[r.pk, "thumb"]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) == photos.THUMB_SIDE
    assert login("outsider").get(reverse("disinfection:photo", args=[r.pk, "photo"])).status_code == 404
    assert login("property1").get(reverse("disinfection:photo", args=[r.pk, "other"])).status_code == 404

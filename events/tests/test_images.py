"""Event pictures: what an upload must be, what is kept of it, and how its files come and go."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import ExifTags, Image, ImageCms

from eventhub.errors import DomainError
from events import images
from events.services import remove_event_image, set_event_image
from events.tests.factories import EventFactory, give_picture, picture_bytes, picture_upload

pytestmark = pytest.mark.django_db

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)


def refusal_of(content: bytes, **upload) -> DomainError:
    with pytest.raises(DomainError) as refused:
        images.renditions(picture_upload(content, **upload))
    assert refused.value.code == "invalid_image"
    assert refused.value.field == "image"
    return refused.value


def opened(rendition: images.Rendition) -> Image.Image:
    return Image.open(io.BytesIO(rendition.content))


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` by ``height`` pixels in a few dozen bytes: what a decompression bomb
    looks like before it is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


# What an upload must be ------------------------------------------------------------------------


def test_a_file_that_is_no_picture_is_refused_in_plain_words():
    refusal = refusal_of(b"Minutes of the meeting", name="notes.txt", content_type="text/plain")
    assert refusal.message == "This file is not a picture this site can read: upload a JPEG, PNG or WebP."


@pytest.mark.parametrize(
    "upload",
    [
        {"name": "drawing.svg", "content_type": "image/svg+xml"},
        {"name": "photo.jpg", "content_type": "image/jpeg"},  # an SVG in disguise
    ],
)
def test_an_svg_with_a_script_is_refused_saying_svg_is_not_accepted(upload):
    refusal = refusal_of(SVG_WITH_SCRIPT, **upload)
    assert refusal.message == "SVG drawings are not accepted: upload the picture as a JPEG, PNG or WebP."


def test_a_picture_in_another_format_pillow_reads_is_refused():
    refusal_of(picture_bytes(format="GIF"), name="photo.gif", content_type="image/gif")


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_taken(format):
    made = images.renditions(picture_upload(picture_bytes(format=format)))
    assert [rendition.frame for rendition in made] == [images.CARD, images.BANNER]


def test_a_file_over_the_byte_limit_is_refused_and_one_at_the_limit_taken(settings):
    content = picture_bytes()
    settings.EVENT_IMAGE_MAX_BYTES = len(content)
    assert images.renditions(picture_upload(content))

    settings.EVENT_IMAGE_MAX_BYTES = len(content) - 1
    assert "larger than" in refusal_of(content).message


@pytest.mark.parametrize("size", [(8_000, 6_000), (10_000, 10_000), (50_000, 50_000)])
def test_a_pixel_bomb_is_refused_before_it_is_decoded(size):
    refusal = refusal_of(png_header(*size), name="bomb.png", content_type="image/png")
    assert refusal.message == "This picture has too many pixels: upload one of at most 40 megapixels."


@pytest.mark.parametrize(
    "size",
    [(10_000, 10_000), (50_000, 50_000)],
    ids=["Pillow warns of a bomb", "Pillow calls it a bomb"],
)
def test_pillows_own_bomb_alarms_refuse_too_whatever_the_sites_bound(size, monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 10**12)
    assert refusal_of(png_header(*size), name="bomb.png", content_type="image/png").message.startswith(
        "This picture has too many pixels"
    )


def test_a_picture_too_small_is_refused_and_one_of_the_least_size_taken():
    assert images.renditions(picture_upload(picture_bytes((images.MIN_WIDTH, images.MIN_HEIGHT))))
    refusal = refusal_of(picture_bytes((images.MIN_WIDTH - 1, 300)))
    assert refusal.message == "This picture is 399 by 300 pixels: upload one of at least 400 by 200."


def test_a_damaged_picture_is_refused():
    content = picture_bytes((1200, 800), format="PNG")
    refusal = refusal_of(content[: len(content) // 2], name="photo.png", content_type="image/png")
    assert refusal.message == "This picture is damaged and cannot be read: upload another copy."


def test_upload_refusal_judges_the_header_alone():
    assert images.upload_refusal(picture_upload()) is None
    assert images.upload_refusal(picture_upload(SVG_WITH_SCRIPT)).code == "invalid_image"
    assert images.upload_refusal(picture_upload(png_header(10_000, 10_000))).code == "invalid_image"


# What is kept of it ----------------------------------------------------------------------------


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 21.0, 8.0)
    return exif


def test_exif_gps_and_comments_are_gone_from_both_renditions():
    content = picture_bytes(exif=exif_with_gps(), comment=b"Taken at home, 12 Elm Street")
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload has them

    for rendition in images.renditions(picture_upload(content)):
        picture = opened(rendition)
        assert not picture.getexif()
        assert not {"exif", "comment", "xmp", "icc_profile"} & set(picture.info)
        assert b"SecretCam" not in rendition.content and b"Elm Street" not in rendition.content


def test_the_orientation_the_camera_recorded_is_kept():
    """Stored on its side (left half red, right half blue), shown turned a quarter clockwise: red on top."""
    sideways = Image.new("RGB", (1200, 800), "blue")
    sideways.paste("red", (0, 0, 600, 800))
    out = io.BytesIO()
    sideways.save(out, "JPEG", exif=exif_with_gps(orientation=6))

    for rendition in images.renditions(picture_upload(out.getvalue())):
        picture = opened(rendition).convert("RGB")
        top, bottom = (
            picture.getpixel((picture.width // 2, 2)),
            picture.getpixel((picture.width // 2, picture.height - 3)),
        )
        assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0], (rendition.frame, top, bottom)


def test_the_least_size_is_judged_upright():
    """400 by 300 stored on its side is 300 wide as shown: too narrow."""
    out = io.BytesIO()
    Image.new("RGB", (400, 300)).save(out, "JPEG", exif=exif_with_gps(orientation=6))
    assert "300 by 400" in refusal_of(out.getvalue()).message


def test_renditions_are_progressive_jpegs_of_the_frames_sizes_named_after_their_bytes():
    card, banner = images.renditions(picture_upload(picture_bytes((3000, 3000))))

    for rendition, size in ((card, (640, 360)), (banner, (1600, 600))):
        picture = opened(rendition)
        assert (picture.format, picture.size) == ("JPEG", size)
        assert picture.info.get("progressive") or picture.info.get("progression")
        assert rendition.name.endswith(f"-{rendition.frame.kind}.jpg")
    assert card.name != banner.name


def test_transparent_parts_become_white():
    content = picture_bytes(format="PNG", mode="RGBA", color=(0, 0, 0, 0))
    card, _ = images.renditions(picture_upload(content, name="logo.png", content_type="image/png"))
    assert all(channel > 245 for channel in opened(card).getpixel((320, 180)))


@pytest.mark.parametrize(
    "profile",
    [ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(), b"not a colour profile at all"],
    ids=["sRGB", "unreadable"],
)
def test_colours_follow_the_pictures_profile_which_is_then_left_behind(profile):
    card, _ = images.renditions(picture_upload(picture_bytes(color="#cc3333", icc_profile=profile)))
    picture = opened(card)
    assert "icc_profile" not in picture.info
    red, green, blue = picture.getpixel((320, 180))
    assert abs(red - 204) < 8 and abs(green - 51) < 8 and abs(blue - 51) < 8


def test_a_cmyk_picture_comes_out_in_rgb():
    card, _ = images.renditions(picture_upload(picture_bytes(mode="CMYK", color=(0, 255, 255, 0))))
    picture = opened(card)
    red, green, blue = picture.getpixel((320, 180))
    assert picture.mode == "RGB" and red > 200 and green < 80 and blue < 80


# Files: written before the row points at them, deleted once nothing does -----------------------------


@pytest.fixture
def event(organizer, media_root):
    return EventFactory(organizer=organizer)


def stored_files(media_root) -> set[str]:
    folder = media_root / "events"
    return {f"events/{path.name}" for path in folder.iterdir()} if folder.exists() else set()


def test_setting_a_picture_stores_its_renditions_under_the_events_name(event, media_root):
    event = set_event_image(event=event, by=event.organizer, upload=picture_upload(), alt="  The hall  ")

    event.refresh_from_db()
    assert event.image_alt == "The hall"
    assert event.image_card.name.startswith(f"events/{event.pk}-") and event.image_card.name.endswith(
        "-card.jpg"
    )
    assert event.image_banner.name.endswith("-banner.jpg")
    assert stored_files(media_root) == {event.image_card.name, event.image_banner.name}
    assert Image.open(event.image_card.path).size == (640, 360)


def test_replacing_a_picture_deletes_the_old_files_only_once_that_commits(
    event, media_root, django_capture_on_commit_callbacks
):
    old = give_picture(event)
    old_files = {old.image_card.name, old.image_banner.name}

    with django_capture_on_commit_callbacks() as after_commit:
        new = set_event_image(
            event=event, by=event.organizer, upload=picture_upload(picture_bytes(color="red")), alt="Red"
        )
        assert stored_files(media_root) == old_files | {new.image_card.name, new.image_banner.name}

    for callback in after_commit:
        callback()
    assert stored_files(media_root) == {new.image_card.name, new.image_banner.name}


def test_the_same_picture_again_gets_new_files_and_the_old_ones_go(
    event, media_root, django_capture_on_commit_callbacks
):
    old = give_picture(event)
    with django_capture_on_commit_callbacks(execute=True):
        new = give_picture(event)
    assert new.image_card.name != old.image_card.name
    assert stored_files(media_root) == {new.image_card.name, new.image_banner.name}


def test_a_picture_without_its_description_is_refused_and_its_files_go(event, media_root):
    with pytest.raises(ValidationError) as refused:
        set_event_image(event=event, by=event.organizer, upload=picture_upload(), alt="   ")

    assert refused.value.message_dict == {"image_alt": ["Say in a few words what the picture shows."]}
    assert stored_files(media_root) == set()
    event.refresh_from_db()
    assert not event.image_card


@pytest.mark.parametrize("who", ["other_organizer", "attendee"])
def test_someone_else_cannot_set_or_remove_the_picture(request, event, media_root, who):
    give_picture(event)
    files = stored_files(media_root)
    someone = request.getfixturevalue(who)

    for attempt in (
        lambda: set_event_image(event=event, by=someone, upload=picture_upload(), alt="Mine now"),
        lambda: remove_event_image(event=event, by=someone),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "not_allowed"
    assert stored_files(media_root) == files


def test_staff_may_set_the_picture_of_any_event(event, staff, media_root):
    assert set_event_image(event=event, by=staff, upload=picture_upload(), alt="Staff's pick").image_card


def test_without_an_upload_only_the_description_changes(event, media_root):
    pictured = give_picture(event)
    described = set_event_image(event=event, by=event.organizer, upload=None, alt="The stage at dusk")
    assert (described.image_card, described.image_alt) == (pictured.image_card, "The stage at dusk")


def test_removing_the_picture_empties_it_and_deletes_its_files_after_commit(
    event, media_root, django_capture_on_commit_callbacks
):
    give_picture(event)
    with django_capture_on_commit_callbacks(execute=True):
        removed = remove_event_image(event=event, by=event.organizer)

    removed.refresh_from_db()
    assert (removed.image_card.name, removed.image_banner.name, removed.image_alt) == ("", "", "")
    assert stored_files(media_root) == set()
    assert remove_event_image(event=removed, by=event.organizer).image_card.name == ""  # nothing to remove


def test_deleting_an_event_deletes_its_picture_files_after_commit(
    event, media_root, django_capture_on_commit_callbacks
):
    event = give_picture(event)
    with django_capture_on_commit_callbacks(execute=True):
        event.delete()
    assert stored_files(media_root) == set()


def test_a_file_that_cannot_be_deleted_is_logged_not_raised(event, media_root, monkeypatch, caplog):
    def refuse(name):
        raise PermissionError(name)

    monkeypatch.setattr(default_storage, "delete", refuse)
    images._delete(["events/1-x-card.jpg"])
    assert "picture file not deleted" in caplog.text


# Demo pictures ---------------------------------------------------------------------------------------


def test_demo_pictures_are_drawn_the_same_each_time_and_differ_between_events():
    first = images.demo_picture("Jazz in the park", 3)
    assert first == images.demo_picture("Jazz in the park", 3)
    assert first != images.demo_picture("Sushi masterclass", 4)
    picture = Image.open(io.BytesIO(first))
    assert (picture.format, picture.size) == ("PNG", images.DEMO_SIZE)
    assert images.renditions(ContentFile(first, name="demo.png"))
    assert images.demo_alt("Jazz in the park", 3).startswith("Decorative picture for Jazz in the park: ")

"""Event pictures: an organizer's upload checked, emptied of what it says about them, and cut to size.

An upload must be a JPEG, PNG or WebP that Pillow reads, of at most EVENT_IMAGE_MAX_BYTES, at most
MAX_PIXELS (a small file can unpack into gigabytes: a decompression bomb) and at least MIN_WIDTH by
MIN_HEIGHT; anything else is refused with ``invalid_image``, in plain words. SVG is refused as well:
it is a document that may carry scripts, not a grid of pixels.

Only the pixels are kept, turned upright (a phone records how it was held beside the pixels) and
brought to sRGB. EXIF (where and with what a photo was taken), XMP, colour profiles and comments stay
behind. Two renditions are cut from them, each scaled to cover its frame and cropped about the middle,
saved as progressive JPEG under a name made from the hash of its bytes: an address never serves other
bytes, so browsers may keep it for good.
"""

import hashlib
import io
import logging
import random
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageOps

from eventhub.emails import absolute
from eventhub.errors import DomainError, ErrorCode
from events.models import Event

logger = logging.getLogger("eventhub.events")

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000
MIN_WIDTH, MIN_HEIGHT = 400, 200
JPEG_QUALITY = 85
# EXIF orientations that turn the picture a quarter: its upright width is the stored height.
QUARTER_TURNS = {5, 6, 7, 8}
EXIF_ORIENTATION = 0x0112
SVG_MARKS = (b"<svg", b"<?xml", b"<!doctype svg")


@dataclass(frozen=True)
class Frame:
    """The size of a rendition: the picture is scaled to cover it, then cropped about the middle."""

    kind: str
    width: int
    height: int


CARD = Frame("card", 640, 360)
BANNER = Frame("banner", 1600, 600)
FRAMES = (CARD, BANNER)


@dataclass(frozen=True)
class Rendition:
    frame: Frame
    content: bytes

    @property
    def name(self) -> str:
        """Named after its bytes, so an address never serves other bytes."""
        return f"{hashlib.sha256(self.content).hexdigest()[:32]}-{self.frame.kind}.jpg"


def _refusal(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_IMAGE, message, field="image")


def _not_a_picture(upload) -> DomainError:
    if _looks_like_svg(upload):
        return _refusal("SVG drawings are not accepted: upload the picture as a JPEG, PNG or WebP.")
    return _refusal("This file is not a picture this site can read: upload a JPEG, PNG or WebP.")


def _too_many_pixels() -> DomainError:
    return _refusal(
        f"This picture has too many pixels: upload one of at most {MAX_PIXELS // 1_000_000} megapixels."
    )


def _looks_like_svg(upload) -> bool:
    name = (getattr(upload, "name", "") or "").lower()
    if name.endswith((".svg", ".svgz")) or getattr(upload, "content_type", "") == "image/svg+xml":
        return True
    upload.seek(0)
    head = upload.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(SVG_MARKS)


def upload_refusal(upload) -> DomainError | None:
    """Why ``upload`` cannot be an event's picture, judged from its size and header (no pixels decoded);
    None when it may be one. ``renditions`` asks the same, then decodes."""
    try:
        with _opened(upload):
            return None
    except DomainError as refusal:
        return refusal


def renditions(upload) -> list[Rendition]:
    """The card and the banner made from ``upload`` (a Django File), or ``invalid_image``."""
    with _opened(upload) as image:
        pixels = _upright_srgb(image)
    return [_rendition(pixels, frame) for frame in FRAMES]


@contextmanager
def _opened(upload) -> Iterator[Image.Image]:
    """The upload opened by Pillow, its header read and no pixels yet, once its size and kind pass."""
    limit = settings.EVENT_IMAGE_MAX_BYTES
    if upload.size > limit:
        raise _refusal(f"This picture is larger than {filesizeformat(limit)}: upload a smaller file.")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except OSError:  # UnidentifiedImageError among them: no accepted format reads it
        raise _not_a_picture(upload) from None
    with image:
        _check_size(image)
        yield image


def _check_size(image: Image.Image) -> None:
    if image.width * image.height > MAX_PIXELS:
        raise _too_many_pixels()
    width, height = _upright_size(image)
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise _refusal(
            f"This picture is {width} by {height} pixels: upload one of at least {MIN_WIDTH} by {MIN_HEIGHT}."
        )


def _upright_size(image: Image.Image) -> tuple[int, int]:
    try:
        turned = image.getexif().get(EXIF_ORIENTATION) in QUARTER_TURNS
    except Exception:  # EXIF that cannot be read turns nothing; decoding judges the file
        turned = False
    return (image.height, image.width) if turned else image.size


def _upright_srgb(image: Image.Image) -> Image.Image:
    """The pixels, upright, in sRGB and RGB mode, with none of the file's metadata."""
    # A large JPEG is decoded at 1/2, 1/4 or 1/8 scale while that still covers every frame.
    widest = max(max(frame.width, frame.height) for frame in FRAMES)
    image.draft(None, (widest, widest))
    try:
        ImageOps.exif_transpose(image, in_place=True)
        pixels = _in_srgb(_on_white(image))
    except Exception:  # decoders report damaged data in many ways (OSError, SyntaxError, struct.error...)
        raise _refusal("This picture is damaged and cannot be read: upload another copy.") from None
    pixels.info = {}  # nothing of the upload travels on (JPEG would copy its comment, for one)
    return pixels


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent parts on white: JPEG has no transparency. The colour profile stays for _in_srgb."""
    if not image.has_transparency_data:
        return image
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba)
    flat.info = {"icc_profile": image.info["icc_profile"]} if "icc_profile" in image.info else {}
    return flat


SRGB = ImageCms.createProfile("sRGB")


def _in_srgb(image: Image.Image) -> Image.Image:
    """The colours as the file's own profile means them (a phone's wide gamut, a printer's CMYK), in sRGB,
    which is what a page assumes of a JPEG without a profile."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile that cannot be read: the colours as they are stored
    return image.convert("RGB")


def _rendition(pixels: Image.Image, frame: Frame) -> Rendition:
    cut = ImageOps.fit(pixels, (frame.width, frame.height), method=Image.Resampling.LANCZOS)
    cut.info = {}
    out = io.BytesIO()
    cut.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return Rendition(frame, out.getvalue())


# Storage -------------------------------------------------------------------------------------------

_CARD_FIELD = Event._meta.get_field("image_card")


def renditions_of(event: Event) -> list[Rendition]:
    """The event's stored picture as renditions, to give a copy of the event its own files (none when
    it has no picture, or a file of it cannot be read)."""
    names = {frame: getattr(event, f"image_{frame.kind}").name for frame in FRAMES}
    if not all(names.values()):
        return []
    try:
        return [Rendition(frame, _read(name)) for frame, name in names.items()]
    except OSError:  # a file of it is gone: the copy goes without a picture
        logger.warning("picture not copied from event %s", event.pk, exc_info=True)
        return []


def _read(name: str) -> bytes:
    with _CARD_FIELD.storage.open(name, "rb") as file:
        return file.read()


@contextmanager
def stored(made: list[Rendition], *, event: Event) -> Iterator[dict[str, str]]:
    """Write each rendition as events/<event id>-<hash>-<kind>.jpg and give {kind: stored name}.

    Every name given is new (storage adds a suffix rather than overwrite), so the files are this
    call's alone: if the block fails, they are deleted again.
    """
    names = {}
    try:
        for rendition in made:
            name = _CARD_FIELD.generate_filename(event, f"{event.pk}-{rendition.name}")
            names[rendition.frame.kind] = _CARD_FIELD.storage.save(name, ContentFile(rendition.content))
        yield names
    except BaseException:
        _delete(names.values())
        raise


@dataclass(frozen=True)
class Shown:
    """A rendition as a page shows it: where it is, what it shows and its size."""

    url: str
    alt: str
    width: int
    height: int

    @property
    def public_url(self) -> str:
        return public_url(self.url)


def shown(event: Event, kind: str) -> Shown | None:
    """The event's card or banner (``kind``) as a page shows it, or None when it has no picture."""
    frame = next(frame for frame in FRAMES if frame.kind == kind)
    file = getattr(event, f"image_{kind}")
    return Shown(file.url, event.image_alt, frame.width, frame.height) if file else None


def public_url(url: str) -> str:
    """A rendition's address as anyone can follow it: storage gives a path on this site or a full address."""
    return url if urlsplit(url).scheme else absolute(url)


def files_of(event: Event) -> list[str]:
    """The stored names of an event's picture files."""
    return [name for name in (event.image_card.name, event.image_banner.name) if name]


def delete_after_commit(names: Iterable[str]) -> None:
    """Delete files once the transaction that stopped using them commits (never, if it rolls back)."""
    names = list(names)
    if names:
        transaction.on_commit(partial(_delete, names))


def _delete(names: Iterable[str]) -> None:
    for name in names:
        try:
            _CARD_FIELD.storage.delete(name)
        except OSError:  # a file left behind wastes space; the change itself stands
            logger.warning("picture file not deleted: %s", name, exc_info=True)


def forget_pictures(sender, instance: Event, **kwargs) -> None:
    """post_delete of Event: a deleted event's picture files go once the deletion commits."""
    delete_after_commit(files_of(instance))


# Demo pictures -----------------------------------------------------------------------------------

# Two colours of a gradient and the words that describe it.
DEMO_PALETTES = (
    ("#ff7e5f", "#feb47b", "sunset orange"),
    ("#4568dc", "#b06ab3", "violet and blue"),
    ("#11998e", "#38ef7d", "fresh green"),
    ("#fc5c7d", "#6a82fb", "pink and blue"),
    ("#f7971e", "#ffd200", "golden yellow"),
    ("#1e3c72", "#2a5298", "deep blue"),
    ("#e65c00", "#f9d423", "warm amber"),
    ("#8e2de2", "#4a00e0", "electric purple"),
)
DEMO_SIZE = (1600, 900)


def _demo_palette(title: str, seed: int) -> tuple[str, str, str]:
    return DEMO_PALETTES[(seed + len(title)) % len(DEMO_PALETTES)]


def demo_picture(title: str, seed: int) -> bytes:
    """A PNG for the demo data, drawn here (nothing downloaded): a gradient under soft circles and
    rounded shapes, different for every title and seed, the same each time for the same ones."""
    start, end, _ = _demo_palette(title, seed)
    blend = Image.linear_gradient("L")  # black at the top to white at the bottom
    blend = (blend if seed % 2 else blend.transpose(Image.Transpose.ROTATE_90)).resize(DEMO_SIZE)
    picture = Image.composite(Image.new("RGBA", DEMO_SIZE, end), Image.new("RGBA", DEMO_SIZE, start), blend)
    shapes = Image.new("RGBA", DEMO_SIZE, (255, 255, 255, 0))
    draw = ImageDraw.Draw(shapes)
    chance = random.Random(f"{seed}:{title}")
    for _ in range(14):
        x, y = chance.randrange(DEMO_SIZE[0]), chance.randrange(DEMO_SIZE[1])
        radius = chance.randrange(40, 260)
        fill = (255, 255, 255, chance.randrange(25, 90))
        if chance.random() < 0.7:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
        else:
            draw.rounded_rectangle((x - radius, y - radius // 2, x + radius, y + radius // 2), 30, fill=fill)
    picture.alpha_composite(shapes.filter(ImageFilter.GaussianBlur(6)))
    out = io.BytesIO()
    picture.convert("RGB").save(out, "PNG")
    return out.getvalue()


def demo_alt(title: str, seed: int) -> str:
    """What demo_picture draws for these, in words."""
    colour = _demo_palette(title, seed)[2]
    return f"Decorative picture for {title}: soft light circles over a gradient of {colour}."

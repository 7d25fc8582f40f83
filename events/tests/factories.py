import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import OrganizerFactory
from events.models import DEFAULT_TICKET_TYPE_NAME, Category, Event, TicketType
from events.series import Frequency, Repeat, create_series, local_start
from events.services import set_event_image


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class EventFactory(factory.django.DjangoModelFactory):
    """An event as stored; booked_seats stays 0: bookings come from the booking service."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    organizer = factory.SubFactory(OrganizerFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    description = "An evening of talks and good company."
    location = factory.Sequence(lambda n: f"Hall {n}, 1 Main Street, Springfield")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    timezone = "UTC"
    capacity = 10
    status = Event.Status.PUBLISHED

    @factory.post_generation
    def ticket_types(event, create, extracted, **kwargs):
        """Every event sells at least one type, as create_event makes it: its general admission."""
        if create and not extracted:
            TicketType.objects.create(event=event, name=DEFAULT_TICKET_TYPE_NAME, capacity=event.capacity)


class TicketTypeFactory(factory.django.DjangoModelFactory):
    """A type as stored, without seats (lay them out with events.services.lay_out_seats)."""

    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    capacity = 10


def start_event(event: Event) -> Event:
    """Let time pass: the event began an hour ago (bookings made earlier stay as they are)."""
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    event.refresh_from_db()
    return event


def picture_bytes(size=(1200, 800), *, format="JPEG", mode="RGB", color="#3366cc", **save_options) -> bytes:
    """A picture of one colour as a camera or an editor would save it; ``save_options`` go to Pillow
    (exif=..., comment=..., icc_profile=...)."""
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format, **save_options)
    return out.getvalue()


def picture_upload(content: bytes | None = None, *, name="photo.jpg", content_type="image/jpeg"):
    """A file as a browser uploads it: a JPEG picture unless ``content`` says otherwise."""
    content = picture_bytes() if content is None else content
    return SimpleUploadedFile(name, content, content_type=content_type)


def give_picture(event: Event, *, alt="A full hall, seen from the stage") -> Event:
    """``event`` with a picture, set through the service as its organizer."""
    return set_event_image(event=event, by=event.organizer, upload=picture_upload(), alt=alt)


def make_series(event: Event, *, count: int = 4, by=None):
    """``event`` repeated weekly on its own weekday, ``count`` dates in all, made by the series service."""
    repeat = Repeat(frequency=Frequency.WEEKLY, weekdays=(local_start(event).weekday(),), count=count)
    return create_series(event=event, by=by or event.organizer, repeat=repeat)

"""Demo data for a living site: people, about thirty events, ticket types and seats, bookings and waitlists.

Idempotent: people and events that already exist are left as they are.
Everything is written through the services, so seat counters are real. The demo people's friends,
posts and messages come from community.demo.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.services import set_role
from bookings import services as booking_services
from bookings.models import Booking
from community.demo import seed_community
from events import images
from events import services as event_services
from events.clock import instant_in_zone
from events.models import Category, Event, Series
from events.series import Frequency, Repeat, create_series
from payments import services as payment_services
from payments.models import InvoiceProfile

DEMO_PASSWORD = "eventhub-demo-2026"
ORGANIZERS = [("olivia", "Europe/London"), ("oscar", "America/New_York")]
ATTENDEES = [
    ("alice", "Europe/Paris"),
    ("ben", "UTC"),
    ("chloe", "Asia/Tokyo"),
    ("dan", "America/Los_Angeles"),
    ("emma", "Europe/Berlin"),
]
CROWD_SIZE = 60  # extra attendees (no password) who fill rooms and waitlists


@dataclass(frozen=True)
class DemoTier:
    """A ticket type of a demo event; ``rows`` by ``seats_per_row`` makes it seated."""

    name: str
    price: str
    capacity: int = 0
    booked: int = 0
    waitlisted: int = 0
    rows: int = 0
    seats_per_row: int = 0
    on_sale_in_days: int = 0  # more than 0: not on sale yet

    def layout(self):
        if not self.rows:
            return None
        return event_services.SeatLayout(rows=self.rows, seats_per_row=self.seats_per_row)


@dataclass(frozen=True)
class DemoEvent:
    title: str
    organizer: int
    days: int  # from today; negative is in the past
    hour: int
    zone: str
    location: str
    capacity: int
    booked: int
    waitlisted: int = 0
    status: str = Event.Status.PUBLISHED
    hours: int = 2
    tiers: tuple[DemoTier, ...] = ()
    currency: str = "EUR"
    online_url: str = ""  # an online event's joining link


# Repeated every Tuesday by _series (its days and hours are chosen there).
DEMO_SERIES = DemoEvent("Python study group", 0, 0, 19, "Europe/London", "Central Library, Room 2", 20, 0)

# How each demo event is listed: its category, tags and city.
LISTINGS = {
    "Symphony under the stars": ("music", ["Classical", "Orchestra"], "London"),
    "Indie rock night": ("music", ["Rock", "Live"], "New York"),
    "Django Meetup: Async views in practice": ("tech", ["Python", "Django"], "London"),
    "Intro to PostgreSQL locking": ("tech", ["PostgreSQL", "Databases"], "London"),
    "Python beginners' workshop": ("learning", ["Python", "Beginners"], "London"),
    "Data science breakfast": ("tech", ["Data", "Breakfast"], "Paris"),
    "Open source sprint weekend": ("tech", ["Open source", "Python"], "Berlin"),
    "Accessible web design": ("tech", ["Accessibility", "Web"], "Dublin"),
    "Testing Django like you mean it": ("tech", ["Python", "Django", "Testing"], "London"),
    "Machine learning reading group": ("learning", ["Machine learning", "Reading"], "Amsterdam"),
    "Security night: OWASP top ten": ("tech", ["Security", "Web"], "London"),
    "Women in tech mentoring evening": ("community", ["Mentoring", "Careers"], "Lisbon"),
    "Startup pitch practice": ("business", ["Startups", "Pitching"], "London"),
    "Cloud costs clinic": ("business", ["Cloud", "Costs"], "London"),
    "Remote teams that write things down": ("business", ["Remote work", "Writing"], ""),
    "Winter Python social": ("community", ["Python", "Social"], "London"),
    "Rust for Pythonistas": ("tech", ["Rust", "Python"], "Berlin"),
    "Jazz in the park": ("music", ["Jazz", "Outdoor", "Free"], "New York"),
    "Brooklyn food market tour": ("food", ["Street food", "Walking tour"], "New York"),
    "Sunrise yoga on the pier": ("health", ["Yoga", "Outdoor"], "Los Angeles"),
    "Startup founders breakfast": ("business", ["Startups", "Breakfast"], "Chicago"),
    "Photography walk: city lights": ("arts", ["Photography", "Walking tour"], "New York"),
    "Toronto tech job fair": ("business", ["Careers", "Hiring"], "Toronto"),
    "Board games night": ("community", ["Games", "Social"], "New York"),
    "Ceramics for beginners": ("arts", ["Ceramics", "Beginners"], "Denver"),
    "Sushi masterclass": ("food", ["Cooking", "Japanese"], "Tokyo"),
    "Harbour sunset cruise": ("community", ["Boat", "Sunset"], "Sydney"),
    "Bollywood dance workshop": ("arts", ["Dance", "Beginners"], "Mumbai"),
    "Marathon training kick-off": ("sports", ["Running", "Outdoor"], "New York"),
    "Rooftop cinema: classics": ("arts", ["Film", "Outdoor"], "Los Angeles"),
    "Autumn craft fair": ("family", ["Crafts", "Market"], "New York"),
    "Wine tasting: Finger Lakes": ("food", ["Wine", "Tasting"], "New York"),
    "Community garden day": ("community", ["Gardening", "Outdoor", "Family"], "New York"),
    "Python study group": ("learning", ["Python", "Study group"], "London"),
}


# The product brief's sections: general admission, sections C, B and A, and VIP.
SYMPHONY_TIERS = (
    DemoTier("General admission", "25.00", capacity=500, booked=15),
    DemoTier("Section C", "45.00", rows=40, seats_per_row=50, booked=20),  # the 2,000-seat hall
    DemoTier("Section B", "65.00", capacity=200, booked=10),
    DemoTier("Section A", "90.00", capacity=10, booked=10, waitlisted=2),
    DemoTier("VIP", "150.00", capacity=20, on_sale_in_days=7),
)
ROCK_TIERS = (
    DemoTier("Early bird", "15.00", capacity=20, booked=20),
    DemoTier("Standard", "22.00", capacity=250, booked=25),
    DemoTier("VIP", "60.00", capacity=8, booked=8, waitlisted=2),
)

DEMO_EVENTS = [
    DemoEvent(
        "Symphony under the stars",
        0,
        26,
        20,
        "Europe/London",
        "Royal Albert Hall, London",
        2_800,
        0,
        tiers=SYMPHONY_TIERS,
        currency="GBP",
    ),
    DemoEvent(
        "Indie rock night",
        1,
        9,
        21,
        "America/New_York",
        "Bowery Ballroom, New York",
        270,
        0,
        tiers=ROCK_TIERS,
        currency="USD",
    ),
    DemoEvent(
        "Django Meetup: Async views in practice",
        0,
        5,
        18,
        "Europe/London",
        "The Hive, 12 Shoreditch High St, London",
        60,
        41,
    ),
    DemoEvent(
        "Intro to PostgreSQL locking", 0, 9, 19, "Europe/London", "Tech Hub, 3 King's Rd, London", 25, 25, 6
    ),
    DemoEvent(
        "Python beginners' workshop",
        0,
        12,
        10,
        "Europe/London",
        "Central Library, Room 4, Manchester",
        20,
        19,
    ),
    DemoEvent(
        "Data science breakfast", 0, 3, 8, "Europe/Paris", "Café Lumière, 8 Rue de Rivoli, Paris", 30, 12
    ),
    DemoEvent(
        "Open source sprint weekend",
        0,
        20,
        9,
        "Europe/Berlin",
        "c-base, Rungestraße 20, Berlin",
        40,
        18,
        hours=56,
    ),
    DemoEvent("Accessible web design", 0, 15, 17, "Europe/Dublin", "Dogpatch Labs, Dublin", 35, 9),
    DemoEvent(
        "Testing Django like you mean it",
        0,
        26,
        18,
        "Europe/London",
        "The Hive, 12 Shoreditch High St, London",
        50,
        50,
        4,
    ),
    DemoEvent(
        "Machine learning reading group", 0, 7, 19, "Europe/Amsterdam", "Science Park 123, Amsterdam", 15, 3
    ),
    DemoEvent("Security night: OWASP top ten", 0, 33, 18, "Europe/London", "Barbican Centre, London", 80, 22),
    DemoEvent("Women in tech mentoring evening", 0, 11, 18, "Europe/Lisbon", "LX Factory, Lisbon", 30, 29),
    DemoEvent(
        "Startup pitch practice",
        0,
        45,
        14,
        "Europe/London",
        "Impact Hub, London",
        20,
        0,
        status=Event.Status.DRAFT,
    ),
    DemoEvent(
        "Cloud costs clinic",
        0,
        18,
        12,
        "Europe/London",
        "Online and at Second Home, London",
        40,
        8,
        status=Event.Status.CANCELLED,
    ),
    DemoEvent(
        "Remote teams that write things down",
        0,
        12,
        16,
        "Europe/London",
        "Online",
        300,
        47,
        online_url="https://meet.example.com/eventhub-remote-teams",
    ),
    DemoEvent("Winter Python social", 0, -12, 19, "Europe/London", "The Old Bell, Fleet St, London", 40, 33),
    DemoEvent("Rust for Pythonistas", 0, -30, 18, "Europe/Berlin", "Factory Görlitzer Park, Berlin", 30, 30),
    DemoEvent("Jazz in the park", 1, 4, 17, "America/New_York", "Bryant Park, New York", 100, 64),
    DemoEvent("Brooklyn food market tour", 1, 8, 11, "America/New_York", "Smorgasburg, Brooklyn", 12, 12, 5),
    DemoEvent("Sunrise yoga on the pier", 1, 2, 6, "America/Los_Angeles", "Santa Monica Pier, CA", 25, 11),
    DemoEvent(
        "Startup founders breakfast", 1, 6, 8, "America/Chicago", "1871, Merchandise Mart, Chicago", 40, 38
    ),
    DemoEvent("Photography walk: city lights", 1, 13, 19, "America/New_York", "Brooklyn Bridge Park", 18, 7),
    DemoEvent(
        "Toronto tech job fair",
        1,
        24,
        10,
        "America/Toronto",
        "Metro Toronto Convention Centre",
        300,
        57,
        hours=7,
    ),
    DemoEvent(
        "Board games night",
        1,
        10,
        19,
        "America/New_York",
        "The Uncommons, 230 Thompson St, New York",
        30,
        30,
        2,
    ),
    DemoEvent(
        "Ceramics for beginners", 1, 16, 14, "America/Denver", "Clay Studio, 20 Larimer St, Denver", 10, 4
    ),
    DemoEvent("Sushi masterclass", 1, 21, 18, "Asia/Tokyo", "Tsukiji Culinary School, Tokyo", 16, 15),
    DemoEvent(
        "Harbour sunset cruise", 1, 30, 17, "Australia/Sydney", "Circular Quay Wharf 6, Sydney", 60, 20
    ),
    DemoEvent("Bollywood dance workshop", 1, 14, 18, "Asia/Kolkata", "Prithvi Theatre, Mumbai", 25, 6),
    DemoEvent(
        "Marathon training kick-off",
        1,
        40,
        7,
        "America/New_York",
        "Central Park, Engineers' Gate",
        150,
        0,
        status=Event.Status.DRAFT,
    ),
    DemoEvent(
        "Rooftop cinema: classics",
        1,
        19,
        20,
        "America/Los_Angeles",
        "Rooftop Cinema Club, Hollywood",
        45,
        10,
        status=Event.Status.CANCELLED,
    ),
    DemoEvent("Autumn craft fair", 1, -20, 10, "America/New_York", "Union Square, New York", 200, 58),
    DemoEvent(
        "Wine tasting: Finger Lakes",
        1,
        -6,
        18,
        "America/New_York",
        "Corkbuzz, 13 E 13th St, New York",
        20,
        20,
    ),
    DemoEvent("Community garden day", 1, 27, 9, "America/New_York", "Liz Christy Garden, New York", 35, 1),
]


class Command(BaseCommand):
    help = "Create demo people, events, bookings and waitlists (idempotent)."

    def handle(self, *args, **options):
        # Hundreds of demo bookings would drown the console in booking log lines, and in the emails
        # they cause (to addresses that are no inboxes): those are dropped, and recorded as sent.
        logger = logging.getLogger("eventhub")
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                self._seed()
        finally:
            logger.setLevel(level)  # whoever called the command (a test, a shell) logs as before

    def _seed(self):
        organizers = [self._user(name, zone, User.Role.ORGANIZER) for name, zone in ORGANIZERS]
        for organizer in organizers:
            self._invoice_profile(organizer)
        for name, zone in ATTENDEES:
            self._user(name, zone, User.Role.ATTENDEE)
        crowd = [self._crowd_member(n) for n in range(1, CROWD_SIZE + 1)]
        if settings.DEBUG:
            self._superuser()
        created = sum(self._event(spec, organizers, crowd) for spec in DEMO_EVENTS)
        for seed, spec in enumerate(DEMO_EVENTS):
            self._picture(spec, organizers[spec.organizer], seed)
        created += self._series(organizers[0], seed=len(DEMO_EVENTS))
        booking_services.refresh_popularity()
        community = "friends, posts and messages added" if seed_community() else "left as it is"
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready ({created} new events; community {community}).")
        )
        self._print_logins()

    def _user(self, username, zone, role, *, can_sign_in=True):
        user = User.objects.filter(username=username).first()
        if user is None:
            # Demo addresses are not real inboxes: they count as confirmed.
            user = User(
                username=username,
                email=f"{username}@example.com",
                timezone=zone,
                email_verified_at=timezone.now(),
            )
            user.set_password(DEMO_PASSWORD if can_sign_in else None)  # None: no password works
            set_role(user=user, role=role)
        return user

    def _crowd_member(self, n):
        return self._user(f"guest{n:02d}", "UTC", User.Role.ATTENDEE, can_sign_in=False)

    def _superuser(self):
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                "admin", "admin@example.com", DEMO_PASSWORD, email_verified_at=timezone.now()
            )

    @transaction.atomic
    def _event(self, spec: DemoEvent, organizers, crowd) -> bool:
        organizer = organizers[spec.organizer]
        if Event.objects.filter(organizer=organizer, title=spec.title).exists():
            return False
        starts_at = self._start(spec)
        in_past = starts_at <= timezone.now()
        event = event_services.create_event(
            organizer=organizer,
            title=spec.title,
            description=f"{spec.title}. Everyone is welcome; bring a friend.",
            location=spec.location,
            # Past events are made upcoming, filled, then moved back in time.
            starts_at=starts_at + timedelta(days=400) if in_past else starts_at,
            ends_at=starts_at + timedelta(days=400 if in_past else 0, hours=spec.hours),
            timezone=spec.zone,
            capacity=spec.capacity,
            currency=spec.currency,
            status=Event.Status.PUBLISHED if spec.status != Event.Status.DRAFT else Event.Status.DRAFT,
            **self._listing(spec),
        )
        ticket_types = self._tiers(event, spec, organizer)
        self._fill(event, spec, crowd, ticket_types)
        self._spread_over_past_days(event, before=min(timezone.now(), starts_at))
        if spec.status == Event.Status.CANCELLED:
            event_services.cancel_event(event=event, by=organizer)
        if in_past:
            Event.objects.filter(pk=event.pk).update(
                starts_at=starts_at, ends_at=starts_at + timedelta(hours=spec.hours)
            )
        return True

    @transaction.atomic
    def _series(self, organizer, *, seed: int) -> int:
        """A weekly series: eight Tuesdays at 19:00 on the organizer's clock from next week on, its first
        date pictured before it is repeated, so every date has the picture. Made once."""
        if Series.objects.filter(organizer=organizer, title=DEMO_SERIES.title).exists():
            return 0
        zone = ZoneInfo(organizer.timezone)
        day = timezone.localdate(timezone=zone) + timedelta(days=7)
        day += timedelta(days=(1 - day.weekday()) % 7)  # the Tuesday on or after it
        starts_at = instant_in_zone(datetime.combine(day, time(19)), zone)
        event = event_services.create_event(
            organizer=organizer,
            title=DEMO_SERIES.title,
            description="Every Tuesday evening: we read a chapter together and solve its exercises.",
            location=DEMO_SERIES.location,
            address="25 Chancery Lane",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            capacity=DEMO_SERIES.capacity,
            timezone=organizer.timezone,
            status=Event.Status.PUBLISHED,
            **self._listing(DEMO_SERIES),
        )
        self._picture(DEMO_SERIES, organizer, seed)
        repeat = Repeat(frequency=Frequency.WEEKLY, weekdays=(1,), count=8)
        return create_series(event=event, by=organizer, repeat=repeat).occurrences.count()

    @staticmethod
    def _listing(spec: DemoEvent) -> dict:
        """The event's category, tags and place as create_event takes them."""
        category, tags, city = LISTINGS.get(spec.title, (None, [], ""))
        online = {"attendance": Event.Attendance.ONLINE, "online_url": spec.online_url}
        return {
            "category": Category.objects.filter(slug=category).first(),
            "tags": tags,
            "city": city,
            **(online if spec.online_url else {}),
        }

    @staticmethod
    def _picture(spec: DemoEvent, organizer, seed: int) -> None:
        """A picture drawn for the event, unless it has one already (so running again draws nothing)."""
        event = Event.objects.filter(organizer=organizer, title=spec.title).first()
        if event is None or event.image_card:
            return
        drawn = ContentFile(images.demo_picture(spec.title, seed), name="demo.png")
        alt = images.demo_alt(spec.title, seed)
        event_services.set_event_image(event=event, by=organizer, upload=drawn, alt=alt)

    @staticmethod
    def _tiers(event, spec: DemoEvent, organizer) -> list:
        """The event's ticket types: its general admission becomes the first tier, the others are added."""
        if not spec.tiers:
            return [event.ticket_types.get()]
        first, *others = spec.tiers
        types = [
            event_services.update_ticket_type(
                ticket_type=event.ticket_types.get(),
                by=organizer,
                name=first.name,
                price=Decimal(first.price),
                capacity=first.capacity,
            )
        ]
        for tier in others:
            on_sale = timezone.now() + timedelta(days=tier.on_sale_in_days) if tier.on_sale_in_days else None
            types.append(
                event_services.create_ticket_type(
                    event=event,
                    by=organizer,
                    name=tier.name,
                    price=Decimal(tier.price),
                    capacity=tier.capacity or None,
                    layout=tier.layout(),
                    sales_start=on_sale,
                )
            )
        return types

    def _fill(self, event, spec: DemoEvent, crowd, ticket_types):
        if spec.status == Event.Status.DRAFT:
            return
        people = list(User.objects.filter(username__in=[a for a, _ in ATTENDEES])) + crowd
        offset = event.pk % len(people)  # different faces at different events
        people = iter(people[offset:] + people[:offset])
        tiers = spec.tiers or [DemoTier("", "0", booked=spec.booked, waitlisted=spec.waitlisted)]
        for tier, ticket_type in zip(tiers, ticket_types, strict=True):
            for user, _ in zip(people, range(tier.booked + tier.waitlisted), strict=False):
                booking = booking_services.book(
                    user=user, event=event, ticket_type=ticket_type, waitlist=True
                )
                if booking.is_pending:
                    self._pay(booking, organizer=event.organizer)

    @staticmethod
    def _spread_over_past_days(event, *, before):
        """The event's bookings as if made over the two weeks ``before`` a moment, a few a day, so its
        charts and the "most popular" order have a shape."""
        bookings = Booking.objects.filter(event=event).order_by("pk").values_list("pk", flat=True)
        for n, pk in enumerate(bookings):
            made = before - timedelta(days=n % 14, hours=1 + (n * 5) % 23)
            Booking.objects.filter(pk=pk).update(created_at=made)

    @staticmethod
    def _pay(booking, *, organizer):
        """Demo buyers pay by bank transfer and the organizer marks it received: real invoices follow."""
        checkout = payment_services.start_payment(
            booking=booking,
            provider_name="bank_transfer",
            buyer={"name": booking.user.username},
            by=booking.user,
        )
        payment_services.mark_paid(payment=checkout.payment, by=organizer)

    @staticmethod
    def _invoice_profile(organizer):
        InvoiceProfile.objects.get_or_create(
            organizer=organizer,
            defaults={
                "name": f"{organizer.username.title()} Events Ltd",
                "address": "1 Concert Square\nLondon EC1A 1AA",
                "vat_id": "GB123456789",
                "bank_details": "Account holder: "
                + f"{organizer.username.title()} Events Ltd\nIBAN: GB33BUKB20201555555555\nBIC: BUKBGB22",
                "footer": "Thank you for coming. Tickets are non-transferable.",
            },
        )

    @staticmethod
    def _start(spec: DemoEvent) -> datetime:
        zone = ZoneInfo(spec.zone)
        day = timezone.now().astimezone(zone).date() + timedelta(days=spec.days)
        return datetime.combine(day, time(spec.hour), tzinfo=zone)

    def _print_logins(self):
        self.stdout.write("\nDemo sign-ins (development only), all with password " + DEMO_PASSWORD + ":")
        if settings.DEBUG:
            self.stdout.write("  admin   superuser   http://127.0.0.1:8000/admin/")
        for name, _ in ORGANIZERS:
            self.stdout.write(f"  {name:<7} organizer   http://127.0.0.1:8000/admin/")
        for name, _ in ATTENDEES:
            self.stdout.write(f"  {name:<7} attendee    http://127.0.0.1:8000/")

import unicodedata
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone as django_timezone

from eventhub.text import search_fold


def validate_timezone(value: str) -> None:
    """Accept only IANA zone names that zoneinfo knows ("Europe/Paris")."""
    if value not in available_timezones():
        raise ValidationError(
            "“%(value)s” is not a known time zone. Use a name like Europe/Paris or UTC.",
            code="invalid_timezone",
            params={"value": value},
        )


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


USERNAME_TAKEN = "That username is taken."
EMAIL_TAKEN = "An account with this email address already exists."


def fold(value: str) -> str:
    """The one spelling that every way of writing a name or an email shares.

    NFKC turns fullwidth and compatibility letters into plain ones (fullwidth
    "alice" is "alice"); upper then casefold joins the letters that some databases'
    case-insensitive matches join and others do not (dotless i and i, sharp s and
    "ss"). Uniqueness and
    sign-in both look accounts up by this form, so whatever one accepts the other finds.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).upper().casefold())


class EventhubUserManager(UserManager):
    def bulk_create(self, objs, *args, **kwargs):
        """Bulk inserts skip save(): fill the folded keys here."""
        objs = list(objs)
        for user in objs:
            user.fill_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def get_by_natural_key(self, username):
        return self.get(username_key=fold(username))

    def visible_to(self, user):
        """Each person sees their own account; site staff see everyone's."""
        if not user.is_authenticated:
            return self.none()
        return self.all() if user.is_site_staff else self.filter(pk=user.pk)

    def is_taken(self, field: str, value: str, *, exclude_pk=None) -> bool:
        """Whether another account uses ``value`` for ``field`` (username or email), in any spelling."""
        others = self.exclude(pk=exclude_pk) if exclude_pk is not None else self.all()
        return others.filter(**{f"{field}_key": fold(value)}).exists()


class User(AbstractUser):
    """A person on eventhub: an attendee who books, or an organizer who runs events."""

    class Role(models.TextChoices):
        ATTENDEE = "attendee", "Attendee"
        ORGANIZER = "organizer", "Organizer"

    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ATTENDEE)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Times on the site are also shown in this zone.",
    )

    # fold() of username and email: what uniqueness and sign-in compare. Kept in step by save().
    username_key = models.CharField(max_length=600, unique=True, editable=False)
    email_key = models.CharField(max_length=1000, unique=True, editable=False)
    # The secret in the address of this person's calendar feed; none until they ask for one.
    calendar_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # What others see of them in the community (community/services.py keeps the rules).
    display_name = models.CharField(
        max_length=60, blank=True, help_text="How others see you; your username if empty."
    )
    bio = models.TextField(max_length=500, blank=True, help_text="A few words about you, on your profile.")
    friends_see_my_events = models.BooleanField(
        "friends see the events I go to", default=True, help_text="Your friends see which events you booked."
    )
    searchable = models.BooleanField(
        "others can find me", default=True, help_text="Others can find you by name in people search."
    )
    # The username and display name folded (no case, no accents): what people search compares.
    name_key = models.CharField(max_length=400, editable=False, default="")
    # When the person proved the address is theirs (the link emailed at sign-up); until then the
    # site asks them to, and an organizer cannot publish.
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Emails one may turn off; those about one's own bookings and payments always go.
    email_reminders = models.BooleanField(
        "reminders", default=True, help_text="An email the day before each event you booked."
    )
    email_announcements = models.BooleanField(
        "organizers' messages",
        default=True,
        help_text="Messages from the organizers of events you booked, sent to all their attendees.",
    )

    REQUIRED_FIELDS = ["email"]

    objects = EventhubUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["attendee", "organizer"]), name="user_role_valid"
            ),
            # Organizers work in the admin, so staff status follows the role (accounts.services.set_role);
            # superusers keep whatever they have.
            models.CheckConstraint(
                condition=models.Q(is_superuser=True)
                | models.Q(role="organizer", is_staff=True)
                | (~models.Q(role="organizer") & models.Q(is_staff=False)),
                name="user_staff_follows_role",
                violation_error_message="Organizers are staff and attendees are not.",
            ),
        ]

    @property
    def is_organizer(self) -> bool:
        return self.role == self.Role.ORGANIZER

    @property
    def is_attendee(self) -> bool:
        return self.role == self.Role.ATTENDEE

    @property
    def name(self) -> str:
        """How the site names a person to others: the name they chose to show, else their full name,
        else their username."""
        return self.display_name or self.get_full_name() or self.username

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def calendar_feed_path(self) -> str | None:
        """Where this person's calendar feed is (a secret address), if they asked for one."""
        return reverse("bookings:calendar_feed", args=[self.calendar_token]) if self.calendar_token else None

    @property
    def is_site_staff(self) -> bool:
        """Staff who run the site (not organizers, who are staff only to use the admin)."""
        return self.is_superuser or (self.is_staff and not self.is_organizer)

    def clean(self):
        super().clean()
        # The database enforces both (unique folded keys); these say so beside
        # the field, in plain words.
        errors = {}
        if self.username and User.objects.is_taken("username", self.username, exclude_pk=self.pk):
            errors["username"] = USERNAME_TAKEN
        if self.email and User.objects.is_taken("email", self.email, exclude_pk=self.pk):
            errors["email"] = EMAIL_TAKEN
        if errors:
            raise ValidationError(errors)

    def fill_keys(self) -> None:
        self.username_key, self.email_key = fold(self.username), fold(self.email)
        self.name_key = search_fold(f"{self.username} {self.display_name}")

    def save(self, *args, **kwargs):
        self.fill_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"username", "email", "display_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "username_key", "email_key", "name_key"}
        super().save(*args, **kwargs)


# A declined person may ask again to become an organizer once this has passed since the decision.
ASK_AGAIN_AFTER_DECLINE = timedelta(days=30)


class OrganizerRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=OrganizerRequest.Status.PENDING)

    def latest_of(self, user) -> "OrganizerRequest | None":
        """The person's most recent request, whatever became of it."""
        return self.filter(user=user).order_by("-created_at", "-pk").first()


class OrganizerRequest(models.Model):
    """An attendee's request to run events, which site staff approve or decline in the admin.

    Made when the site takes organizers on approval (ORGANIZER_SIGNUP=approval): at
    sign-up by choosing the organizer role, or later from the profile. The rules are
    accounts.services'; the database keeps one pending request per person.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organizer_requests")
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, editable=False)
    note = models.TextField(
        "what you organise",
        max_length=1000,
        blank=True,
        help_text="Optional: the events you run or plan (for the staff who decide).",
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # When the decision's email went (claimed before sending), so a task run twice sends it once.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OrganizerRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "declined"]),
                name="organizer_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="organizer_request_decided_when_not_pending",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="organizer_request_one_pending_per_user",
                violation_error_message="This person's request to become an organizer awaits approval.",
            ),
        ]

    def __str__(self):
        return f"{self.user.username}: {self.get_status_display().lower()}"

    @property
    def ask_again_at(self) -> datetime | None:
        """When a declined person may ask again (None for a request that was not declined)."""
        if self.status != self.Status.DECLINED:
            return None
        return self.decided_at + ASK_AGAIN_AFTER_DECLINE

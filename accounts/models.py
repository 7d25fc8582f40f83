from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower


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


class EventhubUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    def is_taken(self, field: str, value: str, *, exclude_pk=None) -> bool:
        """Whether another account already uses ``value`` for ``field``, in any case.

        Compared both ways the site compares: LOWER, as the unique constraints
        do, and iexact, as sign-in does (they differ for a few Unicode letters).
        """
        same = Q(**{f"{field}__iexact": value}) | Q(folded=Lower(Value(value)))
        others = self.exclude(pk=exclude_pk) if exclude_pk is not None else self.all()
        return others.annotate(folded=Lower(field)).filter(same).exists()


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

    REQUIRED_FIELDS = ["email"]

    objects = EventhubUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="unique_user_username_ci",
                violation_error_message=USERNAME_TAKEN,
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="unique_user_email_ci",
                violation_error_message=EMAIL_TAKEN,
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["attendee", "organizer"]), name="user_role_valid"
            ),
        ]

    @property
    def is_organizer(self) -> bool:
        return self.role == self.Role.ORGANIZER

    @property
    def is_attendee(self) -> bool:
        return self.role == self.Role.ATTENDEE

    @property
    def is_site_staff(self) -> bool:
        """Staff who run the site (not organizers, who are staff only to use the admin)."""
        return self.is_superuser or (self.is_staff and not self.is_organizer)

    def clean(self):
        super().clean()
        # The database enforces both (case-insensitive unique constraints);
        # these say so beside the field, in plain words.
        errors = {}
        if self.username and User.objects.is_taken("username", self.username, exclude_pk=self.pk):
            errors["username"] = USERNAME_TAKEN
        if self.email and User.objects.is_taken("email", self.email, exclude_pk=self.pk):
            errors["email"] = EMAIL_TAKEN
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Organizers work in the admin: is_staff and the Organizers group
        # follow the role. Superusers keep whatever they have.
        from accounts.services import sync_organizer_group

        if not self.is_superuser:
            self.is_staff = self.is_organizer
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "role" in update_fields:
                kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)
        sync_organizer_group(user=self)

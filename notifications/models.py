from django.conf import settings
from django.db import models


class SentEmail(models.Model):
    """One email claimed for sending, by a key that names it ("booking-confirmed:42:<ticket code>").

    A task claims its key before sending and gives it back if sending fails, so a
    task run twice (a retry, a redelivered message, a scheduler that fires twice)
    sends its email once.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "created_at"], name="sentemail_user_idx")]

    def __str__(self):
        return self.key


class OrganizerMessage(models.Model):
    """An email an organizer sends to the attendees of one event, sent in the background in batches."""

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed attendees"
        WAITLISTED = "waitlisted", "People on the waitlist"

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="messages")
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.CONFIRMED)
    subject = models.CharField(max_length=150)
    body = models.TextField(max_length=10_000)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # How many people it was addressed to when sending began, and how many it reached so far.
    recipients = models.PositiveIntegerField(default=0, editable=False)
    sent_count = models.PositiveIntegerField(default=0, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "attendee message"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["event", "created_at"], name="orgmessage_event_idx")]

    def __str__(self):
        return self.subject

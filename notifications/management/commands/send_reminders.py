from django.core.management.base import BaseCommand

from notifications.tasks import send_reminders


class Command(BaseCommand):
    help = (
        "Email each confirmed booking of an event starting within REMINDER_HOURS_BEFORE hours its "
        "reminder, once per ticket, to those who keep reminders on. The background scheduler runs it "
        "every five minutes; a run missed is made up by the next, and running it twice sends nothing twice."
    )

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"Sent {sent} reminder{'s' if sent != 1 else ''}.")

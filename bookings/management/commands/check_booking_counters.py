from django.core.management.base import BaseCommand, CommandError

from bookings.services import counter_mismatches


class Command(BaseCommand):
    help = (
        "Compare every event's and ticket type's booked_seats with their confirmed bookings and unpaid "
        "holds, and every seat with the bookings holding it; exit non-zero on any mismatch."
    )

    def handle(self, *args, **options):
        mismatches = counter_mismatches()
        for mismatch in mismatches:
            self.stderr.write(mismatch)
        if mismatches:
            raise CommandError(f"{len(mismatches)} counter(s) or seat(s) drifted from the bookings.")
        self.stdout.write(self.style.SUCCESS("All booking counters and seats match their bookings."))

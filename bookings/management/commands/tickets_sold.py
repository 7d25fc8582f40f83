import csv
import json

from django.core.management.base import BaseCommand, CommandError

from bookings.selectors import event_totals, ticket_sales
from events.models import Event

COLUMNS = ("event_id", "event", "ticket_type", "sold", "capacity", "waitlisted", "price", "currency", "gross")


class Command(BaseCommand):
    help = (
        "How many tickets each event has sold, per ticket type: sold, capacity, waitlisted and gross value."
    )

    def add_arguments(self, parser):
        parser.add_argument("--event", type=int, metavar="ID", help="Only this event.")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")

    def handle(self, *args, event=None, format="table", **options):
        if event is not None and not Event.objects.filter(pk=event).exists():
            raise CommandError(f"There is no event with id {event}.")
        rows = ticket_sales(event)
        {"table": self.write_table, "csv": self.write_csv, "json": self.write_json}[format](rows)

    def write_json(self, rows):
        payload = {"ticket_types": rows, "events": event_totals(rows)}
        self.stdout.write(json.dumps(payload, indent=2, default=str))

    def write_csv(self, rows):
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    def write_table(self, rows):
        if not rows:
            self.stdout.write("No ticket types yet.")
            return
        by_event = {t["event_id"]: t for t in event_totals(rows)}
        width = max(len(r["ticket_type"]) for r in rows) + 2
        current = None
        for row in rows:
            if row["event_id"] != current:
                if current is not None:
                    self.write_total(by_event[current])
                current = row["event_id"]
                self.stdout.write(self.style.MIGRATE_HEADING(f"\n#{row['event_id']} {row['event']}"))
                self.stdout.write(
                    f"  {'Type':<{width}}{'Sold':>7}{'Capacity':>10}{'Waiting':>9}{'Gross':>14}"
                )
            gross = f"{row['gross']} {row['currency']}"
            counts = f"{row['sold']:>7}{row['capacity']:>10}{row['waitlisted']:>9}"
            self.stdout.write(f"  {row['ticket_type']:<{width}}{counts}{gross:>14}")
        self.write_total(by_event[current])

    def write_total(self, total):
        gross = ", ".join(f"{amount} {currency}" for currency, amount in sorted(total["gross"].items()))
        self.stdout.write(f"  Total: {total['sold']} sold, {total['waitlisted']} waiting, gross {gross}")

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from events.models import Event
from payments.selectors import sales_with_revenue

# Columns added later come last, so spreadsheets built on the earlier ones still work.
COLUMNS = (
    "event_id",
    "event",
    "ticket_type",
    "sold",
    "capacity",
    "waitlisted",
    "price",
    "currency",
    "gross",
    "held",
    "revenue",
)


class Command(BaseCommand):
    help = (
        "How many tickets each event has sold, per ticket type: sold (confirmed), held awaiting payment, "
        "capacity, waitlisted, gross value (what the sold tickets were booked at) and revenue (money "
        "received less refunds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--event", type=int, metavar="ID", help="Only this event.")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")

    def handle(self, *args, event=None, format="table", **options):
        if event is not None and not Event.objects.filter(pk=event).exists():
            raise CommandError(f"There is no event with id {event}.")
        rows, totals = sales_with_revenue(event)
        {"table": self.write_table, "csv": self.write_csv, "json": self.write_json}[format](rows, totals)

    def write_json(self, rows, totals):
        payload = {"ticket_types": rows, "events": totals}
        self.stdout.write(json.dumps(payload, indent=2, default=str))

    def write_csv(self, rows, totals):
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)

    def write_table(self, rows, totals):
        if not rows:
            self.stdout.write("No ticket types yet.")
            return
        by_event = {t["event_id"]: t for t in totals}
        width = max(len(r["ticket_type"]) for r in rows) + 2
        current = None
        for row in rows:
            if row["event_id"] != current:
                if current is not None:
                    self.write_total(by_event[current])
                current = row["event_id"]
                self.stdout.write(self.style.MIGRATE_HEADING(f"\n#{row['event_id']} {row['event']}"))
                self.stdout.write(
                    f"  {'Type':<{width}}{'Sold':>7}{'Held':>7}{'Capacity':>10}{'Waiting':>9}"
                    f"{'Gross':>14}{'Revenue':>14}"
                )
            gross, revenue = (f"{row[column]} {row['currency']}" for column in ("gross", "revenue"))
            counts = f"{row['sold']:>7}{row['held']:>7}{row['capacity']:>10}{row['waitlisted']:>9}"
            self.stdout.write(f"  {row['ticket_type']:<{width}}{counts}{gross:>14}{revenue:>14}")
        self.write_total(by_event[current])

    def write_total(self, total):
        gross, revenue = (
            ", ".join(f"{amount} {currency}" for currency, amount in sorted(total[column].items()))
            for column in ("gross", "revenue")
        )
        self.stdout.write(
            f"  Total: {total['sold']} sold, {total['held']} held awaiting payment, "
            f"{total['waitlisted']} waiting, gross {gross}, revenue {revenue}"
        )

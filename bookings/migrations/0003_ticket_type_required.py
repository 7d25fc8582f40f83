import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Apart from 0002 so PostgreSQL alters the table in a transaction without pending row updates."""

    dependencies = [
        ("bookings", "0002_ticket_type_and_seat"),
    ]

    operations = [
        migrations.AlterField(
            model_name="booking",
            name="ticket_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="bookings", to="events.tickettype"
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("seat__isnull", False), ("status__in", ["confirmed", "waitlisted"])),
                fields=("seat",),
                name="booking_one_active_per_seat",
                violation_error_message="This seat is already taken.",
            ),
        ),
    ]

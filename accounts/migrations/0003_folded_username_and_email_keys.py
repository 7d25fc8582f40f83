"""Uniqueness and sign-in compare one folded spelling of username and email (accounts.models.fold).

Replaces the LOWER() unique constraints, which PostgreSQL's case-insensitive lookups
(UPPER) did not match for letters such as dotless "ı".
"""

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    from accounts.models import fold

    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk", "username", "email").iterator():
        User.objects.filter(pk=user.pk).update(username_key=fold(user.username), email_key=fold(user.email))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organizers_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=600, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=1000, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=600, unique=True),
        ),
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=1000, unique=True),
        ),
        migrations.RemoveConstraint(model_name="user", name="unique_user_username_ci"),
        migrations.RemoveConstraint(model_name="user", name="unique_user_email_ci"),
    ]

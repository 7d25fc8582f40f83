"""Uniqueness and sign-in compare one folded spelling of username and email (accounts.models.fold).

Replaces the LOWER() unique constraints, which PostgreSQL's case-insensitive lookups
(UPPER) did not match for letters such as dotless "ı".
"""

from django.db import migrations, models

USERNAME_MAX_LENGTH = 150


def unique_keys(users):
    """Each account's folded keys, oldest account first; a later look-alike must give way.

    The old LOWER() constraints let in names that fold together (``tilda`` and
    ``tıLDA``). The older account keeps its name; a later one is renamed
    ``<name>-<id>`` so the unique key can be built (its owner signs in with the
    new name, which the migration prints). A later look-alike email keeps its
    address, with its key made unique by the account id, so nothing is lost.
    Yields ``(pk, username, username_key, email_key)``.
    """
    from accounts.models import fold

    usernames, emails = set(), set()
    for pk, username, email in users:
        if fold(username) in usernames:
            suffix = f"-{pk}"
            username = f"{username[: USERNAME_MAX_LENGTH - len(suffix)]}{suffix}"
            print(
                f"\n  accounts: account {pk} renamed to {username!r}: its name was taken in another spelling"
            )
        email_key = fold(email)
        if email_key in emails:
            email_key = f"{email_key}#{pk}"
        usernames.add(fold(username))
        emails.add(email_key)
        yield pk, username, fold(username), email_key


def fill_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = User.objects.order_by("pk").values_list("pk", "username", "email").iterator()
    for pk, username, username_key, email_key in unique_keys(rows):
        User.objects.filter(pk=pk).update(username=username, username_key=username_key, email_key=email_key)


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

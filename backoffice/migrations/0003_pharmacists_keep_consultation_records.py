"""Pharmacists write, sign and amend consultation records and plan follow-ups; the front desk gets
nothing of them (backoffice.roles)."""

from django.db import migrations

from backoffice.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0002_front_desk_books_for_callers"),
        ("consultations", "0005_consultation_records_follow_ups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]

"""The front desk (and so the pharmacists) may book for a caller and enter a new caller's contact
details: ``add`` on appointments and patients, from backoffice.roles."""

from django.db import migrations

from backoffice.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_staff_roles"),
        ("consultations", "0004_staff_bookings_video_links_arrivals"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]

"""Never a double booking, enforced by PostgreSQL itself.

An exclusion constraint rejects two appointments of one pharmacist whose
[start, blocked_until) ranges overlap, unless one of them is cancelled. btree_gist lets the
pharmacist's id (an equality) and the time range (an overlap) share one GiST index.
SQLite has no such constraint: there, bookings are serialised by the write lock that each
IMMEDIATE transaction takes (see settings.DATABASES), and the booking service re-checks
for overlaps inside that transaction.
"""

from django.db import migrations

CONSTRAINT = "appointment_no_overlap"


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE consultations_appointment ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (pharmacist_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE consultations_appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(add_exclusion, drop_exclusion)]

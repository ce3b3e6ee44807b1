"""Purge or anonymise patients and intakes past RETENTION_DAYS (consultations/retention.py).

Run it daily (cron, or a Celery beat entry). Prints counts only, never a name.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from consultations.retention import records_purge_expired, retention_cutoff


class Command(BaseCommand):
    help = "Remove personal and clinical data of patients with no activity for RETENTION_DAYS; keep consultation counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        cutoff = retention_cutoff()
        counts = records_purge_expired(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Retention: {settings.RETENTION_DAYS} days (no activity since {cutoff:%Y-%m-%d})."
            + (" Dry run: nothing changed." if dry_run else "")
        )
        for label, value in (
            ("patients deleted", counts.patients_deleted),
            ("patients anonymised", counts.patients_anonymised),
            ("intakes deleted", counts.intakes_deleted),
            ("intakes stripped of their answers", counts.intakes_stripped),
            ("medication entries deleted", counts.medications_deleted),
            ("screening flags deleted", counts.flags_deleted),
        ):
            self.stdout.write(f"{label} ({verb}): {value}")
        self.stdout.write(f"consultations kept for statistics: {counts.appointments_kept}")

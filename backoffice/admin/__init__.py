"""The back office: every staff screen in the Django admin, one module per area.

- ``intakes``: the pharmacist's review queue;
- ``schedule``: appointments, rescheduling and cancelling, and the outbox;
- ``people``: pharmacists with their hours, patients, the pharmacy, kinds of consultation;
- ``audit``: the audit trail, for superusers;
- ``accounts``: the input guard on Django's, django-otp's and django-axes' own admins;
- ``base``: what they share (the input guard, the audit of every look, patient columns).
"""

from . import accounts, audit, intakes, people, schedule  # noqa: F401  (each registers its admins)

"""What every back-office admin shares: the input guard, the audit of every look, patient columns.

- ``AdminInputGuard``: crafted filters, searches and action selections are ignored or refused with
  a message instead of failing in the database (a NUL byte, an id past bigint, a date off the
  calendar). Every ModelAdmin registered by the back office has it, Django's and the add-ons' too.
- ``AuditedViewsMixin``: a detail or history page that shows an object records a "viewed" event
  for it; with ``audit_list_views`` every row a list page shows is recorded too (the intake queue).
- ``PatientColumns``: contact columns and phone search for admins whose objects have a patient.
- ``BoundedInlineFormSet``: an inline takes at most its saved rows plus a few new ones per save.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from patients.audit import audit_record, audit_record_many
from patients.models import AuditEvent

from .. import formatting as fmt
from ..roles import CLINICAL

ADMIN_CSS = {"all": ["css/admin.css"]}

# PostgreSQL refuses NUL in any string it is sent, and only when the query runs, long after
# Django's changelist has decided the filter was fine.
NUL = "\x00"
# The largest id a bigint column holds; beyond it SQLite raises OverflowError as the query runs.
MAX_ID = 2**63 - 1


def sees_clinical(request) -> bool:
    return request.user.has_perm(CLINICAL)


def is_row_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


class GuardedChangeList(ChangeList):
    """A changelist that ignores a filter value the database cannot take, as Django ignores a
    malformed field lookup: the page redirects to ``?e=1`` and shows the unfiltered list.

    Django catches errors only while it builds its own field lookups; a SimpleListFilter's
    ``queryset()`` and the values that reach the database adapter (an aware datetime that falls
    off the calendar in UTC, a NUL byte) fail later, as a 500. NUL is refused up front; the rest
    is caught where the paginator's count first compiles the query (``get_results``).
    """

    def get_queryset(self, request, exclude_parameters=None):
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                raise IncorrectLookupParameters("NUL in the query string")
        try:
            return super().get_queryset(request, exclude_parameters)
        except (ValueError, OverflowError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        # The paginator's count is the first query compiled from the filtered queryset: the
        # filters' values reach the database adapter there, still inside the constructor whose
        # IncorrectLookupParameters Django turns into ?e=1. Compiling the queryset once more before
        # it, only to see it fail, cost about 2 ms of every intake queue page. Every value the rows'
        # query takes from the request is in the count's WHERE too (ordering and paging are names
        # and numbers Django checks itself).
        try:
            super().get_results(request)
        except (ValueError, OverflowError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error


class AdminInputGuard:
    """Crafted filters, searches and action selections: ignored or refused, never a 500."""

    def get_changelist(self, request, **kwargs):
        return GuardedChangeList

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete view calls this directly with its ``term``; nothing stored holds a NUL.
        if NUL in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def response_action(self, request, queryset):
        if not all(is_row_id(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(
                request, "Nothing was changed: tick the rows to act on in the list.", messages.WARNING
            )
            return None  # the changelist redirects back to itself, showing the message
        return super().response_action(request, queryset)


class BoundedInlineFormSet(BaseInlineFormSet):
    """An inline formset that builds at most the object's saved rows plus ``new_rows_per_save``.

    Django trusts the posted TOTAL_FORMS up to max_num + 1,000: a crafted count made the
    pharmacist page build 2,000 forms, about 12 s of server time and a 4 MB page for one request.
    Past the bound, Django's own "Please submit at most N forms." is shown and nothing is saved.
    """

    new_rows_per_save = 50

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The saved rows are read here instead of when the forms are built: the same one query.
        # max_num too: Django's message names it, and the page's "Add another" stops there.
        self.absolute_max = len(self.get_queryset()) + self.new_rows_per_save
        self.max_num = min(self.max_num, self.absolute_max)


class AuditedViewsMixin:
    """Record who looked: the object a detail or history page showed, and with
    ``audit_list_views`` each row of a list page."""

    audit_list_views = False

    def _audit_view(self, request, response, key):
        obj = (getattr(response, "context_data", None) or {}).get(key)
        if response.status_code == 200 and obj is not None:
            audit_record(user=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._audit_view(request, response, "original")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._audit_view(request, response, "object")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if self.audit_list_views and changelist is not None:
            audit_record_many(
                user=request.user, action=AuditEvent.Action.VIEW, objects=changelist.result_list, request=request
            )
        return response


class NoAddOrDelete:
    """Records another flow creates (patients book and fill intakes, services write emails and
    audit events) and that are never deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A list filter that opens on `default` instead of "All" (which stays one of its choices)."""

    default = None

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


def phone_digits(term: str) -> str:
    """The digits to find a stored phone by, from a number as people type it ("(608) 555-0123",
    "608.555.0123", "+1 608 555 0123"): the last ten, or "" when fewer than seven were typed."""
    digits = "".join(ch for ch in term if ch.isdigit())
    return digits[-10:] if len(digits) >= 7 else ""


class PatientColumns:
    """Contact columns and phone search for an admin whose objects have a ``patient``.

    Shared by the intake queue and the schedule, so both show and find patients the same way.
    """

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if digits := phone_digits(search_term):
            # People type phone numbers with spaces and dashes; we store E.164.
            results |= queryset.filter(patient__phone__contains=digits)
        return results, may_have_duplicates

    @admin.display(description="patient", ordering="patient__last_name")
    def patient_name(self, obj):
        return obj.patient.full_name

    @admin.display(description="email")
    def patient_email(self, obj):
        return obj.patient.email

    @admin.display(description="phone")
    def patient_phone(self, obj):
        return fmt.phone(obj.patient.phone)

    @admin.display(description="prefers")
    def patient_contact(self, obj):
        return obj.patient.get_preferred_contact_display()

    @admin.display(description="language", ordering="patient__language")
    def patient_language(self, obj):
        """The language the patient used the site in: the one to speak at the consultation."""
        return obj.patient.get_language_display()

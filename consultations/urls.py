from django.urls import path, register_converter

from . import follow_up_views, intake_views, views


class ManageTokenConverter:
    """URL-safe base64 of at least 128 random bits; anything else is a 404 before any query."""

    regex = "[A-Za-z0-9_-]{22,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ManageTokenConverter, "manage_token")

app_name = "consultations"

urlpatterns = [
    path("book/", views.book_start, name="book_start"),
    path("book/day/", views.book_day, name="book_day"),
    path("book/time/", views.book_time, name="book_time"),
    path("book/review/", views.book_review, name="book_review"),
    path("book/confirm/", views.book_confirm, name="book_confirm"),
    path("book/confirmed/", views.book_confirmed, name="book_confirmed"),
    path("appointments/<manage_token:token>/", views.manage, name="manage"),
    path("appointments/<manage_token:token>/reschedule/", views.manage_reschedule_day, name="manage_reschedule_day"),
    path(
        "appointments/<manage_token:token>/reschedule/time/",
        views.manage_reschedule_time,
        name="manage_reschedule_time",
    ),
    path(
        "appointments/<manage_token:token>/reschedule/review/",
        views.manage_reschedule_review,
        name="manage_reschedule_review",
    ),
    path("appointments/<manage_token:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("appointments/<manage_token:token>/calendar.ics", views.manage_ics, name="manage_ics"),
    path("appointments/<manage_token:token>/intake/", intake_views.appointment_intake, name="appointment_intake"),
    path("appointments/<manage_token:token>/book-again/", follow_up_views.book_again, name="book_again"),
    path("follow-up/check-in/", follow_up_views.follow_up_answers, name="follow_up_answers"),
    path("follow-up/<manage_token:token>/", follow_up_views.follow_up_checkin, name="follow_up_checkin"),
]

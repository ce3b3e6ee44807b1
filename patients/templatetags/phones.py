"""``{{ number|phone }}`` → "(608) 555-0142"; ``{{ number|phone_uri }}`` → "tel:+16085550142"."""

from django import template

from welltopia.phones import phone_for_people, phone_uri

register = template.Library()
register.filter("phone", phone_for_people)
register.filter("phone_uri", phone_uri)

"""The site's languages as settings.LANGUAGES names them, each in itself ("Español", "English").

Django's own {% get_available_languages %} translates the names into the page's language, which
would offer "Inglés" to a Spanish reader looking for English."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_languages():
    return settings.LANGUAGES

from django.utils.functional import SimpleLazyObject

from .models import Location


def pharmacy(request):
    """The pharmacy's name, address and phone for every page; queried only if a page uses it."""
    return {"pharmacy": SimpleLazyObject(lambda: Location.objects.order_by("id").first() or Location())}

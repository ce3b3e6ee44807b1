from django.utils.functional import SimpleLazyObject

from .selectors import pharmacy as the_pharmacy


def pharmacy(request):
    """The pharmacy's name, address and phone for every page; queried only if a page uses it."""
    return {"pharmacy": SimpleLazyObject(the_pharmacy)}

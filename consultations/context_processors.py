from django.utils.functional import SimpleLazyObject

from .selectors import pharmacy as the_pharmacy
from .visit import visit_information


def pharmacy(request):
    """The pharmacy's name, address and phone, and what a patient wants to know before a visit,
    for every page; each is queried only if a page uses it, and the pharmacy's row once."""
    location = SimpleLazyObject(the_pharmacy)
    return {"pharmacy": location, "visit": SimpleLazyObject(lambda: visit_information(location=location))}

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .health import broker_status, cache_status, database_status


@never_cache
def healthz(request):
    status = {"database": database_status(), "broker": broker_status(), "cache": cache_status()}
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)

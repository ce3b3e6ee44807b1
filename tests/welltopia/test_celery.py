from welltopia.celery import ping


def test_a_real_worker_consumes_a_task_from_the_broker(celery_worker_process, settings):
    result = ping.delay()

    assert result.get(timeout=60) == "pong"
    assert celery_worker_process.poll() is None, "the worker should still be running"


def test_the_round_trip_goes_through_redis_in_ci(on_redis, celery_worker_process):
    import redis

    result = ping.delay()
    assert result.get(timeout=60) == "pong"
    # The queue lives on the Redis server and is empty again once the worker took the task.
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0

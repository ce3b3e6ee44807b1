"""A worker must outlive a Redis outage (kombu 5.7.0 bug workaround).

When the connection to Redis drops while a message is delivered but not yet acknowledged, the
worker's consumer closes the channel, and closing tries to put the unacknowledged messages back
through a connection that is already released: kombu's Redis transport reads ``hostname`` from
``None``, the AttributeError is not one Celery treats as recoverable, and the worker exits instead
of reconnecting (seen in tests/reliability/test_redis_outage.py; the same failure class is
reported upstream, e.g. celery/celery#10205, celery/kombu#2007).

Giving up on that restore is safe here. The messages stay in Redis' unacknowledged set if Redis
kept them and come back after the visibility timeout; if Redis lost them, the outbox scan sends
every email that was not marked sent (consultations/notifications). Remove this when kombu
handles a released connection in ``restore_unacked``.
"""

import logging

from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)
_restore_unacked = kombu_redis.QoS.restore_unacked


def restore_unacked_unless_released(self, client=None):
    try:
        return _restore_unacked(self, client)
    except AttributeError:
        if self.channel.connection is not None and self.channel.connection.client is not None:
            raise  # not the released-connection case
        logger.warning("broker connection already released; unacknowledged messages left to Redis and the outbox scan")
        return None


def install() -> None:
    kombu_redis.QoS.restore_unacked = restore_unacked_unless_released

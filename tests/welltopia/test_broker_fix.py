"""The worker outlives a Redis connection that drops with a message delivered but not acknowledged."""

import logging
from types import SimpleNamespace

import pytest
from kombu.transport import redis as kombu_redis

import welltopia.celery  # noqa: F401  (installs the fix, as every worker does)
from welltopia.broker_fix import restore_unacked_unless_released


def released_channel_qos():
    """A QoS whose channel's connection was released (client None), holding one delivered message."""
    qos = kombu_redis.QoS.__new__(kombu_redis.QoS)
    connection = SimpleNamespace(client=None, default_port=6379)
    qos.channel = kombu_redis.Channel.__new__(kombu_redis.Channel)
    qos.channel.connection = connection
    qos.channel._pool = None
    qos.channel.connection_class = None
    qos._delivered = {"tag-1": object()}
    return qos


def test_the_fix_is_what_workers_run():
    assert kombu_redis.QoS.restore_unacked is restore_unacked_unless_released


def test_restoring_through_a_released_connection_is_given_up_with_a_warning(caplog):
    qos = released_channel_qos()
    with caplog.at_level(logging.WARNING, logger="welltopia.broker_fix"):
        assert qos.restore_unacked() is None
    assert "already released" in caplog.text


def test_any_other_attribute_error_still_raises(monkeypatch):
    qos = released_channel_qos()
    qos.channel.connection = SimpleNamespace(client=SimpleNamespace(), default_port=6379)

    def broken(self, client=None):
        raise AttributeError("something else")

    monkeypatch.setattr("welltopia.broker_fix._restore_unacked", broken)
    with pytest.raises(AttributeError, match="something else"):
        qos.restore_unacked()

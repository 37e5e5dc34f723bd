"""EntityRouter: streams to entities, unknown streams."""

from __future__ import annotations

import pytest

from api_target_kit.errors import ConfigurationError, DeliveryError, UnknownStreamError
from api_target_kit.routing import EntityRouter

ENTITIES = ("customers", "orders")


def test_identity() -> None:
    router = EntityRouter(ENTITIES)
    assert router.entity_for("customers") == "customers"
    assert router.entity_for("orders") == "orders"


def test_mapping() -> None:
    router = EntityRouter(ENTITIES, {"shop_users": "customers", "sales": "orders"})
    assert router.entity_for("shop_users") == "customers"
    assert router.entity_for("sales") == "orders"
    assert router.entity_for("customers") == "customers"


def test_mapping_wins_over_identity() -> None:
    router = EntityRouter(ENTITIES, {"orders": "customers"})
    assert router.entity_for("orders") == "customers"


def test_unknown_stream_fails_naming_stream_and_entities() -> None:
    router = EntityRouter(ENTITIES)
    with pytest.raises(UnknownStreamError) as caught:
        router.entity_for("invoices")
    message = str(caught.value)
    assert isinstance(caught.value, DeliveryError)
    assert "'invoices'" in message
    assert "customers, orders" in message
    assert "unknown_streams: ignore" in message
    assert '{"invoices": "customers"}' in message


def test_unknown_stream_ignored() -> None:
    router = EntityRouter(ENTITIES, unknown_streams="ignore")
    assert router.entity_for("invoices") is None
    assert router.entity_for("orders") == "orders"


def test_mapping_to_a_non_entity_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        EntityRouter(ENTITIES, {"sales": "invoices"})
    message = str(caught.value)
    assert "'sales'" in message
    assert "'invoices'" in message
    assert "customers, orders" in message


def test_bad_unknown_streams_value() -> None:
    with pytest.raises(ConfigurationError, match="'fail' or 'ignore'"):
        EntityRouter(ENTITIES, unknown_streams="skip")

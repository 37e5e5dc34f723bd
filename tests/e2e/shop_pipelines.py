"""The Meltano project of the tap-postgres tests: tap-postgres, one inheriting extractor per target.

This is the configuration the README's "Pairing with a database tap" shows: each target selects
its own tables, routes them with `entities` and shapes them with `stream_maps` (renames,
`__key_properties__` for a renamed key, `__else__: __NULL__`, the view's items rebuilt in each
vendor's item shape). The file is written as JSON, which is YAML too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

#: The tap, pinned: the MeltanoLabs variant from PyPI (`meltanolabs-tap-postgres`).
TAP_PIP_URL = "meltanolabs-tap-postgres==0.10.0"

_INCREMENTAL = {"replication-method": "INCREMENTAL", "replication-key": "updated_at"}

TAP_POSTGRES: dict[str, Any] = {
    "name": "tap-postgres",
    "namespace": "tap_postgres",
    "pip_url": TAP_PIP_URL,
    "executable": "tap-postgres",
    "capabilities": ["catalog", "discover", "state", "about", "stream-maps"],
    "settings": [
        {"name": "host"},
        {"name": "port", "kind": "integer"},
        {"name": "user"},
        {"name": "password", "kind": "string", "sensitive": True},
        {"name": "database"},
        {"name": "filter_schemas", "kind": "array"},
    ],
    "config": {
        "host": "127.0.0.1",
        "port": "$SHOP_PG_PORT",
        "user": "$SHOP_PG_USER",
        "password": "$SHOP_PG_PASSWORD",
        "database": "$SHOP_PG_DATABASE",
        "filter_schemas": ["public"],
    },
    "metadata": {
        "public-customers": _INCREMENTAL,
        "public-products": _INCREMENTAL,
        # A view has no primary key: name it.
        "public-orders_with_items": {**_INCREMENTAL, "table-key-properties": ["id"]},
    },
}

#: Per target: the tables it selects, `entities`, `stream_maps`, and settings for the sandbox run.
TARGETS: dict[str, dict[str, Any]] = {
    "rfmcube": {
        "select": ["public-customers.*", "public-orders_with_items.*"],
        "entities": {"public-customers": "customers", "public-orders_with_items": "orders"},
        "stream_maps": {
            "public-customers": {
                "id": "id",
                "email": "email",
                "firstname": "first_name",
                "lastname": "last_name",
                "createdAt": "created_at",
                "updatedAt": "updated_at",
                "tags": "tags",
                "loyalty_tier": "attributes['loyalty_tier'] if attributes and 'loyalty_tier' in attributes else None",
                "__else__": "__NULL__",
            },
            "public-orders_with_items": {
                "id": "id",
                "customerEmail": "email",
                "amount": "total",
                "status": "status",
                "createdAt": "created_at",
                "updatedAt": "updated_at",
                "items": "[{'product_id': i['sku'], 'name': i['name'], 'quantity': i['quantity'], "
                "'price': i['unit_price']} for i in items]",
                "__else__": "__NULL__",
            },
        },
        "config": {"poll_interval_seconds": 0.1, "poll_max_interval_seconds": 0.5},
    },
    "ecomail": {
        "select": ["public-customers.*", "public-orders_with_items.*"],
        "entities": {"public-customers": "subscribers", "public-orders_with_items": "transactions"},
        "stream_maps": {
            "public-customers": {
                "__key_properties__": ["email"],
                "email": "email",
                "name": "first_name",
                "surname": "last_name",
                "phone": "phone",
                "tags": "tags",
                "__else__": "__NULL__",
            },
            "public-orders_with_items": {
                "__key_properties__": ["order_id"],
                "order_id": "id",
                "email": "email",
                "amount": "total",
                "status": "status",
                "timestamp": "created_at",
                "transaction_items": "[{'code': i['sku'], 'title': i['name'], 'price': i['unit_price'], "
                "'amount': i['quantity']} for i in items]",
                "__else__": "__NULL__",
            },
        },
        "config": {"list_id": "1", "shop": "shop.example.cz"},
    },
    "connectif": {
        "select": ["public-customers.*", "public-products.*", "public-orders_with_items.*"],
        "entities": {
            "public-customers": "contacts",
            "public-products": "products",
            "public-orders_with_items": "purchases",
        },
        "stream_maps": {
            "public-customers": {
                "__key_properties__": ["_email"],
                "_email": "email",
                "_name": "first_name",
                "_surname": "last_name",
                "_mobilePhone": "phone",
                "__else__": "__NULL__",
            },
            "public-products": {
                "__key_properties__": ["productId"],
                "productId": "sku",
                "name": "name",
                "productDetailUrl": "url",
                "unitPrice": "price",
                "__else__": "__NULL__",
            },
            "public-orders_with_items": {
                "__key_properties__": ["purchaseId"],
                "purchaseId": "id",
                "contactEmail": "email",
                "totalPrice": "total",
                "totalQuantity": "quantity",
                "purchaseDate": "created_at",
                "products": "[{'productId': i['sku'], 'quantity': i['quantity'], 'price': i['unit_price']} for i in items]",
                "__else__": "__NULL__",
            },
        },
        "config": {},
    },
}

#: Settings every loader of the test project declares (so that environment variables set them).
_LOADER_SETTINGS = [
    {"name": "api_key", "kind": "string", "sensitive": True},
    {"name": "api_url"},
    {"name": "entities", "kind": "object"},
    {"name": "stream_maps", "kind": "object"},
    {"name": "max_requests_per_minute", "kind": "integer"},
    {"name": "quota_backend_url"},
    {"name": "skip_unchanged", "kind": "boolean"},
    {"name": "ledger_path"},
    {"name": "customer_index_path"},
    {"name": "rejects_path"},
    {"name": "summary_path"},
    {"name": "progress_interval_seconds", "kind": "integer"},
    {"name": "poll_interval_seconds", "kind": "decimal"},
    {"name": "poll_max_interval_seconds", "kind": "decimal"},
    {"name": "list_id"},
    {"name": "shop"},
    {"name": "batch_size_rows", "kind": "integer"},
]


def extractor_name(vendor: str) -> str:
    """The extractor that selects `vendor`'s tables (it inherits from tap-postgres)."""
    return f"tap-shop-{vendor}"


def _loader(vendor: str) -> dict[str, Any]:
    target = TARGETS[vendor]
    return {
        "name": f"target-{vendor}",
        "namespace": f"target_{vendor}",
        "pip_url": f"-e {ROOT / 'api-target-kit'} -e {ROOT / f'target-{vendor}'}",
        "executable": f"target-{vendor}",
        "settings": _LOADER_SETTINGS,
        "config": {
            "entities": target["entities"],
            "stream_maps": target["stream_maps"],
            # The tap re-reads the rows at its bookmark (`>=`): don't send them again.
            "skip_unchanged": True,
            "progress_interval_seconds": 0,
            **target["config"],
        },
    }


def project() -> dict[str, Any]:
    """The whole meltano.yml."""
    extractors = [TAP_POSTGRES] + [
        {"name": extractor_name(vendor), "inherit_from": "tap-postgres", "select": TARGETS[vendor]["select"]}
        for vendor in TARGETS
    ]
    return {
        "project_id": "tap-postgres-pairing-test",
        "send_anonymous_usage_stats": False,
        "default_environment": "test",
        "environments": [{"name": "test"}],
        "plugins": {"extractors": extractors, "loaders": [_loader(vendor) for vendor in TARGETS]},
    }


def write_project(directory: Path) -> None:
    """Write meltano.yml (as JSON, which is YAML) into `directory`."""
    (directory / "meltano.yml").write_text(json.dumps(project(), indent=2, ensure_ascii=False) + "\n")

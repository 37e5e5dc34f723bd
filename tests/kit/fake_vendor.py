"""A tiny vendor target built on the kit, for end-to-end tests against the scripted server.

One entity, `items` (required `sku`; deletes need `sku`). Each batch is one
`POST /items` with `{"upserts": [...], "deletes": [...]}`.

Run as a CLI: `python fake_vendor.py --config config.json --input messages.singer`.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from api_target_kit.dates import to_utc_z
from api_target_kit.json_payload import dumps_bytes
from api_target_kit.records import DELETED_AT, vendor_fields
from api_target_kit.settings import common_settings, properties_schema
from api_target_kit.sink import EntitySink
from api_target_kit.target import ApiTarget
from api_target_kit.validation import EntityRules

NAME = "target-fakevendor"

ITEM_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["sku"],
        "properties": {"sku": {"type": "string", "minLength": 1}},
    },
    delete_keys=("sku",),
)


class ItemsSink(EntitySink):
    """`items`: upserts and deletes in one POST per batch."""

    entity = "items"
    rules = ITEM_RULES

    def deliver(self, context: dict[str, Any]) -> None:
        """POST the batch; count what the vendor confirmed."""
        upserts = [vendor_fields(r) for r in context.get("records", [])]
        deletes = [{"sku": r["sku"], "deleted_at": to_utc_z(r[DELETED_AT])} for r in context.get("deletes", [])]
        if not upserts and not deletes:
            return
        body = {"upserts": upserts, "deletes": deletes}
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/items", body)
        else:
            self.kit.client.request(
                "POST", "/items", data=dumps_bytes(body), headers={"Content-Type": "application/json"}
            )
        self.kit.report.sent(self.stream_name, len(upserts))
        self.kit.report.deleted(self.stream_name, len(deletes))


class TargetFakeVendor(ApiTarget):
    """Loads `items` into the fake vendor."""

    name = NAME
    vendor = "FakeVendor"
    entity_sinks: ClassVar[dict[str, type[EntitySink]]] = {"items": ItemsSink}
    config_jsonschema = properties_schema(
        *common_settings(
            target_name=NAME, default_api_url="https://api.fakevendor.invalid", default_max_requests_per_minute=6000
        )
    )

    def auth_headers(self) -> dict[str, str]:
        """Bearer key on every request."""
        return {"Authorization": f"Bearer {self.config['api_key']}"}


if __name__ == "__main__":
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    TargetFakeVendor.cli()

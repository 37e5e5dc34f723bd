"""`contacts` and `products`: one PATCH per record for small batches, the Import API for large ones.

At 100 requests per minute for the whole account, a record per request loads 6,000 contacts
an hour; one import carries a batch of any size (up to 50 MB of CSV) for a POST and a few
polls. Batches below `bulk_threshold` records go record by record (no polling delay).
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from api_target_kit.concurrency import for_each_concurrently
from target_connectif.base_sink import ConnectifSink
from target_connectif.entities import CONTACT_RULES, CONTACTS, PRODUCT_RULES, PRODUCTS
from target_connectif.import_api import ImportResult
from target_connectif.payloads import contact_body, product_body, unknown_product_fields

DEFAULT_BULK_THRESHOLD = 100
#: Records per drain: large enough that an initial load takes few imports (a 50,000-contact
#: CSV is a few MB, far under the 50 MB file limit).
IMPORT_BATCH_RECORDS = 50_000


class CatalogSink(ConnectifSink):
    """Upserts by PATCH or import; subclasses name the entity, its key and its bodies."""

    MAX_SIZE_DEFAULT = IMPORT_BATCH_RECORDS
    key_field: ClassVar[str]
    import_type: ClassVar[str]

    def deliver(self, context: dict[str, Any]) -> None:
        """Upserts (by import or one by one), then deletes."""
        records = context.get("records", [])
        threshold = int(self.setting("bulk_threshold", DEFAULT_BULK_THRESHOLD))
        if len(records) >= threshold:
            self._import(records)
        else:
            for_each_concurrently(records, self._patch)
        for_each_concurrently(context.get("deletes", []), self.delete)

    def _import(self, records: list[dict[str, Any]]) -> None:
        by_key = {self.key_text(r): r for r in records}
        rows = [{self.key_field: key, **self.body(r)} for key, r in by_key.items()]

        def oversized(row: dict[str, Any], reason: str) -> None:
            self.reject(by_key.pop(str(row[self.key_field])), f"CSV row too large for one import: {reason}")

        results = self.connectif.imports.run(self.import_type, rows, self.key_field, oversized=oversized)
        self._settle(results, by_key)

    def _settle(self, results: list[ImportResult], by_key: dict[str, dict[str, Any]]) -> None:
        refused: set[str] = set()
        for result in results:
            for key, reason in result.failed:
                record = by_key.get(key)
                if record is None:
                    self.logger.warning(
                        "Connectif import %s reports an unknown row %r: %s", result.import_id, key, reason
                    )
                    continue
                refused.add(key)
                self.reject(record, f"Connectif import {result.import_id} refused the row: {reason}")
        self.kit.report.sent(self.stream_name, len(by_key) - len(refused))
        self.connectif.note_import_figures(self.entity, len(by_key))

    def _patch(self, record: dict[str, Any]) -> None:
        path = self.record_path(record)
        if self.send_or_reject(record, lambda: self.call("PATCH", path, self.path_label, body=self.body(record))):
            self.kit.report.sent(self.stream_name)

    def key_text(self, record: dict[str, Any]) -> str:
        """The record's key as text."""
        return str(record[self.key_field]).strip()

    def record_path(self, record: dict[str, Any]) -> str:
        """The record's PATCH/GET/DELETE path."""
        raise NotImplementedError

    path_label: ClassVar[str]

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        """The JSON body (without the key) of a PATCH, also the CSV row of an import."""
        raise NotImplementedError

    def delete(self, record: dict[str, Any]) -> None:
        """What a source delete does at Connectif."""
        raise NotImplementedError


class ContactsSink(CatalogSink):
    """Contacts by e-mail; a delete removes the contact."""

    entity = CONTACTS
    rules = CONTACT_RULES
    entity_key = ("_email",)
    key_field = "_email"
    import_type = "contacts"
    path_label = "/contacts/email/{email}"

    def key_of(self, record: dict[str, Any]) -> Any:
        """E-mails compare case-insensitively."""
        return str(record.get("_email") or "").strip().lower()

    def record_path(self, record: dict[str, Any]) -> str:
        """`/contacts/email/{email}`, percent-encoded."""
        return f"/contacts/email/{quote(self.key_text(record), safe='')}"

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        """System fields and custom field ids."""
        return contact_body(record)

    def delete(self, record: dict[str, Any]) -> None:
        """`DELETE /contacts/email/{email}`; 404 means already gone."""
        status = self.call("DELETE", self.record_path(record), self.path_label, ok=(404,))
        if status == 404:
            self.kit.report.warn(self.stream_name, "delete of a contact Connectif does not have (nothing to do)")
        self.kit.report.deleted(self.stream_name)


class ProductsSink(CatalogSink):
    """Products by the shop's id; Connectif has no product delete, so a delete marks it out of stock."""

    entity = PRODUCTS
    rules = PRODUCT_RULES
    entity_key = ("productId",)
    key_field = "productId"
    import_type = "products"
    path_label = "/products/product-id/{id}"

    def record_path(self, record: dict[str, Any]) -> str:
        """`/products/product-id/{id}`."""
        return f"/products/product-id/{quote(self.key_text(record), safe='')}"

    def body(self, record: dict[str, Any]) -> dict[str, Any]:
        """The documented product fields (others are reported and not sent)."""
        for name in unknown_product_fields(record):
            self.kit.report.warn(self.stream_name, f"field '{name}' is not a Connectif product field (not sent)")
        return product_body(record)

    def delete(self, record: dict[str, Any]) -> None:
        """PATCH `availability: outofstock` (the PATCH needs name, URL and price: read them if missing)."""
        body = product_body(record)
        if not all(body.get(k) is not None for k in ("name", "productDetailUrl", "unitPrice")):
            if self.kit.dry_run:
                self.kit.record_dry_run("GET", self.record_path(record), None)
            else:
                response = self.kit.client.request(
                    "GET", self.record_path(record), endpoint=self.path_label, ok_statuses=(404,)
                )
                if response.status_code == 404:
                    self.kit.report.warn(
                        self.stream_name, "delete of a product Connectif does not have (nothing to do)"
                    )
                    self.kit.report.deleted(self.stream_name)
                    return
                current = response.json()
                body = {
                    k: current.get(k) for k in ("name", "productDetailUrl", "unitPrice") if current.get(k) is not None
                }
        body["availability"] = "outofstock"
        if self.send_or_reject(
            record, lambda: self.call("PATCH", self.record_path(record), self.path_label, body=body)
        ):
            self.kit.report.deleted(self.stream_name)

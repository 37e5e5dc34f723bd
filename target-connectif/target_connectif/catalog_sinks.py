"""`contacts` and `products`: one PATCH per record for small batches, the Import API for large ones.

At 100 requests per minute for the whole account, a record per request loads 6,000 contacts
an hour; one import carries a batch of any size (up to 50 MB of CSV) for a POST and a few
polls. A batch is staged as its import file and is full when that file is (`staged_import.py`):
≈ 410,000 contacts per import. Batches below `bulk_threshold` upserts go record by record (no
polling delay).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.records import SourcedRecord, email_key, is_delete, vendor_fields
from api_target_kit.sent_ledger import payload_digest
from api_target_kit.sink import REJECTED, SUPERSEDED
from api_target_kit.unchanged import SKIPPED as UNCHANGED_SKIPPED
from target_connectif.base_sink import ConnectifSink
from target_connectif.entities import CONTACT_RULES, CONTACTS, PRODUCT_RULES, PRODUCTS
from target_connectif.import_api import ImportResult
from target_connectif.payloads import (
    ContactRows,
    contact_body,
    product_body,
    record_from_csv_row,
    unknown_product_fields,
)
from target_connectif.staged_import import RecordRows, StagedImport, StagedUnchanged

if TYPE_CHECKING:
    from target_connectif.target import TargetConnectif

DEFAULT_BULK_THRESHOLD = 100
#: Records per drain of the coupons sink (a code is a few bytes of CSV).
IMPORT_BATCH_RECORDS = 50_000
#: A safety net only: a contacts or products batch ends when its import file is full.
CATALOG_BATCH_RECORDS = 1_000_000
#: Records a contacts or products batch keeps whole before it drains: deletes, and the upserts
#: of a batch that may still go record by record (one call each: 50,000 take 8 hours at 100/min).
KEPT_RECORDS = 50_000
#: Where a catalog sink keeps its staged import in the SDK's batch context.
STAGED = "staged_import"


class CatalogSink(ConnectifSink):
    """Upserts by PATCH or import; subclasses name the entity, its key and its bodies."""

    MAX_SIZE_DEFAULT = CATALOG_BATCH_RECORDS
    key_field: ClassVar[str]
    import_type: ClassVar[str]
    #: How a record becomes its import row straight from its fields (None: from `body`).
    record_rows: ClassVar[RecordRows | None] = None
    unchanged: StagedUnchanged

    def __init__(
        self, target: TargetConnectif, stream_name: str, schema: dict[str, Any], key_properties: list[str] | None
    ) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.unchanged = StagedUnchanged(target.ledger if self.unchanged.enabled else None, self.entity)
        self._filling: StagedImport | None = None
        #: The SDK's record limit of a batch (`max_size`: `batch_size_rows` or the default, read
        #: when the sink is made), for `is_full` after every record.
        self._max_records = self.max_size

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        """Stage the record: its CSV row (and key), or the delete; a later record of a key replaces it."""
        if record.get(REJECTED):
            return
        stage: StagedImport | None = context.get(STAGED)
        if stage is None:
            threshold = int(self.setting("bulk_threshold", DEFAULT_BULK_THRESHOLD))
            stage = StagedImport(
                self.key_field,
                self.connectif.imports.options.file_bytes,
                keep_records_below=threshold,
                key_of_text=lambda text: self.key_of({self.key_field: text}),
                rows=self.record_rows,
            )
            context[STAGED] = self._filling = stage
        key = self.key_of(record)
        if stage.drop(key):
            self.kit.report.skipped(self.stream_name, SUPERSEDED)
        if is_delete(record):
            stage.deletes[key] = record
            return
        if self.record_rows is not None:
            too_large = stage.add_record(key, self.key_text(record), record, self.body)
        else:
            too_large = stage.add(key, self.key_text(record), self.body(record), record)
        if too_large is not None:
            self.reject(record, f"CSV row too large for one import: {too_large}")
        else:
            if self.unchanged.enabled:
                stage.digests[key] = payload_digest(vendor_fields(record))
            if isinstance(record, SourcedRecord):  # its reject is rebuilt from the import's report
                stage.sources[key] = record.source

    @property
    def is_full(self) -> bool:
        """Full when the import file is (or the records kept whole reach `KEPT_RECORDS`), or at `max_size` records."""
        stage = self._filling
        if stage is not None and stage.full(KEPT_RECORDS):
            return True
        return self.current_size >= self._max_records

    def deliver(self, context: dict[str, Any]) -> None:
        """Upserts (by import, or one by one below `bulk_threshold`), then deletes."""
        stage: StagedImport | None = context.pop(STAGED, None)
        if stage is None:
            return
        if self._filling is stage:
            self._filling = None
        try:
            self._deliver_staged(stage)
        finally:
            stage.close()

    def _deliver_staged(self, stage: StagedImport) -> None:
        by_import = stage.records is None or stage.filled
        if self.unchanged.enabled:
            unchanged = self.unchanged.unchanged_keys(stage.digests)
            if unchanged:
                stage.remove(unchanged)
                self.kit.report.skipped(self.stream_name, UNCHANGED_SKIPPED, len(unchanged))
            self.unchanged.deleted(stage.deletes)
        if by_import:
            if stage.live:
                self._import(stage)
        elif stage.records:
            for_each_concurrently(list(stage.records.values()), self._patch)
        for_each_concurrently(list(stage.deletes.values()), self.delete)

    def _import(self, stage: StagedImport) -> None:
        results = self.connectif.imports.run_files(self.import_type, stage.files(), self.key_field)
        for row, reason in stage.unfit:
            self.reject(self._rebuilt(row, stage), f"CSV row too large for one import: {reason}")
        self._settle(results, stage)

    def _rebuilt(self, row: dict[str, Any], stage: StagedImport) -> dict[str, Any]:
        """The record of a CSV row, for its reject: with the tap's record when stream maps shaped it."""
        record = record_from_csv_row(row, self.schema)
        source = stage.sources.get(self.key_of({self.key_field: row[self.key_field]}))
        return record if source is None else SourcedRecord(record, source)

    def _settle(self, results: list[ImportResult], stage: StagedImport) -> None:
        """Reject the rows the imports refused (the record from the report's row), count the rest sent."""
        refused: set[str] = set()
        for result in results:
            rows = result.failed_rows or [{} for _ in result.failed]
            for (key_text, reason), row in zip(result.failed, rows, strict=True):
                key = self.key_of({self.key_field: key_text})
                if not stage.holds(key):
                    self.logger.warning(
                        "Connectif import %s reports an unknown row %r: %s", result.import_id, key_text, reason
                    )
                    continue
                refused.add(key)
                self.reject(
                    self._rebuilt({**row, self.key_field: key_text}, stage),
                    f"Connectif import {result.import_id} refused the row: {reason}",
                )
        self.kit.report.sent(self.stream_name, stage.rows_written - len(refused))
        self.connectif.note_import_figures(self.entity, stage.rows_written)

    def _patch(self, staged: tuple[dict[str, Any], dict[str, Any]]) -> None:
        record, body = staged
        path = self.record_path(record)
        if self.send_or_reject(record, lambda: self.call("PATCH", path, self.path_label, body=body)):
            self.kit.report.sent(self.stream_name)

    def key_of(self, record: dict[str, Any]) -> Any:
        """The key as Connectif compares it: the key field's text, trimmed."""
        return self.key_text(record)

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
    record_rows = ContactRows()
    path_label = "/contacts/email/{email}"

    def key_of(self, record: dict[str, Any]) -> Any:
        """E-mails compare case-insensitively."""
        return email_key(record.get("_email"))

    def key_text(self, record: dict[str, Any]) -> str:
        """The e-mail as text, trimmed."""
        email = record["_email"]
        return email.strip() if type(email) is str else str(email).strip()

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

"""`purchases`: one `POST /purchases/` each (no bulk path exists), created exactly once.

Re-posting a `purchaseId` is assumed to create a duplicate (vendors/connectif.md §4.3), so:
- the sent ledger knows which purchases Connectif confirmed and what was sent; a purchase
  already there is skipped (`purchase_update_mode: skip`, the default) or, when it changed,
  deleted and created again (`replace`);
- a purchase the ledger does not know is first looked up with `GET /purchases/purchase-id/{id}`
  (`verify_new_purchases`, on by default: a fresh machine or a lost ledger must not post a
  purchase Connectif already has); one it has is skipped, or in `replace` mode compared with
  what would be sent (`purchase_match`) and replaced only when it differs;
- after a timeout or a dropped connection, `GET /purchases/purchase-id/{id}` decides whether
  the POST arrived before it is sent again, once it can no longer be landing late
  (`late_arrival_seconds` after the answer was lost); so it does for a purchase a killed run left
  pending in the ledger (noted when a POST leaves, after its rate-limit slot; confirmed after);
- a purchase's contact and products are confirmed before it (the sink drains them first);
  E0101 (no such contact) creates the contact when `create_missing_contacts`, else rejects.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar
from urllib.parse import quote

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import OutcomeUnknownError, VendorError
from api_target_kit.late_arrival import wait_for_late_arrival
from api_target_kit.records import email_key
from api_target_kit.sent_ledger import PendingMark, payload_digest
from target_connectif.base_sink import ConnectifSink
from target_connectif.entities import CONTACTS, PRODUCTS, PURCHASE_RULES, PURCHASES
from target_connectif.payloads import purchase_body
from target_connectif.purchase_match import same_purchase
from target_connectif.vendor_errors import error_code

CONTACT_MISSING = "E0101"
PRODUCTS_MISSING = "E0102"
UNCHANGED = "unchanged since Connectif confirmed it (not sent again)"
EXISTS = "already at Connectif (purchase_update_mode: skip)"
UNCHANGED_THERE = "already at Connectif as it is now (not sent again)"


class PurchasesSink(ConnectifSink):
    """Purchases by the shop's order id."""

    entity = PURCHASES
    rules = PURCHASE_RULES
    ledger_managed = True  # keeps its own ledger entries: an unchanged one is never sent
    entity_key = ("purchaseId",)
    depends_on: ClassVar[tuple[str, ...]] = (CONTACTS, PRODUCTS)
    refusal_hints: ClassVar[dict[str, str]] = {
        CONTACT_MISSING: "their contacts do not exist at Connectif: load contacts before purchases, "
        "set create_missing_contacts, or check contactEmail",
        PRODUCTS_MISSING: "their products do not exist at Connectif: load products before purchases "
        "or check the product ids",
        "E0103": "their products are on a domain the account does not allow: check the product URLs",
    }
    MAX_SIZE_DEFAULT = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Contacts (lower-cased e-mails) and product ids Connectif said it lacks (E0101, E0102).
        self._missing: dict[str, set[str]] = {CONTACT_MISSING: set(), PRODUCTS_MISSING: set()}
        self._missing_lock = threading.Lock()

    def deliver(self, context: dict[str, Any]) -> None:
        """Deletes, then each purchase once."""
        self._forget_missing_unless_input_ended()
        for_each_concurrently(context.get("deletes", []), self._delete)
        purchases = [(r, purchase_body(r)) for r in context.get("records", [])]
        ids = [b["purchaseId"] for _, b in purchases]
        known = self.connectif.ledger.lookup(self.entity, ids)
        interrupted = self.connectif.ledger.pending(self.entity, ids)
        for_each_concurrently(
            purchases, lambda p: self._upsert(p, known.get(p[1]["purchaseId"]), p[1]["purchaseId"] in interrupted)
        )

    def _upsert(
        self, purchase: tuple[dict[str, Any], dict[str, Any]], confirmed_digest: str | None, interrupted: bool
    ) -> None:
        record, body = purchase
        digest = payload_digest(body)
        replace = self.setting("purchase_update_mode", "skip") == "replace"
        if confirmed_digest is None:
            # Not in the ledger: a new purchase, or one this machine never saw (a lost or fresh ledger).
            if interrupted or self.setting("verify_new_purchases", True):
                found = self._find(body["purchaseId"])
                if found is not None:
                    if interrupted or not replace:
                        # Ours from an interrupted run (it arrived), or one to keep (skip mode).
                        self._confirmed(body["purchaseId"], digest, sent=interrupted)
                    elif same_purchase(body, found):
                        self.connectif.ledger.confirm(self.entity, {body["purchaseId"]: digest})
                        self.kit.report.skipped(self.stream_name, UNCHANGED_THERE)
                    else:
                        self._replace(record, body, digest)
                    return
            self._create(record, body, digest)
            return
        if confirmed_digest == digest:
            self.kit.report.skipped(self.stream_name, UNCHANGED)
        elif not replace:
            self.kit.report.skipped(self.stream_name, EXISTS)
        else:
            self._replace(record, body, digest)

    def _replace(self, record: dict[str, Any], body: dict[str, Any], digest: str) -> None:
        """Delete the purchase Connectif has, then create it as it is now."""
        self.call("DELETE", self._path(body["purchaseId"]), "/purchases/purchase-id/{id}", ok=(404,))
        self._create(record, body, digest)

    def _create(
        self, record: dict[str, Any], body: dict[str, Any], digest: str, *, contact_created: bool = False
    ) -> None:
        trigger = "true" if self.setting("trigger_purchase_event", True) else "false"
        path = f"/purchases/?triggerPurchaseEvent={trigger}"
        if self._reject_if_known_missing(record, body):
            return
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", path, body)
            self.kit.report.sent(self.stream_name)
            return
        mark = PendingMark(self.connectif.ledger, self.entity, {body["purchaseId"]: digest})
        try:
            self.kit.client.request("POST", path, json_body=body, idempotent=False, endpoint="/purchases/", mark=mark)
        except OutcomeUnknownError:
            wait_for_late_arrival(self.config, self.kit.report)
            if self._exists(body["purchaseId"]):
                self.logger.info("Purchase %s arrived although its answer was lost; not sent again", body["purchaseId"])
            else:
                self._create(record, body, digest, contact_created=contact_created)
                return
        except VendorError as exc:
            if exc.status not in self.refused_statuses:
                raise
            if (
                error_code(exc) == CONTACT_MISSING
                and self.setting("create_missing_contacts", False)
                and not contact_created
            ):
                email = quote(str(body["contactEmail"]).strip(), safe="")
                self.call("PATCH", f"/contacts/email/{email}", "/contacts/email/{email}", body={})
                self.kit.report.warn(self.stream_name, "contact created from the purchase's e-mail (E0101)")
                self._create(record, body, digest, contact_created=True)
                return
            self.connectif.ledger.forget(self.entity, [body["purchaseId"]])
            self._note_missing(body, exc)
            self.vendor_refused(record, exc)
            return
        self.kit.refusals.accepted(self.stream_name)
        self._confirmed(body["purchaseId"], digest, sent=True)

    # prerequisites Connectif lacks -------------------------------------------------------

    def _forget_missing_unless_input_ended(self) -> None:
        """While the input goes on, a missing contact or product may still arrive: forget what was missing."""
        if not self.api_target.input_ended:
            with self._missing_lock:
                for missing in self._missing.values():
                    missing.clear()

    def _note_missing(self, body: dict[str, Any], exc: VendorError) -> None:
        """Remember the contact (E0101) or products (E0102) Connectif said it lacks."""
        code = error_code(exc)
        if code == CONTACT_MISSING:
            ids = [email_key(body["contactEmail"])]
        elif code == PRODUCTS_MISSING:
            details: Any = exc.json()
            ids = (
                [str(i) for i in (details.get("productIds") or []) if i is not None]
                if isinstance(details, dict)
                else []
            )
        else:
            return
        with self._missing_lock:
            self._missing[code].update(ids)

    def _reject_if_known_missing(self, record: dict[str, Any], body: dict[str, Any]) -> bool:
        """Reject, without a call, a purchase whose contact or products Connectif already said it lacks.

        Only for what cannot arrive any more in this run: the input has ended and the contacts and
        products were drained before the purchases (see `ApiTarget.must_hold`).
        """
        with self._missing_lock:
            contact = email_key(body["contactEmail"])
            no_contact = contact in self._missing[CONTACT_MISSING]
            products = [str(p.get("productId")) for p in body.get("products") or [] if isinstance(p, dict)]
            no_products = [p for p in dict.fromkeys(products) if p in self._missing[PRODUCTS_MISSING]]
        if no_products:
            self.reject(
                record,
                "field 'products': not sent, Connectif refused these products for an earlier purchase of this run "
                f"({PRODUCTS_MISSING} Products do not exist; load them before purchases): {', '.join(no_products)}",
            )
        elif no_contact:
            self.reject(
                record,
                "field 'contactEmail': not sent, Connectif refused this contact for an earlier purchase of this run "
                f"({CONTACT_MISSING} Contact does not exist; load contacts before purchases): {contact}",
            )
        else:
            return False
        return True

    def _confirmed(self, purchase_id: str, digest: str, *, sent: bool) -> None:
        self.connectif.ledger.confirm(self.entity, {purchase_id: digest})
        if sent:
            self.kit.report.sent(self.stream_name)
        else:
            self.kit.report.skipped(self.stream_name, EXISTS)

    def _exists(self, purchase_id: str) -> bool:
        return self._find(purchase_id) is not None

    def _find(self, purchase_id: str) -> dict[str, Any] | None:
        """`GET /purchases/purchase-id/{id}`: the purchase Connectif has, None when it has none.

        Paced by the same budget as every call. A dry run writes the GET down and assumes none.
        """
        path = self._path(purchase_id)
        if self.kit.dry_run:
            self.kit.record_dry_run("GET", path, None)
            return None
        response = self.kit.client.request("GET", path, endpoint="/purchases/purchase-id/{id}", ok_statuses=(404,))
        if response.status_code == 404:
            return None
        found = response.json()
        return found if isinstance(found, dict) else {}

    def _delete(self, record: dict[str, Any]) -> None:
        purchase_id = str(record["purchaseId"]).strip()
        status = self.call("DELETE", self._path(purchase_id), "/purchases/purchase-id/{id}", ok=(404,))
        if status == 404:
            self.kit.report.warn(self.stream_name, "delete of a purchase Connectif does not have (nothing to do)")
        if not self.kit.dry_run:
            self.connectif.ledger.forget(self.entity, [purchase_id])
        self.kit.report.deleted(self.stream_name)

    @staticmethod
    def _path(purchase_id: str) -> str:
        return f"/purchases/purchase-id/{quote(purchase_id, safe='')}"

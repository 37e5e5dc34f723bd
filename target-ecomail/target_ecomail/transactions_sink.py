"""`transactions`: new orders in bulk (1,000 per call), changed ones replaced, none ever twice.

Whether Ecomail deduplicates a re-sent order is not documented, so a re-send is assumed to
create a duplicate (vendors/ecomail.md §4.2). The sent ledger knows which orders Ecomail
confirmed and the digest of what was sent:
- not in the ledger: new, `POST /tracker/transaction-bulk` (or one `POST /tracker/transaction`
  each when "makes an order" automations must fire);
- in the ledger, same digest: unchanged, not sent;
- in the ledger, another digest: `PUT /tracker/transaction/{order_id}` (the whole order).
A ledger that had no order when the run began (created by it, or left empty by a dry run) knows
nothing yet: unless `verify_new_transactions` says otherwise, the orders it does not know are
looked up in Ecomail's order listing first (`order_lookup`); those Ecomail has are PUT (200:
replaced; 404: created), the others created.
A bulk call whose answer was lost is never sent again blindly: once it can no longer be
landing late (`late_arrival_seconds` after the answer was lost), its first and last orders are PUT.
Ecomail takes or refuses a bulk call whole, so both there means it arrived, neither means it
did not (it is sent again); one of them, every order is PUT (200: it arrived; 404: it is
created). Orders a killed run left pending in the ledger (noted when a create call leaves, after
its rate-limit slot; confirmed after the answer) are each PUT the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from api_target_kit.bulk_isolation import send_isolating_refusals
from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import OutcomeUnknownError, VendorError
from api_target_kit.late_arrival import wait_for_late_arrival
from api_target_kit.sent_ledger import PendingMark, payload_digest
from target_ecomail.base_sink import EcomailSink
from target_ecomail.entities import TRANSACTION_RULES, TRANSACTIONS
from target_ecomail.payloads import transaction_body, unsent_item_fields, unsent_transaction_fields
from target_ecomail.vendor_errors import refusal_reason

#: Documented: "Limited to 1000 transactions per request" (bulk create and bulk delete).
TRANSACTION_BULK_MAX = 1000
UNCHANGED = "unchanged since Ecomail confirmed it (not sent again)"
#: The warning for a `currency` field: the one a shop most expects Ecomail to keep.
CURRENCY_NOT_SENT = (
    "field 'currency' is not sent: Ecomail transactions have no currency field; "
    "amounts must be in the shop's currency (convert them before loading)"
)

Order = tuple[dict[str, Any], dict[str, Any], str]  # record, body, digest


class TransactionsSink(EcomailSink):
    """Orders with their items; deletes in bulk."""

    entity = TRANSACTIONS
    rules = TRANSACTION_RULES
    ledger_managed = True  # keeps its own ledger entries: an unchanged one is never sent
    entity_key = ("order_id",)
    depends_on = ("subscribers",)
    #: Ecomail takes orders of e-mails that are not contacts (vendors/ecomail.md): never held.
    waits_for_prerequisites = False
    MAX_SIZE_DEFAULT = 10 * TRANSACTION_BULK_MAX

    def deliver(self, context: dict[str, Any]) -> None:
        """Deletes, then new orders, then changed orders."""
        knew_no_orders = self.ecomail.ledger_knew_no_orders  # read before this run confirms any
        self._delete(context.get("deletes", []))
        shop = self.setting("shop")
        orders: list[Order] = []
        self._warn_unsent_fields(context.get("records", []))
        for record in context.get("records", []):
            body = transaction_body(record, shop)
            orders.append((record, body, payload_digest(body)))
        ids = [o[1]["transaction"]["order_id"] for o in orders]
        known = self.ecomail.ledger.lookup(self.entity, ids)
        interrupted = self.ecomail.ledger.pending(self.entity, ids)
        new: list[Order] = []
        uncertain: list[Order] = []
        changed: list[Order] = []
        for order in orders:
            order_id = order[1]["transaction"]["order_id"]
            digest = known.get(order_id)
            if digest is None:
                (uncertain if order_id in interrupted else new).append(order)
            elif digest == order[2]:
                self.kit.report.skipped(self.stream_name, UNCHANGED)
            else:
                changed.append(order)
        verify = self.setting("verify_new_transactions")  # None (unset): look up when the ledger is new
        if verify:
            uncertain, new = uncertain + new, []
        elif verify is None and new and knew_no_orders:
            found = self.ecomail.order_lookup.present([o[1] for o in new])
            uncertain += [o for o in new if o[1]["transaction"]["order_id"] in found]
            new = [o for o in new if o[1]["transaction"]["order_id"] not in found]
        elif new and knew_no_orders and not self.kit.dry_run:
            self._warn_fresh_ledger()
        # Orders that may be at Ecomail already: PUT them; those it does not have are new.
        absent: list[Order] = []
        for_each_concurrently(uncertain, lambda o: None if self._replace(o) else absent.append(o))
        new += absent
        if self.setting("trigger_order_automations", False):
            for_each_concurrently(new, self._create_one)
        else:
            self._create_bulk(new)
        for_each_concurrently(changed, lambda o: self._replace(o) or self._create_one(o))

    def _warn_fresh_ledger(self) -> None:
        """Once per run: orders are created unchecked although the ledger knows none (see README)."""
        if self._fresh_ledger_warned:
            return
        self._fresh_ledger_warned = True
        message = (
            "the ledger (ledger_path) is new or has no orders and verify_new_transactions is false, so orders "
            "missing from it are created without checking Ecomail: orders Ecomail already has are duplicated. On a "
            "first run on a new machine into an account that has them, leave verify_new_transactions unset (the "
            "orders are looked up in Ecomail's order listing)"
        )
        self.logger.warning(message)
        self.kit.report.warn(self.stream_name, message)

    _fresh_ledger_warned = False

    def _warn_unsent_fields(self, records: list[dict[str, Any]]) -> None:
        """One warning per field name the batch's orders (or their items) carry that Ecomail has no place for."""
        if not records:
            return
        for name in unsent_transaction_fields(set().union(*records)):
            self.kit.report.warn(
                self.stream_name,
                CURRENCY_NOT_SENT
                if name == "currency"
                else f"field '{name}' is not an Ecomail transaction field (not sent)",
            )
        items = [i for r in records for i in r.get("transaction_items") or () if isinstance(i, dict)]
        for name in unsent_item_fields(set().union(*items)) if items else ():
            self.kit.report.warn(
                self.stream_name, f"item field '{name}' is not an Ecomail transaction item field (not sent)"
            )

    # new orders ----------------------------------------------------------------------

    def _create_bulk(self, orders: list[Order]) -> None:
        def send(chunk: Sequence[Order]) -> None:
            body = {"transaction_data": [o[1] for o in chunk]}
            if self.kit.dry_run:
                self.kit.record_dry_run("POST", "/tracker/transaction-bulk", body)
            else:
                try:
                    self.kit.client.request(
                        "POST",
                        "/tracker/transaction-bulk",
                        json_body=body,
                        idempotent=False,
                        endpoint="/tracker/transaction-bulk",
                        mark=self._mark(chunk),
                    )
                except OutcomeUnknownError:
                    self.logger.warning(
                        "The answer to a transaction-bulk call of %d orders was lost; checking whether it arrived",
                        len(chunk),
                    )
                    wait_for_late_arrival(self.config, self.kit.report)
                    self._settle_lost_bulk(chunk, send)
                    return
            self._confirmed(chunk)

        def refuse(order: Order, exc: VendorError) -> None:
            self.ecomail.ledger.forget(self.entity, [order[1]["transaction"]["order_id"]])
            self.reject(order[0], refusal_reason(exc))

        for start in range(0, len(orders), TRANSACTION_BULK_MAX):
            send_isolating_refusals(orders[start : start + TRANSACTION_BULK_MAX], send, refuse, statuses=(422,))

    def _settle_lost_bulk(self, chunk: Sequence[Order], resend: Callable[[Sequence[Order]], None]) -> None:
        """Whether a bulk call whose answer was lost arrived, from its first and last orders (see above)."""
        ends = [chunk[0]] if len(chunk) == 1 else [chunk[0], chunk[-1]]
        found = [self._replace(order) for order in ends]
        if all(found):
            self._confirmed(chunk[1:-1])
        elif not any(found):
            resend(chunk)
        else:
            for_each_concurrently([o for o, there in zip(ends, found, strict=True) if not there], self._create_one)
            for_each_concurrently(chunk[1:-1], lambda o: self._replace(o) or self._create_one(o))

    def _create_one(self, order: Order) -> bool:
        """`POST /tracker/transaction` (fires "makes an order"); after a lost answer, PUT decides."""
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", "/tracker/transaction", order[1])
            self._confirmed([order])
            return True
        try:
            self.kit.client.request(
                "POST",
                "/tracker/transaction",
                json_body=order[1],
                idempotent=False,
                endpoint="/tracker/transaction",
                mark=self._mark([order]),
            )
        except OutcomeUnknownError:
            wait_for_late_arrival(self.config, self.kit.report)
            return self._replace(order) or self._create_one(order)
        except VendorError as exc:
            if exc.status != 422:
                raise
            self.ecomail.ledger.forget(self.entity, [order[1]["transaction"]["order_id"]])
            self.reject(order[0], refusal_reason(exc))
            return True
        self._confirmed([order])
        return True

    # changed orders ------------------------------------------------------------------

    def _replace(self, order: Order) -> bool:
        """`PUT /tracker/transaction/{order_id}` with the whole order; False when Ecomail has no such order."""
        order_id = order[1]["transaction"]["order_id"]
        path = f"/tracker/transaction/{quote(order_id, safe='')}"
        if self.kit.dry_run:
            self.kit.record_dry_run("PUT", path, order[1])
            self._confirmed([order])
            return True
        try:
            response = self.kit.client.request(
                "PUT", path, json_body=order[1], ok_statuses=(404,), endpoint="/tracker/transaction/{order_id}"
            )
        except VendorError as exc:
            if exc.status != 422:
                raise
            self.reject(order[0], refusal_reason(exc))
            return True
        if response.status_code == 404:
            return False
        self._confirmed([order])
        return True

    def _mark(self, orders: Sequence[Order]) -> PendingMark:
        """The ledger's pending marks of these orders, written when their create call leaves (see above)."""
        return PendingMark(self.ecomail.ledger, self.entity, {o[1]["transaction"]["order_id"]: o[2] for o in orders})

    def _confirmed(self, orders: Sequence[Order]) -> None:
        if not self.kit.dry_run:
            self.ecomail.ledger.confirm(self.entity, {o[1]["transaction"]["order_id"]: o[2] for o in orders})
        self.kit.report.sent(self.stream_name, len(orders))

    # deletes -------------------------------------------------------------------------

    def _delete(self, records: list[dict[str, Any]]) -> None:
        shop = self.setting("shop")
        for start in range(0, len(records), TRANSACTION_BULK_MAX):
            chunk = records[start : start + TRANSACTION_BULK_MAX]
            items = []
            for record in chunk:
                item = {"order_id": str(record["order_id"])}
                if record.get("shop") or shop:
                    item["shop"] = str(record.get("shop") or shop)
                items.append(item)
            body = {"transaction_data": items}
            if self.kit.dry_run:
                self.kit.record_dry_run("DELETE", "/tracker/transaction/delete-bulk", body)
            else:
                self.kit.client.request(
                    "DELETE",
                    "/tracker/transaction/delete-bulk",
                    json_body=body,
                    endpoint="/tracker/transaction/delete-bulk",
                )
                self.ecomail.ledger.forget(self.entity, [i["order_id"] for i in items])
            self.kit.report.deleted(self.stream_name, len(chunk))

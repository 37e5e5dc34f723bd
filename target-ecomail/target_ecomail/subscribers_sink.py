"""`subscribers`: contacts in a list, 3,000 per `subscribe-bulk` call (or one by one for double opt-in)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from api_target_kit.bulk_isolation import send_isolating_refusals
from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import VendorError
from api_target_kit.records import email_key
from target_ecomail.base_sink import EcomailSink
from target_ecomail.entities import SUBSCRIBER_RULES, SUBSCRIBERS
from target_ecomail.payloads import subscriber_data, unsent_subscriber_fields
from target_ecomail.vendor_errors import refusal_reason

#: subscribe-bulk silently ignores items past 3,000 (docs `lists/subscribe-bulk`): never send more.
SUBSCRIBE_BULK_MAX = 3000


class SubscribersSink(EcomailSink):
    """Upserts through `POST /lists/{id}/subscribe-bulk`; deletes unsubscribe (or erase)."""

    entity = SUBSCRIBERS
    rules = SUBSCRIBER_RULES
    entity_key = ("email",)
    #: Three full subscribe-bulk calls per drain.
    MAX_SIZE_DEFAULT = 3 * SUBSCRIBE_BULK_MAX

    def key_of(self, record: dict[str, Any]) -> Any:
        """Ecomail matches e-mails case-insensitively."""
        return email_key(record.get("email"))

    def deliver(self, context: dict[str, Any]) -> None:
        """Upserts per list in bulk (or one by one), then deletes."""
        by_list: dict[str, list[dict[str, Any]]] = defaultdict(list)
        default_list = self.setting("list_id")
        for record in context.get("records", []):
            list_id = self._list_id(record, default_list)
            if list_id is not None:
                by_list[list_id].append(record)
        for list_id, records in by_list.items():
            self._warn_unsent_fields(records)
            if self.setting("double_opt_in", False):
                for_each_concurrently([(list_id, r) for r in records], self._subscribe_one)
            else:
                self._subscribe_bulk(list_id, records)
        erase = self.setting("delete_mode", "unsubscribe") == "erase"
        deletes = [(None if erase else self._list_id(r, default_list), r) for r in context.get("deletes", [])]
        for_each_concurrently([d for d in deletes if erase or d[0] is not None], self._delete)

    def _list_id(self, record: dict[str, Any], default_list: Any) -> str | None:
        """The record's list (else the `list_id` setting, `default_list`); None, and rejected, if neither."""
        list_id = record.get("list_id") or default_list
        if list_id in (None, ""):
            self.reject(record, "no list to load into: field 'list_id' is empty and the list_id setting is not set")
            return None
        return str(list_id)

    def _warn_unsent_fields(self, records: list[dict[str, Any]]) -> None:
        """One warning per field name, over the names the batch's records carry."""
        for name in unsent_subscriber_fields(set().union(*records)):
            self.kit.report.warn(self.stream_name, f"field '{name}' is not an Ecomail subscriber field (not sent)")

    def _subscribe_bulk(self, list_id: str, records: list[dict[str, Any]]) -> None:
        size = min(int(self.setting("subscribe_bulk_size", SUBSCRIBE_BULK_MAX)), SUBSCRIBE_BULK_MAX)
        path = f"/lists/{quote(list_id, safe='')}/subscribe-bulk"
        flags = {
            "update_existing": bool(self.setting("update_existing", True)),
            "resubscribe": bool(self.setting("resubscribe", False)),
            "trigger_autoresponders": bool(self.setting("trigger_autoresponders", False)),
        }

        def send(chunk: Sequence[dict[str, Any]]) -> None:
            body = {"subscriber_data": [subscriber_data(r) for r in chunk], **flags}
            if self.kit.dry_run:
                self.kit.record_dry_run("POST", path, body)
            else:
                self.kit.client.request("POST", path, json_body=body, endpoint="/lists/{id}/subscribe-bulk")
            self.kit.report.sent(self.stream_name, len(chunk))

        def refuse(record: dict[str, Any], exc: VendorError) -> None:
            self.reject(record, refusal_reason(exc))

        for start in range(0, len(records), size):
            send_isolating_refusals(records[start : start + size], send, refuse, statuses=(422,))

    def _subscribe_one(self, item: tuple[str, dict[str, Any]]) -> None:
        """Double opt-in: `POST /lists/{id}/subscribe` with `skip_confirmation: false`."""
        list_id, record = item
        path = f"/lists/{quote(list_id, safe='')}/subscribe"
        body = {
            "subscriber_data": subscriber_data(record),
            "update_existing": bool(self.setting("update_existing", True)),
            "resubscribe": bool(self.setting("resubscribe", False)),
            "trigger_autoresponders": bool(self.setting("trigger_autoresponders", False)),
            "skip_confirmation": False,
        }
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", path, body)
        elif not self.send_or_reject(
            record, lambda: self.kit.client.request("POST", path, json_body=body, endpoint="/lists/{id}/subscribe")
        ):
            return
        self.kit.report.sent(self.stream_name)

    def _delete(self, item: tuple[str | None, dict[str, Any]]) -> None:
        list_id, record = item
        email = str(record["email"]).strip()
        if list_id is None:  # delete_mode: erase (GDPR): from the account and every list
            path, body, label = f"/subscribers/{quote(email, safe='')}/delete", None, "/subscribers/{email}/delete"
        else:
            path, body, label = (
                f"/lists/{quote(list_id, safe='')}/unsubscribe",
                {"email": email},
                "/lists/{id}/unsubscribe",
            )
        if self.kit.dry_run:
            self.kit.record_dry_run("DELETE", path, body)
        else:
            response = self.kit.client.request("DELETE", path, json_body=body, endpoint=label, ok_statuses=(404,))
            if response.status_code == 404:
                self.kit.report.warn(self.stream_name, "delete of a subscriber Ecomail does not have (nothing to do)")
        self.kit.report.deleted(self.stream_name)

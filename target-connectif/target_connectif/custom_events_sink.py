"""`custom_events`: `POST /custom-events/alias/{alias}`, one per event, each sent once."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import OutcomeUnknownError
from api_target_kit.sent_ledger import payload_digest
from target_connectif.base_sink import ConnectifSink
from target_connectif.entities import CONTACTS, CUSTOM_EVENT_RULES, CUSTOM_EVENTS, EVENT_ALIAS_FIELD
from target_connectif.payloads import custom_event_body

ALREADY_SENT = "already confirmed by Connectif in an earlier run (an event is sent once)"


class CustomEventsSink(ConnectifSink):
    """Events of a custom event type, after the contacts of the drain."""

    entity = CUSTOM_EVENTS
    rules = CUSTOM_EVENT_RULES
    depends_on: ClassVar[tuple[str, ...]] = (CONTACTS,)
    MAX_SIZE_DEFAULT = 1000

    def deliver(self, context: dict[str, Any]) -> None:
        """Send the events the ledger has not seen."""
        if context.get("deletes"):
            self.kit.report.skipped(
                self.stream_name, "delete of a custom event: an event cannot be undone", len(context["deletes"])
            )
        events = []
        for record in context.get("records", []):
            alias = record.get(EVENT_ALIAS_FIELD) or self.setting("custom_event_alias")
            if not alias:
                self.reject(
                    record, "no event type: field 'alias' is empty and the custom_event_alias setting is not set"
                )
                continue
            body = custom_event_body(record)
            key = (
                "|".join(str(record.get(k)) for k in self.key_properties)
                if self.key_properties
                else payload_digest([alias, body])
            )
            events.append((record, str(alias), body, key))
        sent = self.connectif.ledger.lookup(self.entity, [e[3] for e in events])
        fresh = {}
        for event in events:
            if event[3] in sent or event[3] in fresh:
                self.kit.report.skipped(self.stream_name, ALREADY_SENT)
            else:
                fresh[event[3]] = event
        for_each_concurrently(fresh.values(), self._send)

    def _send(self, event: tuple[dict[str, Any], str, dict[str, Any], str]) -> None:
        record, alias, body, key = event
        create = "true" if self.setting("create_contact_for_events", False) else "false"
        path = f"/custom-events/alias/{quote(alias, safe='')}?createContact={create}"
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", path, body)
            self.kit.report.sent(self.stream_name)
            return

        def send() -> None:
            try:
                self.kit.client.request(
                    "POST", path, json_body=body, idempotent=False, endpoint="/custom-events/alias/{alias}"
                )
            except OutcomeUnknownError:
                self.kit.report.warn(self.stream_name, "answer lost; sent again (may be recorded twice)")
                send()

        if self.or_reject(record, send):
            self.connectif.ledger.confirm(self.entity, {key: payload_digest(body)})
            self.kit.report.sent(self.stream_name)

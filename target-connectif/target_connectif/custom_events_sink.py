"""`custom_events`: `POST /custom-events/alias/{alias}`, one per event, each sent once."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from api_target_kit.actions import ActionSink
from target_connectif.base_sink import ConnectifSink
from target_connectif.entities import CONTACTS, CUSTOM_EVENT_RULES, CUSTOM_EVENTS, EVENT_ALIAS_FIELD
from target_connectif.payloads import custom_event_body


class CustomEventsSink(ActionSink, ConnectifSink):
    """Events of a custom event type, after the contacts of the drain (see `api_target_kit.actions`).

    At least once: when an answer is lost the event is sent again (Connectif documents no
    way to look an event up), which may record it twice.
    """

    entity = CUSTOM_EVENTS
    rules = CUSTOM_EVENT_RULES
    depends_on = (CONTACTS,)
    endpoint = "/custom-events/alias/{alias}"
    refused_statuses = (400, 404, 413, 422)

    def action(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The alias from the record's `alias` field or the setting; the body is the rest."""
        alias = record.get(EVENT_ALIAS_FIELD) or self.setting("custom_event_alias")
        if not alias:
            self.reject(record, "no event type: field 'alias' is empty and the custom_event_alias setting is not set")
            return None
        create = "true" if self.setting("create_contact_for_events", False) else "false"
        return f"/custom-events/alias/{quote(str(alias), safe='')}?createContact={create}", custom_event_body(record)

    def ledger_key(self, record: dict[str, Any], body: dict[str, Any]) -> str:
        """Key properties, else the alias and the event's content."""
        if self.key_properties:
            return super().ledger_key(record, body)
        return super().ledger_key(record, {"alias": record.get(EVENT_ALIAS_FIELD), **body})

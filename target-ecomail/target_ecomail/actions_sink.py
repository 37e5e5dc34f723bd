"""Events and automation triggers: actions, not state, each sent once (see `api_target_kit.actions`)."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from api_target_kit.actions import ActionSink
from target_ecomail.base_sink import EcomailSink
from target_ecomail.entities import AUTOMATION_TRIGGERS, EVENT_RULES, EVENTS, SUBSCRIBERS, TRIGGER_RULES
from target_ecomail.payloads import event_body

#: What to do when Ecomail keeps refusing events or triggers (it refuses those of unknown e-mails with 422).
NOT_CONTACTS_HINT = (
    "are the e-mails Ecomail contacts? Load subscribers before events and triggers, or check the reasons"
)


class EventsSink(ActionSink, EcomailSink):
    """`POST /tracker/events`, one per event, after the subscribers of the drain.

    At least once: when an answer is lost the event is sent again (Ecomail has no way to
    look an event up), which may record it twice.
    """

    entity = EVENTS
    rules = EVENT_RULES
    depends_on = (SUBSCRIBERS,)
    refusal_hints: ClassVar[dict[str, str]] = {"HTTP 422": NOT_CONTACTS_HINT}
    endpoint = "/tracker/events"

    def action(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The event body."""
        return "/tracker/events", event_body(record)


class AutomationTriggersSink(ActionSink, EcomailSink):
    """`POST /pipelines/{id}/trigger` with the contact's e-mail: at most once, never twice.

    When an answer is lost the trigger is not sent again: it goes to the rejects file with
    what to check, because running an automation twice sends its e-mails twice.
    """

    entity = AUTOMATION_TRIGGERS
    rules = TRIGGER_RULES
    depends_on = (SUBSCRIBERS,)
    refusal_hints: ClassVar[dict[str, str]] = {"HTTP 422": NOT_CONTACTS_HINT}
    endpoint = "/pipelines/{id}/trigger"
    resend_when_unknown = False

    def action(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The trigger call."""
        pipeline = quote(str(record["pipeline_id"]), safe="")
        return f"/pipelines/{pipeline}/trigger", {"email": str(record["email"]).strip()}

    def ledger_key(self, record: dict[str, Any], body: dict[str, Any]) -> str:
        """Key properties, else pipeline and e-mail: one run per contact and automation."""
        if self.key_properties:
            return super().ledger_key(record, body)
        return f"{record['pipeline_id']}|{body['email'].lower()}"

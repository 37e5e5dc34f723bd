"""Events and automation triggers: actions, not state. Each fires once, whatever is replayed.

Re-sending an event records it twice; re-sending a trigger runs the automation again
(vendors/ecomail.md §5, §9). The sent ledger keeps what Ecomail confirmed, keyed by the
stream's key properties (or, without them, by the action's content), so a rerun or a replay
after a crash sends only what was never confirmed. The ledger is written right after each
confirmation.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import OutcomeUnknownError, VendorError
from api_target_kit.sent_ledger import payload_digest
from target_ecomail.base_sink import EcomailSink
from target_ecomail.entities import AUTOMATION_TRIGGERS, EVENT_RULES, EVENTS, TRIGGER_RULES
from target_ecomail.payloads import event_body
from target_ecomail.vendor_errors import refusal_reason

ALREADY_SENT = "already confirmed by Ecomail in an earlier run (an action is sent once)"

Action = tuple[dict[str, Any], str, str, dict[str, Any]]  # record, ledger key, path, body


class ActionSink(EcomailSink):
    """One call per record, sent at most once per ledger key."""

    depends_on = ("subscribers",)
    MAX_SIZE_DEFAULT = 1000
    #: What to do when the answer to a call was lost: send again (True) or reject it (False).
    resend_when_unknown: ClassVar[bool] = True
    #: The endpoint label in the summary.
    endpoint: ClassVar[str]

    def action(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The path and body of the call for `record`."""
        raise NotImplementedError

    def ledger_key(self, record: dict[str, Any], body: dict[str, Any]) -> str:
        """The stream's key properties when it has them, else the content of the call."""
        if self.key_properties:
            return "|".join(str(record.get(k)) for k in self.key_properties)  # type: ignore[union-attr]
        return payload_digest(body)

    def deliver(self, context: dict[str, Any]) -> None:
        """Send what the ledger has not seen; deletes are skipped (an action cannot be undone)."""
        if context.get("deletes"):
            reason = f"delete of {self.entity}: an action cannot be undone"
            self.kit.report.skipped(self.stream_name, reason, len(context["deletes"]))
        actions: list[Action] = []
        for record in context.get("records", []):
            path, body = self.action(record)
            actions.append((record, self.ledger_key(record, body), path, body))
        sent = self.ecomail.ledger.lookup(self.entity, [a[1] for a in actions])
        fresh: dict[str, Action] = {}
        for action in actions:
            if action[1] in sent or action[1] in fresh:
                self.kit.report.skipped(self.stream_name, ALREADY_SENT)
            else:
                fresh[action[1]] = action
        for_each_concurrently(fresh.values(), self._send)

    def _send(self, action: Action) -> None:
        record, key, path, body = action
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", path, body)
            self.kit.report.sent(self.stream_name)
            return
        try:
            self.kit.client.request("POST", path, json_body=body, idempotent=False, endpoint=self.endpoint)
        except OutcomeUnknownError as exc:
            if self.resend_when_unknown:
                self.kit.report.warn(self.stream_name, "answer lost; sent again (may be recorded twice)")
                self._send(action)
            else:
                self.reject(
                    record,
                    f"{exc}. Not sent again, so that it cannot fire twice: check in Ecomail whether it ran, "
                    "and replay this record from the rejects file if it did not",
                )
            return
        except VendorError as exc:
            if exc.status not in (400, 404, 422):
                raise
            self.reject(record, refusal_reason(exc))
            return
        self.ecomail.ledger.confirm(self.entity, {key: payload_digest(body)})
        self.kit.report.sent(self.stream_name)


class EventsSink(ActionSink):
    """`POST /tracker/events`, one per event, after the subscribers of the drain."""

    entity = EVENTS
    rules = EVENT_RULES
    endpoint = "/tracker/events"

    def action(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The event body."""
        return "/tracker/events", event_body(record)


class AutomationTriggersSink(ActionSink):
    """`POST /pipelines/{id}/trigger` with the contact's e-mail: fired once, never twice."""

    entity = AUTOMATION_TRIGGERS
    rules = TRIGGER_RULES
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

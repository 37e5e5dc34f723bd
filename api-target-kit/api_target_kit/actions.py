"""Sinks of actions, not state: each record is one call, sent at most once whatever is replayed.

Re-sending an event records it twice; re-sending an automation trigger runs it again. The
target's sent ledger keeps, per entity, the key of every action the vendor confirmed (the
stream's key properties, or else the content of the call), written right after each
confirmation, so a rerun or a replay after a crash sends only what was never confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import OutcomeUnknownError
from api_target_kit.sent_ledger import payload_digest
from api_target_kit.sink import EntitySink

ALREADY_SENT = "already confirmed by the vendor in an earlier run (an action is sent once)"


@dataclass(frozen=True)
class Action:
    """One call: the record it comes from, its ledger key, its path and body."""

    record: dict[str, Any]
    key: str
    path: str
    body: dict[str, Any]


class ActionSink(EntitySink):
    """One POST per record, at most once per ledger key; deletes are skipped."""

    MAX_SIZE_DEFAULT = 1000
    #: The endpoint label in the summary.
    endpoint: ClassVar[str]
    #: When the answer to a call was lost: send again (at least once) or reject the record
    #: with what to check (at most once, for actions that must never run twice).
    resend_when_unknown: ClassVar[bool] = True
    refused_statuses: ClassVar[tuple[int, ...]] = (400, 404, 422)

    def action(self, record: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The path and body of the call for `record` (None: the record was rejected)."""
        raise NotImplementedError

    def ledger_key(self, record: dict[str, Any], body: dict[str, Any]) -> str:
        """The stream's key properties when it has them, else the content of the call."""
        if self.key_properties:
            return "|".join(str(record.get(k)) for k in self.key_properties)
        return payload_digest(body)

    def deliver(self, context: dict[str, Any]) -> None:
        """Send what the ledger has not seen."""
        if context.get("deletes"):
            reason = f"delete of {self.entity}: an action cannot be undone"
            self.kit.report.skipped(self.stream_name, reason, len(context["deletes"]))
        actions: list[Action] = []
        for record in context.get("records", []):
            call = self.action(record)
            if call is not None:
                actions.append(Action(record, self.ledger_key(record, call[1]), *call))
        sent = self.api_target.ledger.lookup(self.entity, [a.key for a in actions])
        fresh: dict[str, Action] = {}
        for action in actions:
            if action.key in sent or action.key in fresh:
                self.kit.report.skipped(self.stream_name, ALREADY_SENT)
            else:
                fresh[action.key] = action
        for_each_concurrently(fresh.values(), self._send)

    def _send(self, action: Action) -> None:
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", action.path, action.body)
            self.kit.report.sent(self.stream_name)
            return
        try:
            sent = self.send_or_reject(action.record, lambda: self._post(action))
        except OutcomeUnknownError as exc:
            self.reject(
                action.record,
                f"{exc}. Not sent again, so that it cannot run twice: check at the vendor whether it ran, "
                "and replay this record from the rejects file if it did not",
            )
            return
        if sent:
            self.api_target.ledger.confirm(self.entity, {action.key: payload_digest(action.body)})
            self.kit.report.sent(self.stream_name)

    def _post(self, action: Action) -> None:
        while True:
            try:
                self.kit.client.request(
                    "POST", action.path, json_body=action.body, idempotent=False, endpoint=self.endpoint
                )
                return
            except OutcomeUnknownError:
                if not self.resend_when_unknown:
                    raise
                self.kit.report.warn(self.stream_name, "answer lost; sent again (may be recorded twice)")

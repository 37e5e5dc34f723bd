"""Sinks of actions, not state: each record is one call, sent at most once whatever is replayed.

Re-sending an event records it twice; re-sending an automation trigger runs it again. The
target's sent ledger keeps, per entity, the key of every action (the stream's key properties,
or else the content of the call): pending once the call has its rate-limit slot and is about to
leave, confirmed right after the vendor answered (an action still waiting for its slot is not
marked, so a rerun after a crash sends it as new). A rerun or a replay after a crash sends only what was never confirmed. An action
left pending (its answer lost, or the process killed) is sent again when the sink allows it
(`resend_when_unknown`, at least once), else rejected with what to check (at most once); such a
reject makes the run end `needs_attention` (see `RunReport.outcome_unknown`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from api_target_kit.concurrency import for_each_concurrently
from api_target_kit.errors import OutcomeUnknownError
from api_target_kit.sent_ledger import PendingMark, payload_digest
from api_target_kit.sink import EntitySink

ALREADY_SENT = "already confirmed by the vendor in an earlier run (an action is sent once)"
UNKNOWN_OUTCOME = (
    "{what}. Not sent again, so that it cannot run twice: check at the vendor whether it ran, "
    "and replay this record from the rejects file if it did not"
)


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
    ledger_managed = True

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
        ledger = self.api_target.ledger
        sent = ledger.lookup(self.entity, [a.key for a in actions])
        interrupted = ledger.pending(self.entity, [a.key for a in actions])
        fresh: dict[str, Action] = {}
        for action in actions:
            if action.key in sent or action.key in fresh:
                self.kit.report.skipped(self.stream_name, ALREADY_SENT)
            elif action.key in interrupted and not self.resend_when_unknown:
                ledger.forget(self.entity, [action.key])  # handed to the operator through the rejects file
                self.reject(
                    action.record,
                    UNKNOWN_OUTCOME.format(what="an earlier run was interrupted after sending it"),
                    outcome_unknown=True,
                )
            else:
                if action.key in interrupted:
                    self.kit.report.warn(
                        self.stream_name, "sent again after an interrupted run (may be recorded twice)"
                    )
                fresh[action.key] = action
        for_each_concurrently(fresh.values(), self._send)

    def _send(self, action: Action) -> None:
        if self.kit.dry_run:
            self.kit.record_dry_run("POST", action.path, action.body)
            self.kit.report.sent(self.stream_name)
            return
        ledger = self.api_target.ledger
        digest = payload_digest(action.body)
        mark = PendingMark(ledger, self.entity, {action.key: digest})
        try:
            sent = self.send_or_reject(action.record, lambda: self._post(action, mark))
        except OutcomeUnknownError as exc:
            ledger.forget(self.entity, [action.key])  # handed to the operator through the rejects file
            self.reject(action.record, UNKNOWN_OUTCOME.format(what=exc), outcome_unknown=True)
            return
        if sent:
            ledger.confirm(self.entity, {action.key: digest})
            self.kit.report.sent(self.stream_name)
        else:
            ledger.forget(self.entity, [action.key])

    def _post(self, action: Action, mark: PendingMark) -> None:
        while True:
            try:
                self.kit.client.request(
                    "POST", action.path, json_body=action.body, idempotent=False, endpoint=self.endpoint, mark=mark
                )
                return
            except OutcomeUnknownError:
                if not self.resend_when_unknown:
                    raise
                self.kit.report.warn(self.stream_name, "answer lost; sent again (may be recorded twice)")

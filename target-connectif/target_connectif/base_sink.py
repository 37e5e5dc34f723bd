"""What every Connectif sink shares: settings, the import runner, per-record calls, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from api_target_kit.errors import VendorError
from api_target_kit.sink import EntitySink
from target_connectif.vendor_errors import refusal_reason

if TYPE_CHECKING:
    from target_connectif.target import TargetConnectif

#: Statuses that refuse one record (validation, custom E0xxx codes), not the run.
RECORD_REFUSALS = (400, 413, 422)


class ConnectifSink(EntitySink):
    """An entity sink of target-connectif."""

    def __init__(
        self, target: TargetConnectif, stream_name: str, schema: dict[str, Any], key_properties: list[str] | None
    ) -> None:
        self.connectif = target
        super().__init__(target, stream_name, schema, key_properties)

    def setting(self, name: str, default: Any = None) -> Any:
        """A target setting, with `default` when unset."""
        value = self.config.get(name)
        return default if value is None else value

    def call(self, method: str, path: str, label: str, *, body: Any = None, ok: tuple[int, ...] = ()) -> int:
        """One JSON call (or its dry-run record); returns the status (0 in a dry run)."""
        if self.kit.dry_run:
            self.kit.record_dry_run(method, path, body)
            return 0
        return self.kit.client.request(method, path, json_body=body, endpoint=label, ok_statuses=ok).status_code

    def or_reject(self, record: dict[str, Any], send: Callable[[], object]) -> bool:
        """Run `send`; a refusal of this record becomes a reject with Connectif's reason. True if sent."""
        try:
            send()
        except VendorError as exc:
            if exc.status not in RECORD_REFUSALS:
                raise
            self.reject(record, refusal_reason(exc))
            return False
        return True

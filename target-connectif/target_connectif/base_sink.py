"""What every Connectif sink shares: the target, JSON calls, and Connectif's refusals as reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from api_target_kit.errors import VendorError
from api_target_kit.sink import EntitySink
from target_connectif.vendor_errors import error_code, refusal_reason

if TYPE_CHECKING:
    from target_connectif.target import TargetConnectif


class ConnectifSink(EntitySink):
    """An entity sink of target-connectif."""

    #: Statuses that refuse one record (validation, custom E0xxx codes, too large), not the run.
    refused_statuses: ClassVar[tuple[int, ...]] = (400, 413, 422)

    def __init__(
        self, target: TargetConnectif, stream_name: str, schema: dict[str, Any], key_properties: list[str] | None
    ) -> None:
        self.connectif = target
        super().__init__(target, stream_name, schema, key_properties)

    def refusal_reason(self, exc: VendorError) -> str:
        """Connectif's problem details (`detail`, `code`, `validationErrors`) as a reason."""
        return refusal_reason(exc)

    def refusal_code(self, exc: VendorError) -> str:
        """Connectif's custom code (`E0102`) when it gives one, else the status."""
        return error_code(exc) or super().refusal_code(exc)

    def call(self, method: str, path: str, label: str, *, body: Any = None, ok: tuple[int, ...] = ()) -> int:
        """One JSON call (or its dry-run record); returns the status (0 in a dry run)."""
        if self.kit.dry_run:
            self.kit.record_dry_run(method, path, body)
            return 0
        return self.kit.client.request(method, path, json_body=body, endpoint=label, ok_statuses=ok).status_code

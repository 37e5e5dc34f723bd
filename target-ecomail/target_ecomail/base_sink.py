"""What every Ecomail sink shares: the target, and Ecomail's refusals as reject reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_target_kit.errors import VendorError
from api_target_kit.sink import EntitySink
from target_ecomail.vendor_errors import refusal_reason

if TYPE_CHECKING:
    from target_ecomail.target import TargetEcomail


class EcomailSink(EntitySink):
    """An entity sink of target-ecomail."""

    def __init__(
        self, target: TargetEcomail, stream_name: str, schema: dict[str, Any], key_properties: list[str] | None
    ) -> None:
        self.ecomail = target
        super().__init__(target, stream_name, schema, key_properties)

    def refusal_reason(self, exc: VendorError) -> str:
        """Ecomail's `{"errors": {field: [messages]}}` as a reason."""
        return refusal_reason(exc)

"""What every Ecomail sink shares: the target's settings and its sent ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_target_kit.sink import EntitySink

if TYPE_CHECKING:
    from target_ecomail.target import TargetEcomail


class EcomailSink(EntitySink):
    """An entity sink of target-ecomail."""

    def __init__(
        self, target: TargetEcomail, stream_name: str, schema: dict[str, Any], key_properties: list[str] | None
    ) -> None:
        self.ecomail = target
        super().__init__(target, stream_name, schema, key_properties)

    def setting(self, name: str, default: Any = None) -> Any:
        """A target setting, with `default` when unset."""
        value = self.config.get(name)
        return default if value is None else value

"""Configuration of the Ecomail sandbox: the kit's server settings plus lists and automations."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from api_target_kit.sandbox import BaseSandboxConfig, FaultConfig

__all__ = ["CUSTOM_FIELD_TYPES", "DEFAULT_LISTS", "DEFAULT_PIPELINES", "FaultConfig", "SandboxConfig", "field_key"]

#: The custom-field types Ecomail documents (vendors/ecomail.md §3.1, assumption: only these).
CUSTOM_FIELD_TYPES: tuple[str, ...] = ("string", "int", "date")

#: One list, ``"1"``, defining the custom fields the demo shop sends.
DEFAULT_LISTS: dict[str, dict[str, dict[str, str]]] = {
    "1": {
        "shop": {"type": "string", "name": "Shop"},
        "loyalty_tier": {"type": "string", "name": "Loyalty tier"},
        "orders_count": {"type": "int", "name": "Orders count"},
    }
}
DEFAULT_PIPELINES: tuple[str, ...] = ("1", "2")


def field_key(key: str) -> str:
    """How Ecomail identifies a custom field: the key trimmed and lower-cased."""
    return key.strip().lower()


def _check_definitions(list_id: str, definitions: Any) -> None:
    """Validate one list's custom-field definitions ``{key: {"type": ..., "name": ...}}``."""
    if not isinstance(definitions, dict):
        raise TypeError(f"lists[{list_id!r}] must be an object of custom-field definitions")
    seen: set[str] = set()
    for key, definition in definitions.items():
        if not isinstance(key, str) or not field_key(key):
            raise ValueError(f"lists[{list_id!r}] has an empty custom-field key")
        if field_key(key) in seen:
            raise ValueError(f"lists[{list_id!r}] defines {key!r} twice (keys are trimmed and case-insensitive)")
        seen.add(field_key(key))
        if not isinstance(definition, dict) or definition.get("type") not in CUSTOM_FIELD_TYPES:
            raise ValueError(f"lists[{list_id!r}][{key!r}].type must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
        if not isinstance(definition.get("name", key), str):
            raise TypeError(f"lists[{list_id!r}][{key!r}].name must be a string")


@dataclass
class SandboxConfig(BaseSandboxConfig):
    """Server settings: the kit's (1000 requests per 60 s, as documented) plus lists and automations.

    ``lists`` maps a list id to its custom-field definitions ``{key: {"type", "name"}}`` (types
    ``string``, ``int``, ``date``); custom-field keys a list does not define are ignored.
    ``pipelines`` holds the ids of the automations that exist.
    """

    rate_limit: int = 1000
    lists: dict[str, dict[str, dict[str, str]]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_LISTS))
    pipelines: list[str] = field(default_factory=lambda: list(DEFAULT_PIPELINES))

    def __post_init__(self) -> None:
        """Validate the settings; raise ``ValueError`` or ``TypeError`` when one is invalid."""
        super().__post_init__()
        if not isinstance(self.lists, dict):
            raise TypeError("lists must be an object mapping list ids to custom-field definitions")
        for list_id, definitions in self.lists.items():
            if not isinstance(list_id, str) or not list_id:
                raise ValueError("list ids must be non-empty strings")
            _check_definitions(list_id, definitions)
        if not isinstance(self.pipelines, list) or not all(isinstance(p, str) and p for p in self.pipelines):
            raise TypeError("pipelines must be a list of non-empty strings")

    def defined_keys(self, list_id: str) -> frozenset[str]:
        """Return the normalised custom-field keys list ``list_id`` defines."""
        return frozenset(field_key(key) for key in self.lists.get(list_id, {}))

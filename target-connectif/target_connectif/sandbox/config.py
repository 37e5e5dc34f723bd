"""Configuration of the Connectif sandbox: the kit's server settings plus the account's set-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from api_target_kit.sandbox import BaseSandboxConfig, FaultConfig, is_int, is_number

__all__ = ["CONTACT_FIELD_TYPES", "FaultConfig", "SandboxConfig"]

CONTACT_FIELD_TYPES: frozenset[str] = frozenset({"text", "integer", "decimal", "boolean", "date", "checkbox"})
"""The custom contact field types the sandbox knows."""


def _default_contact_fields() -> dict[str, str]:
    return {"shop_language": "text", "loyalty_tier": "text"}


def _default_event_types() -> dict[str, list[str]]:
    return {"wishlist": ["email", "productId", "addedAt"]}


@dataclass
class SandboxConfig(BaseSandboxConfig):
    """Server settings: the kit's (100 requests per fixed 60 s window) plus the Connectif account.

    * ``import_seconds``: how long an import takes (``queued`` for the first quarter, then
      ``inProgress``, then ``finished`` or ``error``);
    * ``max_import_bytes``: the largest import CSV file (413 above);
    * ``max_queued_imports``: imports ``queued`` or ``inProgress`` at once (400 ``E0401`` above);
    * ``max_event_bytes``: the largest custom event request body (413 above);
    * ``contact_fields``: custom contact field id -> type (text, integer, decimal, boolean, date,
      checkbox);
    * ``custom_event_types``: custom event alias -> declared field ids (``email`` is the required
      primary key and is always declared);
    * ``coupon_sets``: ids of the coupon sets created in the app (empty);
    * ``authorised_domains``: hosts a ``productDetailUrl`` may point to;
    * ``foreign_requests_per_window``: requests other integrations of the account make in every
      rate-limit window, taken from the shared budget;
    * ``error_report_status``: what an error report download answers (200; e.g. 403 for a signed
      link that expired);
    * ``error_report_reason_column``: the name of the error report's reason column (``reason``, the
      assumption; another name, or empty for none, to test a report of another form).
    """

    rate_limit: int = 100
    window_seconds: float = 60.0
    import_seconds: float = 0.5
    max_import_bytes: int = 50_000_000
    max_queued_imports: int = 10
    max_event_bytes: int = 512 * 1024
    contact_fields: dict[str, str] = field(default_factory=_default_contact_fields)
    custom_event_types: dict[str, list[str]] = field(default_factory=_default_event_types)
    coupon_sets: list[str] = field(default_factory=lambda: ["cs-demo"])
    authorised_domains: list[str] = field(default_factory=lambda: ["shop.example.cz", "shop.example.it"])
    foreign_requests_per_window: int = 0
    error_report_status: int = 200
    error_report_reason_column: str = "reason"

    def __post_init__(self) -> None:
        """Validate the settings; raise ``ValueError`` or ``TypeError`` when one is invalid."""
        super().__post_init__()
        if not is_number(self.import_seconds) or self.import_seconds < 0:
            raise ValueError("import_seconds must be a non-negative number")
        for name in ("max_import_bytes", "max_queued_imports", "max_event_bytes", "foreign_requests_per_window"):
            value = getattr(self, name)
            if not is_int(value) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        self._check_contact_fields()
        self._check_event_types()
        for name in ("coupon_sets", "authorised_domains"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                raise TypeError(f"{name} must be a list of non-empty strings")

    def _check_contact_fields(self) -> None:
        if not isinstance(self.contact_fields, dict):
            raise TypeError("contact_fields must be a mapping of field id to type")
        for field_id, kind in self.contact_fields.items():
            if not isinstance(field_id, str) or not field_id or field_id.startswith("_"):
                raise ValueError("custom contact field ids must be non-empty and must not start with '_'")
            if kind not in CONTACT_FIELD_TYPES:
                raise ValueError(f"contact field {field_id!r} has unknown type {kind!r}")

    def _check_event_types(self) -> None:
        if not isinstance(self.custom_event_types, dict):
            raise TypeError("custom_event_types must be a mapping of alias to field ids")
        for alias, fields in self.custom_event_types.items():
            if not isinstance(alias, str) or not alias:
                raise ValueError("custom event aliases must be non-empty strings")
            if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
                raise TypeError(f"custom event type {alias!r} must list its field ids as strings")
            if "email" not in fields:
                raise ValueError(f"custom event type {alias!r} must declare the 'email' field")

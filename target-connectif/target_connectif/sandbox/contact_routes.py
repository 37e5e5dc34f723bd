"""Contact endpoints: upsert (``PATCH``), read and delete by e-mail."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import Call, no_content, resource
from .kinds import is_email
from .problems import field_problem, not_found, validation_problem
from .schemas import contact_fields
from .validation import contact_errors


def patch_contact(call: Call, params: tuple[str, ...]) -> Response:
    """``PATCH /contacts/email/{email}`` and ``PATCH /contacts/{email}``: 201 created, 200 updated."""
    email = params[0]
    if not is_email(email):
        return field_problem("email", "Value must be a valid email")
    errors = contact_errors(call.body, contact_fields(call.config.contact_fields))
    if errors:
        return validation_problem(errors)
    record, created = call.store.put_contact(email, call.body, call.wall)
    return resource(201 if created else 200, record)


def get_contact(call: Call, params: tuple[str, ...]) -> Response:
    """``GET /contacts/{email}`` and ``GET /contacts/email/{email}``."""
    record = call.store.contact(params[0])
    return not_found("Contact") if record is None else resource(200, record)


def delete_contact(call: Call, params: tuple[str, ...]) -> Response:
    """``DELETE /contacts/email/{email}``: 204, or 404 when there is no such contact."""
    return no_content() if call.store.delete_contact(params[0]) else not_found("Contact")

"""Product endpoints: upsert (``PATCH``) and read by the shop's product id."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import Call, resource
from .kinds import is_authorised
from .problems import custom_error, not_found, validation_problem
from .validation import product_errors


def patch_product(call: Call, params: tuple[str, ...]) -> Response:
    """``PATCH /products/product-id/{id}``: 422 on bad fields, 400 ``E0201`` on a foreign URL domain."""
    errors = product_errors(call.body)
    if errors:
        return validation_problem(errors)
    if not is_authorised(call.body["productDetailUrl"], call.config.authorised_domains):
        return custom_error("E0201", "The product URL domain is not authorised")
    record, created = call.store.put_product(params[0], call.body, call.wall)
    return resource(201 if created else 200, record)


def get_product(call: Call, params: tuple[str, ...]) -> Response:
    """``GET /products/product-id/{id}``."""
    record = call.store.products.get(params[0])
    return not_found("Product") if record is None else resource(200, record)

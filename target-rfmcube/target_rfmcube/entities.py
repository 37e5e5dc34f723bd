"""What Rfmcube needs of each entity (vendors/rfmcube.md §3, §4, §9)."""

from __future__ import annotations

from api_target_kit.validation import AMOUNT, DATETIME, EMAIL, ID, EntityRules

CUSTOMERS = "customers"
ORDERS = "orders"

#: Customers: `email` is the key; `createdAt` and `updatedAt` are mandatory.
CUSTOMER_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["email", "createdAt", "updatedAt"],
        "properties": {"email": EMAIL, "createdAt": DATETIME, "updatedAt": DATETIME, "id": ID},
    },
    delete_keys=("email", "id"),
)

#: Orders on their own stream: `customerEmail` links them to their customer, so it is
#: required too (it is optional only for orders nested under their customer).
ORDER_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["id", "createdAt", "updatedAt", "amount", "customerEmail"],
        "properties": {
            "id": ID,
            "createdAt": DATETIME,
            "updatedAt": DATETIME,
            "amount": AMOUNT,
            "customerEmail": EMAIL,
        },
    },
    delete_keys=(),  # Rfmcube documents no order delete: source deletes are skipped.
)

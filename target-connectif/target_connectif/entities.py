"""What Connectif needs of each entity (vendors/connectif.md §2-§7): required fields, types, enums."""

from __future__ import annotations

from typing import Any

from api_target_kit.validation import AMOUNT, DATETIME, EMAIL, ID, EntityRules

CONTACTS = "contacts"
PRODUCTS = "products"
PURCHASES = "purchases"
COUPONS = "coupons"
CUSTOM_EVENTS = "custom_events"

#: Writable system fields of a contact (docs `contactpatch`); every other field is a custom field id.
CONTACT_SYSTEM_FIELDS = (
    "_name",
    "_surname",
    "_birthdate",
    "_emailStatus",
    "_mobilePhone",
    "_mobilePhoneStatus",
    "_newsletterSubscriptionStatus",
    "_smsSubscriptionStatus",
    "_points",
    "_externalId",
)
#: Writable product fields (docs `patchsert-product`).
PRODUCT_FIELDS = (
    "name",
    "productDetailUrl",
    "imageUrl",
    "thumbnailUrl",
    "description",
    "unitPrice",
    "unitPriceOriginal",
    "unitPriceWithoutVAT",
    "discountedAmount",
    "discountedPercentage",
    "availability",
    "inStockUnits",
    "brand",
    "categories",
    "tags",
    "rating",
    "ratingCount",
    "reviewCount",
    "relatedExternalProductIds",
    "priority",
    "publishedAt",
    "isBlacklisted",
    "customField1",
    "customField2",
    "customField3",
)
PURCHASE_FIELDS = (
    "purchaseId",
    "contactEmail",
    "contactExternalId",
    "cartId",
    "paymentMethod",
    "purchaseDate",
    "totalPrice",
    "totalQuantity",
    "products",
)
#: The field a custom event's alias can come from (else the `custom_event_alias` setting).
EVENT_ALIAS_FIELD = "alias"


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, schema]}


def _enum(*values: str) -> dict[str, Any]:
    return _optional({"enum": list(values)})


INTEGER: dict[str, Any] = {"type": "integer"}
STRING: dict[str, Any] = {"type": "string"}
STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

CONTACT_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["_email"],
        "properties": {
            "_email": EMAIL,
            # Text fields: Connectif refuses anything else on a PATCH, and an import would store
            # a number or an object as its text, so both paths reject it here, naming the field.
            **dict.fromkeys(("_name", "_surname", "_mobilePhone", "_externalId"), _optional(STRING)),
            "_birthdate": _optional(DATETIME),
            "_emailStatus": _enum("active", "bounced", "paused", "banned"),
            "_mobilePhoneStatus": _enum("active", "bounced", "paused"),
            "_newsletterSubscriptionStatus": _enum("subscribed", "unsubscribed", "none"),
            "_smsSubscriptionStatus": _enum("subscribed", "unsubscribed", "none"),
            "_points": _optional(INTEGER),
        },
    },
    delete_keys=("_email",),
)

PRODUCT_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["productId", "name", "productDetailUrl", "unitPrice"],
        "properties": {
            "productId": ID,
            "name": {"type": "string", "minLength": 1},
            "productDetailUrl": {"type": "string", "pattern": "^https?://"},
            "unitPrice": AMOUNT,
            "unitPriceOriginal": _optional(AMOUNT),
            "availability": _enum("instock", "outofstock"),
            "inStockUnits": _optional(INTEGER),
            "categories": _optional(STRINGS),
            "tags": _optional(STRINGS),
            "publishedAt": _optional(DATETIME),
        },
    },
    delete_keys=("productId",),
)

_LINE = {
    "type": "object",
    "required": ["productId"],
    "properties": {"productId": ID, "quantity": _optional(INTEGER), "price": _optional(AMOUNT)},
}

PURCHASE_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["purchaseId", "contactEmail", "totalPrice", "totalQuantity", "products"],
        "properties": {
            "purchaseId": ID,
            "contactEmail": EMAIL,
            "purchaseDate": _optional(DATETIME),
            "totalPrice": AMOUNT,
            "totalQuantity": INTEGER,
            "products": {"type": "array", "minItems": 1, "items": _LINE},
        },
    },
    delete_keys=("purchaseId",),
)

COUPON_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["code"],
        "properties": {"code": {"type": "string", "minLength": 1}, "couponSetId": _optional(ID)},
    },
)

CUSTOM_EVENT_RULES = EntityRules(
    schema={"type": "object", "required": ["email"], "properties": {"email": EMAIL}},
)

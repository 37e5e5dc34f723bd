"""The writable fields of each Connectif entity and their types (vendor reference §2-§4)."""

from __future__ import annotations

from collections.abc import Mapping

from .kinds import (
    BOOLEAN,
    CONTACT_FIELD_KINDS,
    DATE_TIME,
    EMAIL,
    INTEGER,
    NUMBER,
    PERCENTAGE,
    STRING,
    STRING_LIST,
    URL,
    Kind,
    enum,
)

SUBSCRIPTION = enum("subscribed", "unsubscribed", "none")

CONTACT_SYSTEM_FIELDS: dict[str, Kind] = {
    "_name": STRING,
    "_surname": STRING,
    "_birthdate": DATE_TIME,
    "_emailStatus": enum("active", "bounced", "paused", "banned"),
    "_mobilePhone": STRING,
    "_mobilePhoneStatus": enum("active", "bounced", "paused"),
    "_newsletterSubscriptionStatus": SUBSCRIPTION,
    "_smsSubscriptionStatus": SUBSCRIPTION,
    "_points": INTEGER,
    "_externalId": STRING,
}
"""System contact fields a PATCH or an import may write (``_email`` is the key, in the path)."""

CONTACT_EMAIL = "_email"
"""The contact key: the path of the PATCH, the required column of a contacts import."""

_PRICE_FIELDS: dict[str, Kind] = {
    "unitPrice": NUMBER,
    "unitPriceOriginal": NUMBER,
    "unitPriceWithoutVAT": NUMBER,
    "discountedAmount": NUMBER,
    "discountedPercentage": PERCENTAGE,
}

_DESCRIPTION_FIELDS: dict[str, Kind] = {
    "name": STRING,
    "productDetailUrl": URL,
    "imageUrl": URL,
    "thumbnailUrl": URL,
    "description": STRING,
    "brand": STRING,
    "categories": STRING_LIST,
    "tags": STRING_LIST,
    "rating": NUMBER,
    "ratingCount": INTEGER,
    "reviewCount": INTEGER,
    "publishedAt": DATE_TIME,
    "customField1": STRING,
    "customField2": STRING,
    "customField3": STRING,
}

PRODUCT_FIELDS: dict[str, Kind] = {
    **_DESCRIPTION_FIELDS,
    **_PRICE_FIELDS,
    "availability": enum("instock", "outofstock"),
    "inStockUnits": INTEGER,
    "relatedExternalProductIds": STRING_LIST,
    "priority": INTEGER,
    "isBlacklisted": BOOLEAN,
}
"""Fields of ``PATCH /products/product-id/{id}`` (``productId`` is in the path)."""

PRODUCT_REQUIRED: tuple[str, ...] = ("name", "productDetailUrl", "unitPrice")
"""Fields the product PATCH requires (assumed, as for the CSV import)."""

PRODUCT_ID = "productId"

PURCHASE_FIELDS: dict[str, Kind] = {
    "purchaseId": STRING,
    "contactEmail": EMAIL,
    "contactExternalId": STRING,
    "cartId": STRING,
    "paymentMethod": STRING,
    "purchaseDate": DATE_TIME,
    "totalPrice": NUMBER,
    "totalQuantity": INTEGER,
}
"""Top-level purchase fields besides ``products``."""

PURCHASE_REQUIRED: tuple[str, ...] = ("purchaseId", "totalPrice", "totalQuantity")

PURCHASE_LINE_FIELDS: dict[str, Kind] = {
    PRODUCT_ID: STRING,
    **_DESCRIPTION_FIELDS,
    **_PRICE_FIELDS,
    "price": NUMBER,
    "quantity": INTEGER,
}
"""Fields of a purchase line item (``products[]``)."""


def contact_fields(custom: Mapping[str, str]) -> dict[str, Kind]:
    """Return every writable contact field: the system ones plus the custom ones of the account."""
    return {**CONTACT_SYSTEM_FIELDS, **{name: CONTACT_FIELD_KINDS[kind] for name, kind in custom.items()}}

"""The demo shop as target-connectif reads it: ``demo/connectif/*.jsonl`` and ``expected.json``.

Same customers, catalogue and orders as the rfmcube files, shaped as Connectif's
contacts, products, purchases and coupons, with a few deliberate defects (one record
each) and source deletes. The Connectif store is the Czech shop: the catalogue is in
Czech with CZK prices, and purchases are the Czech shop's completed orders (one
currency per store). Contacts are all the shop's customers. The view's choices come
from its own ``random.Random(CONNECTIF_SEED)``; ``generate.py`` writes the files.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from generate import (
    END,
    SEED,
    STOREFRONTS,
    CustomerDraft,
    JsonObject,
    JsonValue,
    OrderDraft,
    Product,
    Shop,
    StreamFile,
    VendorView,
    category_names,
    czk_price,
    delete_line,
    format_timestamp,
    in_deletion_order,
    money,
    order_totals,
    random_moment,
    unit_price,
    url_slug,
    varied_timestamp,
    weighted,
)

CONNECTIF_SEED = SEED + 2

STORE_COUNTRY = "CZ"
STORE_LANGUAGE = "cs"
N_DELETED_CONTACTS = 5
N_DELETED_PRODUCTS = 3
N_PURCHASES = 300
N_DELETED_PURCHASES = 2
N_COUPONS = 500

OUT_OF_STOCK_SHARE = 0.08
ON_SALE_SHARE = 0.2
NEW_SHARE = 0.15
N_BESTSELLERS = 10
UNSUBSCRIBED_SHARE = 0.6
EMAIL_STATUSES = ("active", "bounced", "paused", "banned")
EMAIL_STATUS_WEIGHTS = (95, 3, 1, 1)
PAYMENT_METHODS = ("card", "bank_transfer", "cash_on_delivery", "apple_pay")
PAYMENT_WEIGHTS = (55, 20, 15, 10)
COUPON_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
UNKNOWN_BUYER = "unknown.buyer@example.com"
UNKNOWN_SKU = "NO-SUCH-SKU"

CONTACT_DEFECTS = {"missing_email": "_email", "bad_email_status": "_emailStatus", "bad_points": "_points"}
PRODUCT_DEFECTS = {"missing_url": "productDetailUrl", "bad_price": "unitPrice"}
PURCHASE_DEFECTS = {
    "unknown_contact": "contactEmail",
    "unknown_product": "products",
    "missing_id": "purchaseId",
    "no_products": "products",
}


# ----------------------------------------------------------------------- contacts


def contact_record(rng: random.Random, customer: CustomerDraft, shop: Shop) -> JsonObject:
    """Serialise a shop customer as a Connectif contact."""
    profile = shop.profiles[customer.cid]
    if customer.subscribed:
        newsletter = "subscribed"
    else:
        newsletter = "unsubscribed" if rng.random() < UNSUBSCRIBED_SHARE else "none"
    record: JsonObject = {
        "_email": customer.email,
        "_name": customer.firstname,
        "_surname": customer.lastname,
        "_mobilePhone": customer.phone.replace(" ", ""),
        "_newsletterSubscriptionStatus": newsletter,
        "_emailStatus": weighted(rng, EMAIL_STATUSES, EMAIL_STATUS_WEIGHTS),
        "_points": int(profile.spent_eur),
        "_externalId": customer.cid,
        "shop_language": customer.market.language,
        "loyalty_tier": profile.tier,
        "updated_at": format_timestamp(customer.updated, customer.local_dates),
    }
    if profile.birthday is not None:
        birth = datetime.combine(profile.birthday, time(), tzinfo=UTC)
        record["_birthdate"] = format_timestamp(birth, False)
    return record


def break_contact(record: JsonObject, defect: str) -> None:
    """Break a contact record in the one field the defect names."""
    if defect == "missing_email":
        del record["_email"]
    elif defect == "bad_email_status":
        record["_emailStatus"] = "zombie"
    elif defect == "bad_points":
        record["_points"] = "lots"


def build_contacts(rng: random.Random, shop: Shop) -> tuple[StreamFile, set[str]]:
    """One contact per customer; return the file and the ids of the contacts that load."""
    candidates = shop.orderless_customers()
    defects = {c.cid: d for c, d in zip(rng.sample(candidates, len(CONTACT_DEFECTS)), CONTACT_DEFECTS, strict=True)}
    deleted = shop.deleted_customers()[:N_DELETED_CONTACTS]
    records: dict[str, JsonObject] = {}
    stream = StreamFile("contacts")
    for customer in sorted(shop.customers, key=lambda c: (c.updated, c.cid)):
        record = contact_record(rng, customer, shop)
        defect = defects.get(customer.cid)
        if defect is not None:
            break_contact(record, defect)
            stream.defects.append((record.get("_email"), CONTACT_DEFECTS[defect]))
        records[customer.cid] = record
        stream.records.append(record)
    for index, customer in enumerate(deleted):
        when = format_timestamp(customer.deleted_at or END, False)
        stream.deletes.append(delete_line(records[customer.cid], ("_email",), when, full=index % 2 == 1))
    gone = {c.cid for c in deleted} | set(defects)
    return stream, {c.cid for c in shop.customers if c.cid not in gone}


# ----------------------------------------------------------------------- products


def product_record(rng: random.Random, product: Product, shop: Shop, bestsellers: set[int]) -> JsonObject:
    """Serialise a catalogue product as the Czech store lists it."""
    storefront = STOREFRONTS[STORE_COUNTRY]
    path = category_names(shop.catalogue, product.category, STORE_LANGUAGE)
    record: JsonObject = {
        "productId": str(product.id),
        "name": product.name_cs,
        "productDetailUrl": f"{storefront}/p/{url_slug(product.name_cs)}",
        "imageUrl": f"{storefront}/img/p/{product.id}.jpg",
        "unitPrice": money(product.price_czk),
        "categories": ["/".join(path)],
        "brand": product.brand,
    }
    tags: list[JsonValue] = []
    if product.id in bestsellers:
        tags.append("bestseller")
    if rng.random() < NEW_SHARE:
        tags.append("novinka")
    if rng.random() < ON_SALE_SHARE:
        record["unitPriceOriginal"] = money(czk_price(product.price_eur * 5 / 4))
        tags.append("výprodej")
    record["tags"] = tags
    units = 0 if rng.random() < OUT_OF_STOCK_SHARE else rng.randint(1, 120)
    record["availability"] = "instock" if units else "outofstock"
    record["inStockUnits"] = units
    moment = random_moment(rng, END - timedelta(days=300), END - timedelta(days=30))
    record["updated_at"] = format_timestamp(moment, rng.random() < 0.1)
    return record


def break_product(record: JsonObject, defect: str) -> None:
    """Break a product record in the one field the defect names."""
    if defect == "missing_url":
        del record["productDetailUrl"]
    elif defect == "bad_price":
        record["unitPrice"] = "cheap"


def build_products(rng: random.Random, shop: Shop) -> tuple[StreamFile, set[int], int]:
    """The catalogue; return the file, the ids purchases may use, and the out-of-stock count."""
    products = sorted(shop.catalogue.products, key=lambda p: p.id)
    ranked = sorted(products, key=lambda p: (-p.popularity, p.id))
    bestsellers = {p.id for p in ranked[:N_BESTSELLERS]}
    records = {p.id: product_record(rng, p, shop, bestsellers) for p in products}
    special = rng.sample(products, len(PRODUCT_DEFECTS) + N_DELETED_PRODUCTS)
    broken, deleted = special[: len(PRODUCT_DEFECTS)], special[len(PRODUCT_DEFECTS) :]
    stream = StreamFile("products", records=[records[p.id] for p in products])
    for product, defect in zip(broken, PRODUCT_DEFECTS, strict=True):
        break_product(records[product.id], defect)
        stream.defects.append((str(product.id), PRODUCT_DEFECTS[defect]))
    removals = []
    for product in deleted:
        when = random_moment(rng, END - timedelta(days=25), END)
        line = delete_line(records[product.id], ("productId",), format_timestamp(when, False), full=True)
        line["updated_at"] = line["_sdc_deleted_at"]
        removals.append((when, str(product.id), line))
    stream.deletes = in_deletion_order(removals)
    # Loaded products out of stock: those listed so, and the deleted ones (marked so).
    out_of_stock = sum(
        p in deleted or records[p.id]["availability"] == "outofstock" for p in products if p not in broken
    )
    unusable = {p.id for p in special}
    return stream, {p.id for p in products} - unusable, out_of_stock


# ---------------------------------------------------------------------- purchases


def purchase_record(rng: random.Random, order: OrderDraft) -> JsonObject:
    """Serialise a Czech shop order as a Connectif purchase."""
    amount, _, _ = order_totals(order)
    lines: list[JsonValue] = [
        {
            "productId": str(line.product.id),
            "name": line.product.name_cs,
            "unitPrice": money(unit_price(line.product, order.market)),
            "quantity": line.quantity,
            "price": money(unit_price(line.product, order.market) * line.quantity),
        }
        for line in order.lines
    ]
    return {
        "purchaseId": order.oid,
        "contactEmail": order.email,
        "purchaseDate": varied_timestamp(rng, order.created, order.local_dates),
        "totalPrice": money(amount),
        "totalQuantity": sum(line.quantity for line in order.lines),
        "paymentMethod": weighted(rng, PAYMENT_METHODS, PAYMENT_WEIGHTS),
        "cartId": "cart-" + "".join(rng.choices("0123456789abcdef", k=12)),
        "products": lines,
    }


def break_purchase(record: JsonObject, defect: str) -> None:
    """Break a purchase record in the one field the defect names."""
    if defect == "unknown_contact":
        record["contactEmail"] = UNKNOWN_BUYER
    elif defect == "unknown_product":
        products = record["products"]
        assert isinstance(products, list) and isinstance(products[0], dict)
        products[0]["productId"] = UNKNOWN_SKU
    elif defect == "missing_id":
        del record["purchaseId"]
    elif defect == "no_products":
        record["products"] = []
        record["totalQuantity"] = 0


def build_purchases(rng: random.Random, shop: Shop, contacts: set[str], products: set[int]) -> StreamFile:
    """The store's latest loadable purchases, four broken older ones, two deleted afterwards."""
    loadable = [
        o
        for o in shop.orders
        if o.market.country == STORE_COUNTRY
        and o.status == "completed"
        and o.customer_id in contacts
        and all(line.product.id in products for line in o.lines)
    ]
    latest = loadable[-N_PURCHASES:]
    older = rng.sample(loadable[:-N_PURCHASES], len(PURCHASE_DEFECTS))
    broken = {o.oid: defect for o, defect in zip(older, PURCHASE_DEFECTS, strict=True)}
    stream = StreamFile("purchases")
    records: dict[str, JsonObject] = {}
    for order in sorted([*latest, *older], key=lambda o: (o.created, o.oid)):
        record = purchase_record(rng, order)
        defect = broken.get(order.oid)
        if defect is not None:
            break_purchase(record, defect)
            stream.defects.append((record.get("purchaseId"), PURCHASE_DEFECTS[defect]))
        records[order.oid] = record
        stream.records.append(record)
    removals = []
    for index, order in enumerate(sorted(rng.sample(latest, N_DELETED_PURCHASES), key=lambda o: o.oid)):
        when = random_moment(rng, min(order.updated + timedelta(hours=1), END), END)
        line = delete_line(records[order.oid], ("purchaseId",), format_timestamp(when, False), full=index % 2 == 0)
        removals.append((when, order.oid, line))
    stream.deletes = in_deletion_order(removals)
    return stream


# ------------------------------------------------------------------------ coupons


def build_coupons(rng: random.Random) -> StreamFile:
    """Codes of one coupon set (its id is a target setting); one has no code."""
    taken: set[str] = set()
    while len(taken) < N_COUPONS - 1:
        taken.add("CF-" + "".join(rng.choices(COUPON_ALPHABET, k=8)))
    records: list[JsonObject] = [{"code": None}]
    records.extend({"code": code} for code in sorted(taken))
    return StreamFile("coupons", records=records, defects=[(None, "code")])


# ---------------------------------------------------------------------------- view


def build_view(shop: Shop) -> VendorView:
    """The Connectif demo directory: four streams and the figures the sandbox must reach."""
    rng = random.Random(CONNECTIF_SEED)
    contacts, contact_ids = build_contacts(rng, shop)
    products, product_ids, out_of_stock = build_products(rng, shop)
    purchases = build_purchases(rng, shop, contact_ids, product_ids)
    coupons = build_coupons(rng)
    sandbox: JsonObject = {
        "contacts": len(contacts.records) - len(contacts.defects) - len(contacts.deletes),
        "deleted_contacts": len(contacts.deletes),
        "products": len(products.records) - len(products.defects),
        "products_out_of_stock": out_of_stock,
        "purchases": len(purchases.records) - len(purchases.defects) - len(purchases.deletes),
        "coupons": len(coupons.records) - len(coupons.defects),
    }
    settings: JsonObject = {"create_missing_contacts": False}
    return VendorView("connectif", (contacts, products, purchases, coupons), sandbox, settings)
